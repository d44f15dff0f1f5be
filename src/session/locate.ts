/**
 * Finds the session to resume and adds up spend from the hidden markers in a PR's/issue's
 * comments. Markers are trusted only in comments written by the relay's own identity:
 * anyone can paste a marker into a comment of their own.
 */
import { parseMarker, type Marker } from '../report/marker';

export interface MarkerComment {
  id: number;
  body: string;
  authorLogin: string;
  /** `Bot`, `User`, … when known (REST `user.type`, GraphQL `__typename`). */
  authorType?: string;
}

const BOT_SUFFIX = '[bot]';

function baseLogin(login: string): { base: string; bot: boolean } {
  const lower = login.trim().toLowerCase();
  return lower.endsWith(BOT_SUFFIX)
    ? { base: lower.slice(0, -BOT_SUFFIX.length), bot: true }
    : { base: lower, bot: false };
}

/**
 * True when the comment was written by one of `selfLogins`. Case-insensitive; `app[bot]` and `app`
 * match (REST and GraphQL spell a GitHub App's login differently), except that an author without
 * the suffix whose type is known and is not `Bot` is a user account, never the App.
 */
export function isOwnComment(
  comment: Pick<MarkerComment, 'authorLogin' | 'authorType'>,
  selfLogins: string[],
): boolean {
  const author = baseLogin(comment.authorLogin);
  if (author.base === '') return false;
  const type = comment.authorType?.trim().toLowerCase();
  return selfLogins.some((login) => {
    const self = baseLogin(login);
    if (self.base === '' || self.base !== author.base) return false;
    if (self.bot === author.bot) return true;
    // Suffix differs: an author that lacks `[bot]` must not be a known non-bot account.
    return author.bot || type === undefined || type === '' || type === 'bot';
  });
}

/** The relay's own `done` markers, oldest first. */
function ownDoneMarkers(
  comments: MarkerComment[],
  selfLogins: string[],
): Array<{ marker: Marker; commentId: number }> {
  const out: Array<{ marker: Marker; commentId: number }> = [];
  for (const comment of comments) {
    if (!isOwnComment(comment, selfLogins)) continue;
    const marker = parseMarker(comment.body);
    if (marker?.status === 'done') out.push({ marker, commentId: comment.id });
  }
  return out;
}

/**
 * The newest resumable session: the last comment (comments are in chronological order) written by
 * the relay whose `done` marker names a session id and a store other than `none`.
 */
export function findLatestSession(
  comments: MarkerComment[],
  selfLogins: string[],
): { marker: Marker; commentId: number } | undefined {
  const own = ownDoneMarkers(comments, selfLogins);
  for (let i = own.length - 1; i >= 0; i--) {
    const found = own[i];
    if (!found) continue;
    const { session_id: sessionId, store } = found.marker;
    if (sessionId && store && store !== 'none') return found;
  }
  return undefined;
}

export interface CostSummary {
  runs: Array<{ runId: string; costUsd: number; conclusion?: string; commentId: number }>;
  totalUsd: number;
}

/**
 * Spend on this PR/issue from the relay's own `done` markers, one entry per run id (the newest
 * marker of a run wins), in order of first appearance.
 */
export function sumCosts(comments: MarkerComment[], selfLogins: string[]): CostSummary {
  const byRun = new Map<string, CostSummary['runs'][number]>();
  for (const { marker, commentId } of ownDoneMarkers(comments, selfLogins)) {
    const cost =
      typeof marker.cost_usd === 'number' && Number.isFinite(marker.cost_usd) && marker.cost_usd > 0
        ? marker.cost_usd
        : 0;
    const run: CostSummary['runs'][number] = { runId: marker.run_id, costUsd: cost, commentId };
    if (marker.conclusion !== undefined) run.conclusion = marker.conclusion;
    // Map keeps the first insertion's position; set() replaces the value with the newest marker.
    byRun.set(marker.run_id, run);
  }
  const runs = [...byRun.values()];
  const total = runs.reduce((sum, r) => sum + r.costUsd, 0);
  return { runs, totalUsd: Math.round(total * 1e6) / 1e6 };
}
