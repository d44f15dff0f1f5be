/**
 * One dispatch decision per PR/issue at a time, across replicas.
 *
 * The one-waiting-run rule (see dispatch.ts) is check-then-act: list the PR's unfinished runs, then
 * dispatch. Two requests deciding at once would both see one run and both dispatch, and GitHub's
 * concurrency group would silently cancel one of them. So the decision and the dispatch run under
 * a lock per PR/issue, held until the new run shows in the run list:
 *
 * - in this replica, requests for one PR wait for each other in order (no API calls while waiting);
 * - across replicas, the lock is the App's 🚀 reaction on the PR/issue itself. GitHub answers 201
 *   to the first and 200 (with the existing reaction) afterwards, so exactly one replica holds it;
 *   the holder deletes it when done. Others retry every `pollMs`; a lock older than `staleMs` (by
 *   GitHub's clock, the `date` header against the reaction's `created_at`) was left by a replica
 *   that died and is deleted by id, so two waiters cannot both remove a fresh one;
 * - with REDIS_URL, a Redis key with a renewed expiry replaces the reaction (redis.ts).
 */
import type { ProbotOctokit } from 'probot';

export interface PrRef {
  owner: string;
  repo: string;
  number: number;
}

/** A lock across replicas: `acquire` resolves once held, with its release. */
export interface SharedLock {
  acquire(octokit: ProbotOctokit, pr: PrRef): Promise<() => Promise<void>>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ReactionLockOptions {
  /** A lock older than this was abandoned (its replica died). Default 10 min. */
  staleMs?: number;
  /** Between attempts while another replica holds it. Default 500 ms (± half, so waiters spread). */
  pollMs?: number;
  /** Give up (the request fails with a reply) after this long. Default 10 min. */
  maxWaitMs?: number;
}

export class LockTimeoutError extends Error {}

export function reactionLock(opts: ReactionLockOptions = {}): SharedLock {
  const staleMs = opts.staleMs ?? 600_000;
  const pollMs = opts.pollMs ?? 500;
  const maxWaitMs = opts.maxWaitMs ?? 600_000;
  return {
    async acquire(octokit, pr) {
      const where = { owner: pr.owner, repo: pr.repo, issue_number: pr.number };
      const give = async (reactionId: number) => {
        try {
          await octokit.rest.reactions.deleteForIssue({ ...where, reaction_id: reactionId });
        } catch (err) {
          if ((err as { status?: number }).status !== 404) throw err;
        }
      };
      const started = Date.now();
      for (;;) {
        const res = await octokit.rest.reactions.createForIssue({ ...where, content: 'rocket' });
        if (res.status === 201) return () => give(res.data.id);
        const now = Date.parse(String(res.headers.date ?? ''));
        const at = Date.parse(res.data.created_at);
        if (Number.isFinite(now) && Number.isFinite(at) && now - at > staleMs) {
          await give(res.data.id);
          continue;
        }
        if (Date.now() - started > maxWaitMs) {
          throw new LockTimeoutError(
            `another request on #${pr.number} has held it for over ${Math.round(maxWaitMs / 1000)} s`,
          );
        }
        await sleep(pollMs * (0.5 + Math.random()));
      }
    },
  };
}

/** Per-PR serialisation in this replica, in front of a lock shared across replicas. */
export class PrLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly shared: SharedLock,
    /** A failed release leaves the lock to go stale; the caller's work is done, so only log it. */
    private readonly onReleaseError: (err: unknown) => void = () => {},
  ) {}

  async run<T>(octokit: ProbotOctokit, pr: PrRef, fn: () => Promise<T>): Promise<T> {
    const key = `${pr.owner}/${pr.repo}#${pr.number}`.toLowerCase();
    const before = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      const release = await this.shared.acquire(octokit, pr);
      try {
        return await fn();
      } finally {
        await release().catch(this.onReleaseError);
      }
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
