/**
 * Run listings shared by the dispatch decisions of one replica that run at once.
 *
 * Each decision lists the workflow's unfinished runs (one listing per status, see runs.ts) and
 * keeps the ones of its own PR. When many comments on different PRs of one repository arrive
 * together (a scheduled job commenting on every open PR), their decisions would fetch the same
 * listings over and over: five or six requests per comment, from the installation's hourly
 * budget of API calls.
 *
 * A decision may use a listing another one asked for, but only one that was asked for after its
 * own PR's lock was taken. Dispatches for a PR happen under that lock, and each waits
 * until GitHub lists its run before letting go. So any listing asked for after the lock was taken
 * shows every run dispatched for the PR before, as a listing of the decision's own would. Listings
 * are shared while they are on their way, never kept after they are answered.
 */
import type { ApiRun, CoreGitHub } from '../core/github';
import { listRuns, type RunLister, type RunListParams } from '../commands/runs';

interface Listing {
  /** When the listing was asked for (`now()`), which may be before its request leaves. */
  askedAt: number;
  runs: Promise<ApiRun[]>;
}

export class SharedRunListings {
  private readonly pending = new Map<string, Listing>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * A lister that shares only listings asked for from now on: take it once the PR's lock is held
   * (or once a dispatch is answered, to look for its run). `scope` names who lists: the
   * installation and repository, which decide what a listing can see.
   */
  listerFrom(gh: CoreGitHub, scope: string): RunLister {
    const since = this.now();
    return (params) => this.list(gh, `${scope}\n${queryKey(params)}`, since, params);
  }

  /** Listings on their way (tests). */
  get size(): number {
    return this.pending.size;
  }

  private list(gh: CoreGitHub, key: string, since: number, params: RunListParams): Promise<ApiRun[]> {
    const current = this.pending.get(key);
    if (current && current.askedAt >= since) return current.runs;
    const listing: Listing = { askedAt: this.now(), runs: listRuns(gh, params) };
    this.pending.set(key, listing);
    const forget = () => {
      if (this.pending.get(key) === listing) this.pending.delete(key);
    };
    listing.runs.then(forget, forget);
    return listing.runs;
  }
}

/** The query of a listing, the same for the same parameters in any order. */
function queryKey(params: RunListParams): string {
  const entries = Object.entries(params ?? {}).filter(([, v]) => v !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
