/**
 * `npm run local -- --event <payload.json> [--fake] …`: runs the built action on one event payload
 * with the runner's environment (implementation and options in ./lib/local.ts, or `--help`).
 *
 *   npx tsx scripts/local.ts --event test/fixtures/events/pull_request.opened.json --fake
 */
import { cli } from './lib/local';

await cli();
