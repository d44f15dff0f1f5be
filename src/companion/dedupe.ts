/**
 * Handling a comment once, with no shared database across replicas.
 *
 * The claim is the 👀 reaction itself: GitHub answers 201 to the first `eyes` reaction of the
 * App's bot user on a comment and 200 (returning the existing reaction) to every later one. All
 * replicas act as the same bot user, so exactly one of them — the one that got 201 — goes on; a
 * 200 means another replica, or an earlier delivery of the same event, already took the comment.
 *
 * In front of that, each replica keeps small in-memory LRUs of `X-GitHub-Delivery` ids and claimed
 * comments, so a redelivery to the same replica stops before any API call.
 */
import type { CommentEvent } from '../event/comments';

/** A key naming one comment across both comment APIs (ids of the two kinds are separate). */
export function commentKey(
  ev: Pick<CommentEvent, 'owner' | 'repo'> & { comment: Pick<CommentEvent['comment'], 'kind' | 'id'> },
): string {
  return `${ev.owner}/${ev.repo}:${ev.comment.kind}:${ev.comment.id}`.toLowerCase();
}

/** A bounded set with least-recently-used eviction and an optional time to live. */
export class LruSet {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly ttlMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  has(key: string): boolean {
    const at = this.entries.get(key);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string): void {
    this.entries.delete(key);
    this.entries.set(key, this.now());
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface DedupeOptions {
  /** How many delivery ids and comment keys each replica remembers. */
  size?: number;
  ttlMs?: number;
}

export class Dedupe {
  private readonly deliveries: LruSet;
  private readonly comments: LruSet;

  constructor(opts: DedupeOptions = {}) {
    const size = opts.size ?? 2000;
    const ttl = opts.ttlMs ?? 24 * 3600_000;
    this.deliveries = new LruSet(size, ttl);
    this.comments = new LruSet(size, ttl);
  }

  /** False when this delivery id was seen already (a redelivery, or a concurrent duplicate). */
  beginDelivery(id: string): boolean {
    if (id === '' || this.deliveries.has(id)) return false;
    this.deliveries.add(id);
    return true;
  }

  /** Forget a delivery that failed before its comment was claimed, so a redelivery is tried again. */
  forgetDelivery(id: string): void {
    this.deliveries.delete(id);
  }

  commentSeen(key: string): boolean {
    return this.comments.has(key);
  }

  markComment(key: string): void {
    this.comments.add(key);
  }
}

export type ClaimResult = 'claimed' | 'taken';

/**
 * Adds the 👀 reaction: `claimed` on 201 (this replica handles the comment), `taken` on 200.
 * Errors propagate: without the claim there is no safe way to go on.
 */
export async function claimWithReaction(add: () => Promise<{ status: number }>): Promise<ClaimResult> {
  const { status } = await add();
  return status === 201 ? 'claimed' : 'taken';
}
