/**
 * The companion with REDIS_URL: every replica shares one Redis for
 *
 * - write pacing: the spacing of non-reaction writes per installation is a Bottleneck group
 *   clustered on Redis — what Probot's own `redisConfig` does (Bottleneck.IORedisConnection handed
 *   to Octokit's throttling plugin), built here on the bundled ioredis because Probot would fetch
 *   its own copy with npx at run time;
 * - acknowledged work: a BullMQ queue. The webhook verifies, queues (one job per comment, so
 *   redeliveries and duplicates collapse) and answers; workers on every replica take jobs. A job
 *   whose replica dies is handed to another once its lock lapses (at-least-once);
 * - the per-PR dispatch lock: a key with an expiry that its holder keeps renewing, so a dead
 *   holder frees it within seconds;
 * - per-comment progress (claimed, dispatching, done), so a job retried on another replica resumes
 *   a comment its first attempt claimed with 👀 and never dispatches it twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProbotOctokit } from 'probot';
import type { LimiterGroup } from './limits';
import type { PrRef, SharedLock } from './pr-lock';
import { AnsweringGate, type Delivery, type WorkQueue } from './work-queue';
import { withoutApiLinks } from './payload';

const PREFIX = 'claude-relay';

/** A connected client, or a clear error naming what failed (the password is never shown). */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  let shown = url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    shown = u.toString();
  } catch {
    throw new Error('claude-relay companion: REDIS_URL must be a redis:// or rediss:// URL');
  }
  // BullMQ's workers need requests that wait for a reconnect instead of failing. Not lazyConnect:
  // Bottleneck's duplicate of this client would never connect.
  const client = new Redis(url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    throw new Error(
      `claude-relay companion: could not connect to REDIS_URL ${shown}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/**
 * Logs a thread's Redis errors: each distinct message once a minute, with how often it recurred
 * meanwhile. While Redis is unreachable, every client (queue, worker, limiter, their blocking and
 * subscriber connections) fails each reconnect attempt: logged one by one, that was 60 error
 * lines with a stack in the first 3 s of an outage, all saying one thing.
 */
export function redisErrorLog(
  log: { error(fields: object, message: string): void },
  everyMs = 60_000,
  now: () => number = Date.now,
): (err: unknown) => void {
  const logged = new Map<string, { at: number; repeated: number }>();
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    const at = now();
    // Forget messages that went quiet, unless they recurred since they were logged.
    for (const [m, e] of logged) if (at - e.at >= everyMs && e.repeated === 0) logged.delete(m);
    const last = logged.get(message);
    if (last && at - last.at < everyMs) {
      last.repeated++;
      return;
    }
    logged.set(message, { at, repeated: 0 });
    const again = last ? { repeated: last.repeated } : { err };
    log.error(
      again,
      `claude-relay companion: Redis: ${message}${last ? ` (${last.repeated} more times since it was last logged)` : ''}`,
    );
  };
}

/**
 * Throttle options for Octokit on a shared Redis: the plugin's own groups cluster through
 * `connection`, and the spacing of writes that notify (everything but reactions, see limits.ts)
 * is one Bottleneck group per installation across replicas.
 */
export function clusteredThrottle(
  client: Redis,
  spacingMs: number,
  onError: (err: unknown) => void,
): { options: Record<string, unknown>; close(): Promise<void> } {
  // `Redis` given: Bottleneck would otherwise eval("require") it, which a bundle does not have.
  const connection = new Bottleneck.IORedisConnection({ client, Redis });
  connection.on('error', onError);
  const notifications = new Bottleneck.Group({
    id: `${PREFIX}-writes`,
    maxConcurrent: null,
    minTime: spacingMs,
    connection,
    // Redis keys of an installation that went quiet expire.
    timeout: 10 * 60_000,
  });
  // The plugin gives clustered jobs a 60 s expiration; a burst's dispatches may wait longer for
  // their turn (that is the pacing working), so only priority and weight are passed on.
  const writes: LimiterGroup = {
    key(id) {
      return {
        async schedule(options, fn, ...args) {
          const opts = options.weight !== undefined ? { weight: options.weight } : {};
          let started = false;
          const run = () => {
            started = true;
            return Promise.resolve(fn(...args));
          };
          const limiter = notifications.key(id);
          const store = (limiter as unknown as { _store: BottleneckStore })._store;
          // The limiter's keys may be gone from Redis (a restart without persistence, FLUSHALL,
          // eviction). Bottleneck re-creates its settings (`init`, which leaves keys another
          // replica re-created alone) and its client (`register_client`) only on the exact
          // messages SETTINGS_KEY_NOT_FOUND / UNKNOWN_CLIENT, which Redis prefixes with "ERR ":
          // run that recovery here, while the write has not started.
          for (let attempt = 0; ; attempt++) {
            try {
              return await limiter.schedule(opts, run);
            } catch (err) {
              const message = err instanceof Error ? err.message : '';
              if (started || attempt >= 3) throw err;
              if (/SETTINGS_KEY_NOT_FOUND/.test(message))
                await store.runScript('init', store.prepareInitSettings(false));
              else if (/UNKNOWN_CLIENT/.test(message))
                await store.runScript('register_client', [limiter.queued()]);
              else throw err;
            }
          }
        },
      };
    },
  };
  return {
    // The plugin keeps its own groups per process, bound to the first connection it saw; the
    // companion sets every group it uses per server, so a closed server's connection is never used.
    options: {
      Bottleneck,
      connection,
      notifications: writes,
    },
    close: () => connection.disconnect(false).catch(() => {}),
  };
}

/** The part of Bottleneck's Redis datastore its own SETTINGS_KEY_NOT_FOUND recovery uses. */
interface BottleneckStore {
  runScript(name: string, args: unknown[]): Promise<unknown>;
  prepareInitSettings(clear: boolean): unknown[];
}

/** A BullMQ job id for a queue key: readable where safe, hashed where not (no `:` allowed). */
export function jobId(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._/-]+/g, '-').slice(0, 80);
  return `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export interface RedisQueueOptions {
  concurrency: number;
  /** A job not renewed for this long (its replica died) goes to another replica. */
  lockMs: number;
  /** Keep finished jobs this long, so a late redelivery of the same comment is ignored. */
  keepMs?: number;
  attempts?: number;
}

/**
 * The durable, shared queue of acknowledged work. Without `work`, only a producer (the webhook's
 * thread when the work runs in a thread of its own): jobs are added, another worker takes them.
 */
export class RedisQueue implements WorkQueue {
  private readonly queue: Queue;
  private readonly worker: Worker | undefined;
  private readonly running = new Map<string, Delivery>();
  private idlers: (() => void)[] = [];
  private readonly gate = new AnsweringGate();
  /** Adds not yet written (see add). */
  private adding: {
    job: Parameters<Queue['addBulk']>[0][number];
    resolve: () => void;
    reject: (err: unknown) => void;
  }[] = [];

  constructor(
    client: Redis,
    work: ((delivery: Delivery) => Promise<void>) | undefined,
    private readonly opts: RedisQueueOptions,
    onError: (err: unknown) => void,
  ) {
    const name = `${PREFIX}-deliveries`;
    this.queue = new Queue(name, { connection: client, prefix: PREFIX });
    this.queue.on('error', onError);
    if (!work) return;
    this.worker = new Worker(
      name,
      async (job) => {
        const delivery = job.data as Delivery;
        this.running.set(String(job.id), delivery);
        try {
          // Taken, and locked as this replica's, but started only once the answers are done.
          await this.gate.pass();
          await work(delivery);
        } finally {
          this.running.delete(String(job.id));
          if (this.running.size === 0) for (const resolve of this.idlers.splice(0)) resolve();
        }
      },
      {
        connection: client,
        prefix: PREFIX,
        concurrency: opts.concurrency,
        lockDuration: opts.lockMs,
        stalledInterval: opts.lockMs,
        maxStalledCount: 5,
      },
    );
    this.worker.on('error', onError);
  }

  /**
   * Adds arriving in the same turn of the event loop (a burst: the thread's messages are taken in
   * batches) are written together, in one pipeline: one socket write and one round trip instead of
   * one each. Each add still resolves only once its own job is in Redis.
   */
  add(delivery: Delivery, key: string): Promise<void> {
    const keepSeconds = Math.round((this.opts.keepMs ?? 24 * 3600_000) / 1000);
    const data: Delivery = {
      id: delivery.id,
      name: delivery.name,
      payload: withoutApiLinks(delivery.payload),
    };
    const opts = {
      jobId: jobId(key),
      attempts: this.opts.attempts ?? 6,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds * 7 },
    };
    return new Promise((resolve, reject) => {
      if (this.adding.push({ job: { name: 'delivery', data, opts }, resolve, reject }) === 1)
        setImmediate(() => this.writeAdded());
    });
  }

  private writeAdded(): void {
    const batch = this.adding.splice(0);
    this.queue.addBulk(batch.map((b) => b.job)).then(
      () => {
        for (const b of batch) b.resolve();
      },
      (err: unknown) => {
        // All or nothing as far as the answers go: a job that was written after all is found by
        // its id when GitHub redelivers (or the sender retries), and is not added twice.
        for (const b of batch) b.reject(err);
      },
    );
  }

  get pending(): number {
    return this.running.size;
  }

  setAnswering(answering: boolean): void {
    this.gate.set(answering);
    // BullMQ reads it before each fetch: fewer jobs taken, none interrupted.
    if (this.worker) this.worker.concurrency = answering ? 1 : this.opts.concurrency;
  }

  idle(): Promise<void> {
    return this.running.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idlers.push(resolve));
  }

  async drain(ms: number): Promise<Delivery[]> {
    if (!this.worker) {
      // Only a producer: nothing to finish, its close only needs Redis.
      await settlesWithin(this.queue.close(), CLOSE_WAIT_MS);
      return [];
    }
    const worker = this.worker;
    // Take no new jobs; jobs not started stay in Redis for the other replicas.
    const finished = await settlesWithin(worker.close(), ms);
    const left = [...this.running.values()];
    // Unfinished jobs keep their lock until it lapses, then another replica takes them. With Redis
    // unreachable, BullMQ's closing waits for a reconnect: it is given a second, not forever.
    if (!finished) await settlesWithin(worker.close(true), CLOSE_WAIT_MS);
    await settlesWithin(this.queue.close(), CLOSE_WAIT_MS);
    return left;
  }
}

/** How long closing waits for an answer from Redis before it drops the connection. */
const CLOSE_WAIT_MS = 1000;

/** True when `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a client: QUIT when Redis answers, else the socket is dropped. The companion's clients
 * wait for a reconnect instead of failing a request (BullMQ needs that), so a QUIT sent while
 * Redis is down would wait for as long as it stays down, and the process would never stop.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready' && (await settlesWithin(client.quit(), CLOSE_WAIT_MS))) return;
  client.disconnect();
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** The per-PR lock on Redis: SET NX PX, renewed while held, released only by its holder. */
export function redisLock(
  client: Redis,
  opts: { ttlMs?: number; pollMs?: number; maxWaitMs?: number } = {},
): SharedLock {
  const ttlMs = opts.ttlMs ?? 15_000;
  const pollMs = opts.pollMs ?? 200;
  const maxWaitMs = opts.maxWaitMs ?? 600_000;
  return {
    async acquire(_octokit: ProbotOctokit, pr: PrRef) {
      const key = `${PREFIX}:pr-lock:${pr.owner}/${pr.repo}#${pr.number}`.toLowerCase();
      const token = randomUUID();
      const started = Date.now();
      while ((await client.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
        if (Date.now() - started > maxWaitMs) {
          throw new Error(
            `another request on #${pr.number} has held its lock for over ${Math.round(maxWaitMs / 1000)} s`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs * (0.5 + Math.random())));
      }
      const renew = setInterval(
        () => {
          client.eval(RENEW, 1, key, token, String(ttlMs)).catch(() => {});
        },
        Math.max(100, Math.floor(ttlMs / 3)),
      );
      return async () => {
        clearInterval(renew);
        await client.eval(RELEASE, 1, key, token);
      };
    },
  };
}

/** What earlier attempts recorded for one comment. */
export interface Prior {
  /** An earlier attempt wrote this before adding its 👀: a 200 on the 👀 is then our own. */
  claimed: boolean;
  /** When an earlier attempt started its dispatch (epoch ms): it may or may not have reached GitHub. */
  dispatchingAt?: number;
  /** The outcome, once handled. */
  done?: string;
}

/** Progress of each comment across attempts (and replicas). */
export interface ProgressStore {
  /** Records this attempt's claim and returns what earlier attempts recorded. */
  begin(key: string): Promise<Prior>;
  dispatching(key: string): Promise<void>;
  finish(key: string, outcome: string): Promise<void>;
}

export function redisProgress(client: Redis, keepMs = 7 * 24 * 3600_000): ProgressStore {
  const k = (key: string) => `${PREFIX}:comment:${key}`;
  return {
    async begin(key) {
      const results = await client
        .multi()
        .hgetall(k(key))
        .hsetnx(k(key), 'claimed', String(Date.now()))
        .pexpire(k(key), keepMs)
        .exec();
      const prior = (results?.[0]?.[1] ?? {}) as Record<string, string>;
      return {
        claimed: prior.claimed !== undefined,
        ...(prior.dispatching ? { dispatchingAt: Number(prior.dispatching) } : {}),
        ...(prior.done ? { done: prior.done } : {}),
      };
    },
    async dispatching(key) {
      await client.hset(k(key), 'dispatching', String(Date.now()));
    },
    async finish(key, outcome) {
      await client.hset(k(key), 'done', outcome);
    },
  };
}
