/**
 * Write pacing for the companion's GitHub client.
 *
 * Octokit's throttling plugin spaces every write of one installation 1 s apart (3 s for writes that
 * notify people), following GitHub's advice for bursts of POSTs. For the companion that would put
 * the 👀 acknowledgement of a comment behind the previous comment's dispatch and replies, so:
 *
 * - reactions (the acknowledgement and the cross-replica claim) are never held back;
 * - every other write (dispatches, cancels, reply comments) is spaced `spacingMs` apart per
 *   installation and replica (default 1 s).
 *
 * Rate-limit answers (403/429 with `retry-after`, `x-ratelimit-remaining: 0`) are still handled by
 * the plugin itself. The groups below implement the tiny part of Bottleneck's Group interface the
 * plugin calls: `key(id).schedule(options, fn, ...args)`.
 */

type Job<T> = (...args: unknown[]) => T | Promise<T>;

interface JobOptions {
  /** The plugin schedules retries with weight 0: they are not held back again. */
  weight?: number;
}

export interface LimiterGroup {
  key(id: string): { schedule<T>(options: JobOptions, fn: Job<T>, ...args: unknown[]): Promise<T> };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts jobs of one key at least `minTimeMs` apart (jobs may overlap once started). */
export function spacingGroup(minTimeMs: number, now: () => number = Date.now): LimiterGroup {
  const nextStart = new Map<string, number>();
  return {
    key(id) {
      return {
        async schedule(options, fn, ...args) {
          if (minTimeMs > 0 && options.weight !== 0) {
            const t = now();
            const start = Math.max(t, nextStart.get(id) ?? 0);
            nextStart.set(id, start + minTimeMs);
            if (start > t) await sleep(start - t);
            // Forget keys that went quiet so the map stays as small as the set of busy installations.
            for (const [key, at] of nextStart) if (at < t) nextStart.delete(key);
          }
          return fn(...args);
        },
      };
    },
  };
}

/** Runs jobs at once. */
export const passThroughGroup: LimiterGroup = spacingGroup(0);

const REACTION_PATH = /\/reactions\/?$/;

/** Throttle options for the companion's Octokit (merged over Probot's own). */
export function companionThrottle(spacingMs: number): Record<string, unknown> {
  return {
    write: passThroughGroup,
    notifications: spacingGroup(spacingMs),
    // The plugin asks this for every write; "true" routes it through the `notifications` group.
    triggersNotification: (pathname: string) => !REACTION_PATH.test(pathname),
  };
}
