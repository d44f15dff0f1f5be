/**
 * Entry point for GitHub's local-action debugger, which imports a file and calls its `run()`:
 *
 *   npx @github/local-action run . scripts/local-action.ts .env.local-action
 *
 * The action's own entry (`src/run.ts`) calls `main()` on import, as the runner needs.
 */
export { main as run } from '../src/main';
