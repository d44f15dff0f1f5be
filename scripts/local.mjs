// `npm run local` (package.json: "local": "node scripts/local.mjs"): loads tsx, then runs
// scripts/local.ts in this process. Same as `npx tsx scripts/local.ts …`.
import { register } from 'tsx/esm/api';

register();
await import('./local.ts');
