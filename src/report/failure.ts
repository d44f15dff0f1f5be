/**
 * A run that ends before the agent turn (bad inputs, GitHub unreachable while deciding, a failed
 * command reply) still ends like every other run: `conclusion: failure`, `result` with the reason,
 * a job summary, and one `::error::` line — so `if: steps.claude.outputs.conclusion == 'failure'`
 * fires and the job is red.
 */
import type * as coreModule from '@actions/core';
import { oneLineError } from './errors';
import { outputsFrom, writeOutputs } from './outputs';

type Core = Pick<typeof coreModule, 'setOutput' | 'setFailed' | 'summary'>;

export function failureSummary(message: string): string {
  const text = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `## claude-relay: failure\n\n${text}\n`;
}

export async function reportFailure(core: Core, err: unknown, redact: (s: string) => string): Promise<void> {
  const message = redact(oneLineError(err));
  writeOutputs(core, outputsFrom(undefined, 'failure', '', message), redact);
  try {
    await core.summary.addRaw(failureSummary(message)).write();
  } catch {
    // No summary file (outside a runner): the error line below still says everything.
  }
  core.setFailed(message);
}
