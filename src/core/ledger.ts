/**
 * The cost ledger: the relay's record of every run on a PR/issue, kept as one hidden line at the
 * end of each result comment, `<!-- claude-relay:session {json} -->`. Follow-ups find the session
 * to resume here, and `pr_budget_usd` and `/claude cost` (action and companion) add up spend here
 * and nowhere else.
 *
 * A record counts only when
 *  - the comment was written by the relay's own identity (anyone can paste a marker into their
 *    own comment), and
 *  - it is the comment's last line, exactly as `renderMarker` writes it. The relay posts the
 *    model's text (answers, progress, inline comments, replies) with `stripMarkers` applied and
 *    always ends its own comments with its own marker, so a marker the model wrote can neither
 *    sit in that place nor anywhere else in a relay comment.
 *
 * Records are not signed: see the README's security model for why an HMAC would not add
 * anything here.
 */
import { z } from 'zod';
import { isOwnComment, type MarkerComment } from './identity';

const usd = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

export const markerSchema = z.object({
  v: z.literal(1),
  status: z.enum(['running', 'done']),
  run_id: z.string(),
  session_id: z.string().optional(),
  cost_usd: usd.optional(),
  conclusion: z.string().optional(),
  num_turns: count.optional(),
  /** Where the session transcript lives: `fs:<key>`, `artifact:<name>`, or `none`. */
  store: z.string().optional(),
  /**
   * Running totals of the session at the end of this run. A resumed session reports cumulative
   * cost and tokens, so the next run subtracts these to get its own.
   */
  session_cost_usd: usd.optional(),
  session_input_tokens: count.optional(),
  session_output_tokens: count.optional(),
  /** The comment that triggered this run, so a repeated trigger is recognised. */
  trigger_comment_id: z.number().optional(),
  /** The PR head this run reviewed: the next `synchronize` reviews only what came after it. */
  head_sha: z.string().optional(),
  /** `sticky`: the one relay comment of this PR/issue, rewritten by every run. */
  mode: z.literal('sticky').optional(),
  /**
   * Earlier runs folded into a sticky comment. Their own records are gone from the comment, so
   * their costs live on here; a run id counts once however often it appears.
   */
  history: z
    .array(z.object({ run_id: z.string(), cost_usd: usd.optional(), conclusion: z.string().optional() }))
    .max(500)
    .optional(),
});

export type Marker = z.infer<typeof markerSchema>;

const PREFIX = '<!-- claude-relay:session ';
const SUFFIX = ' -->';
/** The one accepted form, on a line of its own. */
const MARKER_LINE = /^<!-- claude-relay:session (\{[^\n]*\}) -->$/;

export function renderMarker(m: Marker): string {
  // JSON cannot contain `-->` here: every field is a number or a plain identifier; escape anyway.
  return `${PREFIX}${JSON.stringify(m).replace(/--/g, '-\\u002d')}${SUFFIX}`;
}

/**
 * The record of a relay comment: its last line (trailing blank lines ignored) when that line is a
 * well-formed marker; undefined otherwise. Markers anywhere else in the body are not records.
 */
export function parseMarker(body: string): Marker | undefined {
  const lines = body.replace(/\s+$/, '').split('\n');
  const last = lines[lines.length - 1]?.replace(/\r$/, '') ?? '';
  const match = MARKER_LINE.exec(last);
  if (!match?.[1]) return undefined;
  try {
    const parsed = markerSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** An HTML comment, or an unterminated one running to the end of the text. */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;

/** True when an HTML comment's text names the relay, however spaced, cased or punctuated. */
function namesRelay(comment: string): boolean {
  return comment
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .includes('clauderelay');
}

/**
 * Removes everything that looks like a relay marker (`<!-- claude-relay:… -->` in any case, with
 * any spacing or punctuation, unterminated, or nested in another HTML comment) from text the
 * relay posts on the model's behalf. Repeats until stable, so removing one cannot assemble
 * another.
 */
export function stripMarkers(text: string): string {
  let t = text;
  for (let i = 0; i < 10; i++) {
    const next = t.replace(HTML_COMMENT, (c) => (namesRelay(c) ? '' : c));
    if (next === t) return t;
    t = next;
  }
  // Still changing after many rounds: drop every HTML comment rather than guess.
  return t.replace(HTML_COMMENT, '');
}

/** True when the text contains anything marker-like (the gate refuses such comments as triggers). */
export function containsMarker(text: string): boolean {
  return stripMarkers(text) !== text;
}

export interface LedgerEntry {
  marker: Marker;
  commentId: number;
}

/** The relay's own records of any status, oldest first. */
function ownMarkers(comments: MarkerComment[], selfLogins: string[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const comment of comments) {
    if (!isOwnComment(comment, selfLogins)) continue;
    const marker = parseMarker(comment.body);
    if (marker) out.push({ marker, commentId: comment.id });
  }
  return out;
}

/** The relay's own `done` records, oldest first. */
export function ownRecords(comments: MarkerComment[], selfLogins: string[]): LedgerEntry[] {
  return ownMarkers(comments, selfLogins).filter((e) => e.marker.status === 'done');
}

/**
 * The newest resumable session: the last comment (comments are in chronological order) written by
 * the relay whose record names a session id and a store other than `none`.
 */
export function findLatestSession(comments: MarkerComment[], selfLogins: string[]): LedgerEntry | undefined {
  const own = ownRecords(comments, selfLogins);
  for (let i = own.length - 1; i >= 0; i--) {
    const found = own[i];
    if (!found) continue;
    const { session_id: sessionId, store } = found.marker;
    if (sessionId && store && store !== 'none') return found;
  }
  return undefined;
}

/** The PR head the relay reviewed last (newest own record that names one). */
export function findLastReviewedHead(comments: MarkerComment[], selfLogins: string[]): string | undefined {
  const own = ownRecords(comments, selfLogins);
  for (let i = own.length - 1; i >= 0; i--) {
    const head = own[i]?.marker.head_sha;
    if (head && /^[0-9a-f]{40,64}$/i.test(head)) return head;
  }
  return undefined;
}

export interface CostSummary {
  runs: Array<{ runId: string; costUsd: number; conclusion?: string; commentId: number }>;
  totalUsd: number;
}

/**
 * Spend on this PR/issue from the relay's own records, one entry per run id (the newest record of
 * a run wins), in order of first appearance. A sticky comment's record also carries the runs it
 * folded (`history`, newest first), even while its current run is still going.
 */
export function sumCosts(comments: MarkerComment[], selfLogins: string[]): CostSummary {
  const byRun = new Map<string, CostSummary['runs'][number]>();
  const add = (
    runId: string,
    costUsd: number | undefined,
    conclusion: string | undefined,
    commentId: number,
  ) => {
    const run: CostSummary['runs'][number] = { runId, costUsd: costUsd ?? 0, commentId };
    if (conclusion !== undefined) run.conclusion = conclusion;
    // Map keeps the first insertion's position; set() replaces the value with the newest record.
    byRun.set(runId, run);
  };
  for (const { marker, commentId } of ownMarkers(comments, selfLogins)) {
    for (const h of [...(marker.history ?? [])].reverse()) {
      if (!byRun.has(h.run_id)) add(h.run_id, h.cost_usd, h.conclusion, commentId);
    }
    if (marker.status === 'done') add(marker.run_id, marker.cost_usd, marker.conclusion, commentId);
  }
  const runs = [...byRun.values()];
  const total = runs.reduce((sum, r) => sum + r.costUsd, 0);
  return { runs, totalUsd: Math.round(total * 1e6) / 1e6 };
}

export type { MarkerComment };
