/**
 * The text of the relay's comment: human first — the answer or what went wrong — then
 * one footer line with cost, turns, duration, tokens, model and the run link, then the marker as
 * the last line. Everything the model wrote (answer, progress, notes quoting tool results) is
 * stripped of marker look-alikes first: the ledger must only ever see the relay's own record.
 */
import type { AgentOutcome, Conclusion } from '../agent/outcome';
import { renderMarker, stripMarkers, type Marker } from '../core/ledger';
import { closeOpenBlocks } from './close-blocks';

export interface RunInfo {
  runId: string;
  runUrl: string;
  triggerCommentId?: number;
}

const HEADLINES: Partial<Record<Conclusion, string>> = {
  failure: '❌ **The agent run failed.**',
  cancelled: '🛑 **Cancelled.**',
  max_turns: '⚠️ **Stopped at the turn limit.**',
  budget_exceeded: '⚠️ **Stopped at the cost limit.**',
  timeout: '⏱️ **Stopped at the time limit.**',
};

export function renderProgress(run: RunInfo, progress: string | undefined, requester?: string): string {
  const who = requester ? ` for @${requester}` : '';
  const lines = [`⏳ **Claude is working on this${who}…** ([run](${run.runUrl}))`];
  const shown = closeOpenBlocks(stripMarkers(progress ?? '').trim());
  if (shown) lines.push('', shown);
  lines.push(
    '',
    renderMarker({ v: 1, status: 'running', run_id: run.runId, trigger_comment_id: run.triggerCommentId }),
  );
  return lines.join('\n');
}

export function formatUsd(n: number): string {
  if (n === 0) return '$0.00';
  return n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** 14100 → "14,100": one number format for the comment, the log and the summary. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.round(s - m * 60)}s`;
}

export function footerLine(o: AgentOutcome, run: RunInfo, extra: string[] = []): string {
  const parts = [
    `${o.costEstimated ? '≈' : ''}${formatUsd(o.costUsd)}`,
    `${o.numTurns} turn${o.numTurns === 1 ? '' : 's'}`,
    formatDuration(o.durationMs),
    `${formatCount(o.inputTokens)} in / ${formatCount(o.outputTokens)} out tokens`,
    ...(o.model ? [o.model] : []),
    ...extra,
    `[run](${run.runUrl})`,
  ];
  return `<sub>${parts.join(' · ')}</sub>`;
}

export interface FinalCommentOptions {
  outcome: AgentOutcome;
  run: RunInfo;
  store: string;
  /** Extra footer parts, e.g. "PR total $0.42". */
  footerExtras?: string[];
  /** Notes shown above the footer (e.g. "Started a fresh session: the earlier one expired"). */
  notes?: string[];
  /** The session's running totals at the end of this run (for the next run's own share). */
  sessionTotals?: { cost: number; input: number; output: number };
  /** The PR head a successful review covered: the next push review starts from it. */
  reviewedHead?: string;
}

export function renderFinal(opts: FinalCommentOptions): string {
  const { outcome: o, run } = opts;
  const result = closeOpenBlocks(stripMarkers(o.result));
  const lines: string[] = [];
  const headline = HEADLINES[o.conclusion];
  if (headline) {
    lines.push(
      headline,
      '',
      result,
      '',
      `Cost so far: ${o.costEstimated ? '≈' : ''}${formatUsd(o.costUsd)}.`,
    );
  } else {
    lines.push(result.trim() || '_(The agent finished without a text answer.)_');
  }
  for (const n of opts.notes ?? []) lines.push('', `> ${stripMarkers(n)}`);
  lines.push('', '---', footerLine(o, run, opts.footerExtras));
  const marker: Marker = {
    v: 1,
    status: 'done',
    run_id: run.runId,
    session_id: o.sessionId,
    cost_usd: Number(o.costUsd.toFixed(6)),
    conclusion: o.conclusion,
    num_turns: o.numTurns,
    store: opts.store,
    trigger_comment_id: run.triggerCommentId,
    ...(opts.reviewedHead && o.conclusion === 'success' ? { head_sha: opts.reviewedHead } : {}),
    ...(opts.sessionTotals
      ? {
          session_cost_usd: Number(opts.sessionTotals.cost.toFixed(6)),
          session_input_tokens: opts.sessionTotals.input,
          session_output_tokens: opts.sessionTotals.output,
        }
      : {}),
  };
  lines.push(renderMarker(marker));
  return lines.join('\n');
}
