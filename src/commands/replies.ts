/**
 * The text of the direct replies (`cost`, `stop`), written once for the action and the companion.
 */
import { formatUsd } from '../report/comment';
import type { CostSummary } from '../core/ledger';
import type { CancelOutcome, RunSummary } from './runs';

export interface ReplyWhere {
  kind: 'pull_request' | 'issue';
  /** https://github.com/owner/repo, for run links. */
  repoHtmlUrl: string;
  /** Who asked. */
  requester: string;
}

const thing = (w: ReplyWhere) => (w.kind === 'pull_request' ? 'PR' : 'issue');

export function costReply(w: ReplyWhere, summary: CostSummary): string {
  if (summary.runs.length === 0) {
    return `No finished claude-relay runs on this ${thing(w)} yet: the cost so far is ${formatUsd(0)}.`;
  }
  const runLink = (runId: string) =>
    /^\d+$/.test(runId)
      ? `[${runId}](${w.repoHtmlUrl}/actions/runs/${runId})`
      : `\`${runId.replace(/`/g, '')}\``;
  const rows = summary.runs.map(
    (r) => `| ${runLink(r.runId)} | ${r.conclusion ?? '—'} | ${formatUsd(r.costUsd)} |`,
  );
  const runs = summary.runs.length === 1 ? '1 run' : `${summary.runs.length} runs`;
  return [
    `**Cost on this ${thing(w)} so far: ${formatUsd(summary.totalUsd)}** (${runs}).`,
    '',
    '| run | conclusion | cost |',
    '|---|---|---:|',
    ...rows,
    `| **total** | | **${formatUsd(summary.totalUsd)}** |`,
  ].join('\n');
}

export const statusWord = (s: string) => (s === 'in_progress' ? 'in progress' : s);
export const runRef = (r: RunSummary) => (r.htmlUrl ? `[run ${r.id}](${r.htmlUrl})` : `run ${r.id}`);

export function stopReply(w: ReplyWhere, workflow: string, outcomes: CancelOutcome[]): string {
  if (outcomes.length === 0) {
    return `Nothing to stop: no \`${workflow}\` run for this ${thing(w)} is queued or in progress.`;
  }
  const done = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o) => !o.ok);
  const lines: string[] = [];
  if (done.length > 0) {
    lines.push(
      `🛑 Cancelled ${done.length === 1 ? '1 run' : `${done.length} runs`} of this ${thing(w)} at @${w.requester}'s request:`,
      ...done.map((o) => `- ${runRef(o.run)} (was ${statusWord(o.run.status)})`),
    );
  }
  if (failed.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(
      `Could not cancel ${failed.length === 1 ? '1 run' : `${failed.length} runs`}:`,
      ...failed.map((o) => `- ${runRef(o.run)}: ${o.error ?? 'unknown error'}`),
    );
  }
  return lines.join('\n');
}
