// `npm run bench` (package.json: "bench": "node bench/run.mjs"): loads tsx, then runs bench/run.ts
// in this process. Same as `npx tsx bench/run.ts …`.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('./run.ts');
await cli();
