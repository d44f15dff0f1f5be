/**
 * Entry point for GitHub's local-action debugger, which imports a file and calls its `run()`
 * with @actions/core stubbed (`npm run local-action -- .env.local-action`).
 *
 * The action's own entry (`src/run.ts`) calls `main()` on import, as the runner needs. Like it,
 * this reports every failure as one line through core.setFailed, never as a thrown error (which
 * the debugger would print with its stack).
 */
import * as core from '@actions/core';
import { main } from '../src/main';
import { oneLineError } from '../src/report/errors';

export async function run(): Promise<void> {
  try {
    await main();
  } catch (err) {
    core.setFailed(oneLineError(err));
  }
}
