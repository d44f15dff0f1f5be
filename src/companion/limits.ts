/**
 * Request pacing for the companion's GitHub client.
 *
 * Octokit's throttling plugin spaces every write of one installation 1 s apart (3 s for writes that
 * notify people), following GitHub's advice for bursts of POSTs, and runs at most 10 requests of
 * one installation at a time. For the companion that would put the 👀 acknowledgement of a comment
 * behind the previous comments' dispatches, replies and run listings, so:
 *
 * - reactions (the acknowledgement and the cross-replica claim) are never held back by spacing;
 * - every other write (dispatches, cancels, reply comments) is spaced `spacingMs` apart per
 *   installation and replica (default 1 s);
 * - of the (still at most 10) concurrent requests per installation, the ones on the way to the
 *   acknowledgement — App lookup, config read, permission lookup, the reaction — go first.
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

// Adding or deleting a reaction (…/reactions, …/reactions/{reaction_id}): notifies nobody.
const REACTION_PATH = /\/reactions(?:\/[^/]+)?\/?$/;

interface RequestOptions {
  method?: string;
  url?: string;
}

/** Requests on the way to the 👀: they jump the queue of later work (run lists, dispatches, replies). */
export function isAckPath(options: RequestOptions | undefined): boolean {
  const method = (options?.method ?? 'GET').toUpperCase();
  let path: string;
  try {
    // Templated (`/repos/{owner}/…`) or absolute; GHES adds `/api/v3`.
    path = new URL(options?.url ?? '', 'http://github.test').pathname.replace(/^\/api\/v3(?=\/)/, '');
  } catch {
    return false;
  }
  if (method === 'POST') return /\/reactions\/?$/.test(path);
  if (method !== 'GET') return false;
  return (
    /^\/app\/?$/.test(path) ||
    /\/contents\//.test(path) ||
    /\/collaborators\/[^/]+\/permission\/?$/.test(path)
  );
}

/**
 * At most `maxConcurrent` jobs per key; waiting jobs start in order, acknowledgement-path requests
 * (see isAckPath; the plugin passes the request options as the job's first argument) before others.
 */
export function priorityGroup(maxConcurrent: number): LimiterGroup {
  interface Slot {
    running: number;
    urgent: Array<() => void>;
    normal: Array<() => void>;
  }
  const slots = new Map<string, Slot>();
  const release = (id: string, slot: Slot) => {
    const next = slot.urgent.shift() ?? slot.normal.shift();
    // Hand the slot to the next job (`running` unchanged), or give it back.
    if (next) next();
    else if (--slot.running === 0) slots.delete(id);
  };
  return {
    key(id) {
      return {
        async schedule(_options, fn, ...args) {
          let slot = slots.get(id);
          if (!slot) slots.set(id, (slot = { running: 0, urgent: [], normal: [] }));
          const s = slot;
          if (s.running >= maxConcurrent) {
            const queue = isAckPath(args[0] as RequestOptions | undefined) ? s.urgent : s.normal;
            // The releasing job hands its slot over: `running` stays counted.
            await new Promise<void>((resolve) => queue.push(resolve));
          } else {
            s.running++;
          }
          try {
            return await fn(...args);
          } finally {
            release(id, s);
          }
        },
      };
    },
  };
}

/** Runs jobs at once. */
export const passThroughGroup: LimiterGroup = spacingGroup(0);

/** Throttle options for the companion's Octokit (merged over Probot's own). */
export function companionThrottle(spacingMs: number, maxConcurrent = 10): Record<string, unknown> {
  return {
    global: priorityGroup(maxConcurrent),
    write: passThroughGroup,
    notifications: spacingGroup(spacingMs),
    // Set, so the plugin's own process-wide groups (bound to the first server's settings, e.g. a
    // Redis connection that server closed) are never used. The companion never searches.
    auth: passThroughGroup,
    search: passThroughGroup,
    // The plugin asks this for every write; "true" routes it through the `notifications` group.
    triggersNotification: (pathname: string) => !REACTION_PATH.test(pathname),
  };
}

/**
 * The key the plugin's groups are keyed by: the installation an Octokit acts for, or `app` (the
 * App's JWT). The plugin reads it from `throttle.id`, which Probot leaves unset on the Octokit it
 * builds per event (`context.octokit`): every installation would share one key ("no-id"), so one
 * installation's burst of writes would hold back every other installation's.
 */
export function throttleId(auth: unknown): string {
  const id = (auth as { installationId?: unknown } | undefined)?.installationId;
  return typeof id === 'number' || (typeof id === 'string' && id !== '') ? `installation-${id}` : 'app';
}
