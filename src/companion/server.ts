/**
 * The companion's HTTP server: the webhook (signed deliveries are verified while they stream in,
 * within size and time limits — see body.ts — queued, and answered 202 before any work), a
 * `GET /healthz` for load balancers, 404 for anything else. Handlers take deliveries from the
 * queue (work-queue.ts). No state beyond small in-memory LRUs, so any number of replicas can sit
 * behind a load balancer.
 *
 * Environment (see `.env.example`): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT,
 * HOST, WEBHOOK_PATH, GHE_HOST + GHE_PROTOCOL (GitHub Enterprise Server or a test fake: the API is
 * `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`), LOG_LEVEL, LOG_FORMAT, WRITE_SPACING_MS,
 * WORKER_CONCURRENCY, WORK_THREAD_NICE, DRAIN_TIMEOUT_MS, REDIS_URL, QUEUE_LOCK_MS.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProbot, ProbotOctokit, type Probot } from 'probot';
import { z } from 'zod';
import { describeGitHubError } from '../github/client';
import { fastJsonBodies } from '../github/json-body';
import { appLoginResolver, createCompanionApp, EVENTS, type CompanionOptions } from './app';
import { BodyBudget, MAX_BODY_BYTES, MAX_BUFFERED_BYTES, readSignedBody } from './body';
import { companionThrottle, throttleId } from './limits';
import { companionLog } from './log';
import { MemoryQueue, type Delivery, type WorkQueue } from './work-queue';
import { Dedupe } from './dedupe';
import { intakeInto, type Intake } from './intake';
import type { Redis } from 'ioredis';
import {
  closeRedis,
  clusteredThrottle,
  connectRedis,
  RedisQueue,
  redisErrorLog,
  redisLock,
  redisProgress,
} from './redis';
import { serveWorkThread, ThreadQueue, type CompanionWork, type ThreadInit } from './work-thread';

export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const companionEnvSchema = z
  .object({
    APP_ID: z.string().trim().regex(/^\d+$/, 'must be the numeric App ID from the App settings page'),
    PRIVATE_KEY: z.string().optional(),
    PRIVATE_KEY_PATH: z.string().optional(),
    WEBHOOK_SECRET: z.string().min(1, 'must be set to the App webhook secret (refusing unsigned webhooks)'),
    WEBHOOK_PATH: z.string().startsWith('/').default(DEFAULT_WEBHOOK_PATH),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    GHE_HOST: z
      .string()
      .trim()
      .regex(/^[^/\s:]+(?::\d+)?$/, 'must be a host name (and port), without a scheme or path')
      .optional()
      .or(z.literal('')),
    GHE_PROTOCOL: z.enum(['http', 'https']).default('https'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    /** Spacing of non-reaction writes per installation (see limits.ts); GitHub asks for ≥ 1 s. */
    WRITE_SPACING_MS: z.coerce.number().int().min(0).max(60000).default(1000),
    /** Deliveries handled at once by this replica (the rest wait in the queue). */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    /** On SIGTERM: how long acknowledged work may take to finish before the process exits. */
    DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(25_000),
    /** Shared queue, write pacing and PR locks for any number of replicas (redis.ts). */
    REDIS_URL: z
      .string()
      .trim()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional()
      .or(z.literal('')),
    /**
     * The work thread's nice value (Linux): when answering and working compete for the CPU, the
     * answers win. 0 runs the work at the same priority.
     */
    WORK_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** With Redis: a job whose replica stopped renewing it for this long goes to another replica. */
    QUEUE_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  })
  .refine((e) => Boolean(e.PRIVATE_KEY?.trim() || e.PRIVATE_KEY_PATH?.trim()), {
    message: 'set PRIVATE_KEY (the PEM, or its base64) or PRIVATE_KEY_PATH (a .pem file)',
    path: ['PRIVATE_KEY'],
  });

export type CompanionEnv = z.output<typeof companionEnvSchema>;

/** The validated environment, or an Error listing every problem. */
export function readCompanionEnv(env: NodeJS.ProcessEnv): CompanionEnv {
  const parsed = companionEnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
  throw new Error(`claude-relay companion: invalid environment:\n  ${problems.join('\n  ')}`);
}

/** Loads `./.env` into process.env when it exists; variables already set win. */
export function loadDotEnv(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

export function apiBaseUrl(env: Pick<CompanionEnv, 'GHE_HOST' | 'GHE_PROTOCOL'>): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3` : 'https://api.github.com';
}

export interface ServerOptions {
  env: NodeJS.ProcessEnv;
  /** Overrides PORT (0: any free port). */
  port?: number;
  host?: string;
  companion?: CompanionOptions;
  /** Overrides WRITE_SPACING_MS: spacing of non-reaction writes per installation (default 1000 ms). */
  writeSpacingMs?: number;
  limits?: Partial<Limits>;
  /**
   * Run the work (Probot's handlers, the queue's consumer) in its own thread, so answers to
   * webhooks never wait behind it (work-thread.ts). The entry (run.ts) turns it on; `companion`
   * options other than what the environment says are not passed to the thread.
   */
  workThread?: boolean;
}

export interface Limits {
  /** Larger bodies are refused with 413 (GitHub sends at most 25 MB). */
  maxBodyBytes: number;
  /** Bodies held by all requests together; beyond, new ones get 503. */
  maxBufferedBytes: number;
  headersTimeoutMs: number;
  /** The whole request, body included. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: MAX_BODY_BYTES,
  maxBufferedBytes: MAX_BUFFERED_BYTES,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

export interface CompanionServer {
  /** `http://host:port` */
  url: string;
  webhookUrl: string;
  port: number;
  probot: Probot;
  /**
   * Stops accepting, finishes acknowledged work (up to `graceMs`, default DRAIN_TIMEOUT_MS), logs
   * what was left, then closes.
   */
  close(graceMs?: number): Promise<void>;
  /** Resolves once every delivery accepted so far has been handled (deliveries are acked first). */
  settled(): Promise<void>;
}

/** createProbot, with a clear message when the private key cannot be read. */
function newProbot(args: Parameters<typeof createProbot>[0]): Probot {
  try {
    return createProbot(args);
  } catch (err) {
    if (err instanceof Error && /privateKey/.test(err.message)) {
      throw new Error(
        'claude-relay companion: the App private key could not be read: PRIVATE_KEY must hold the PEM ' +
          '(-----BEGIN RSA PRIVATE KEY----- …, newlines may be written as \\n) or its base64, or ' +
          'PRIVATE_KEY_PATH must name an existing .pem file',
        { cause: err },
      );
    }
    throw err;
  }
}

/** The companion's Probot: its Octokit paced per installation (shared through Redis when given). */
async function companionProbot(
  rawEnv: NodeJS.ProcessEnv,
  env: CompanionEnv,
  spacingMs: number,
  redis: Redis | undefined,
): Promise<{ probot: Probot; redisError(err: unknown): void; close(): Promise<void> }> {
  const log = await companionLog({ ...rawEnv, ...env });
  let redisError: (err: unknown) => void = () => {};
  const clustered = redis ? clusteredThrottle(redis, spacingMs, (err) => redisError(err)) : undefined;
  // One set of limiter groups per server: Probot builds a new Octokit for every event.
  const throttle = { ...companionThrottle(spacingMs), ...clustered?.options };
  const Octokit = ProbotOctokit.plugin(fastJsonBodies).defaults((instance: Record<string, unknown>) => ({
    ...instance,
    throttle: { ...(instance.throttle as object | undefined), ...throttle, id: throttleId(instance.auth) },
  }));
  const probot = newProbot({
    env: {
      ...rawEnv,
      APP_ID: env.APP_ID,
      WEBHOOK_SECRET: env.WEBHOOK_SECRET,
      WEBHOOK_PATH: env.WEBHOOK_PATH,
      GHE_HOST: env.GHE_HOST ?? '',
      GHE_PROTOCOL: env.GHE_PROTOCOL,
      LOG_LEVEL: env.LOG_LEVEL,
      // Redis is wired here (redis.ts), not by Probot: its own client would be fetched with npx.
      REDIS_URL: '',
    },
    overrides: {
      Octokit: Octokit as typeof ProbotOctokit,
      baseUrl: apiBaseUrl(env),
      log,
    },
  });
  redisError = redisErrorLog(probot.log);
  return { probot, redisError: (err) => redisError(err), close: async () => clustered?.close() };
}

/** The work side: the app loaded on its Probot, and the consuming side of the queue. */
export interface Work extends CompanionWork {
  probot: Probot;
  /** Reads, queues and answers verified deliveries (intake.ts). */
  intake: Intake;
  selfLogin: () => Promise<string>;
  /** With a work thread: false once it has stopped. */
  alive?: () => boolean;
}

/**
 * Builds the companion's work: the app on its own Probot and the queue its handlers take
 * deliveries from (in memory, or the shared Redis queue). In the webhook's thread, or in a work
 * thread of its own (work-thread.ts).
 */
export async function startCompanionWork(
  opts: Pick<ServerOptions, 'env' | 'writeSpacingMs' | 'companion'>,
): Promise<Work> {
  const env = readCompanionEnv(opts.env);
  const spacingMs = opts.writeSpacingMs ?? env.WRITE_SPACING_MS;
  const redis = env.REDIS_URL ? await connectRedis(env.REDIS_URL) : undefined;
  const { probot, redisError, close } = await companionProbot(opts.env, env, spacingMs, redis);
  const selfLogin = opts.companion?.selfLogin ?? appLoginResolver(probot);
  await probot.load(
    createCompanionApp({
      ...opts.companion,
      selfLogin,
      // With Redis the queue dedupes (one job per comment) and a retried job must not be taken for
      // a redelivery: no per-replica memory; the lock and the progress live in Redis. A PR lock
      // lapses no later than its holder's job: a job retried after its replica died would
      // otherwise hold a worker waiting for the dead replica's lock.
      ...(redis
        ? {
            dedupe: new Dedupe({ size: 0 }),
            sharedLock: redisLock(redis, { ttlMs: Math.min(15_000, env.QUEUE_LOCK_MS) }),
            progress: redisProgress(redis),
          }
        : {}),
    }),
  );
  const receive = (delivery: Delivery) => probot.receive(delivery as Parameters<Probot['receive']>[0]);
  const queue: WorkQueue = redis
    ? // A failure before the claim is retried by the queue (on any replica), with backoff.
      new RedisQueue(
        redis,
        receive,
        { concurrency: env.WORKER_CONCURRENCY, lockMs: env.QUEUE_LOCK_MS },
        redisError,
      )
    : new MemoryQueue(async (delivery) => {
        try {
          await receive(delivery);
        } catch (err) {
          probot.log.error({ err, id: delivery.id, name: delivery.name }, 'claude-relay: delivery failed');
        }
      }, env.WORKER_CONCURRENCY);
  return {
    probot,
    log: probot.log,
    selfLogin,
    queue,
    intake: intakeInto(queue),
    close: async () => {
      await close();
      if (redis) await closeRedis(redis);
    },
  };
}

/**
 * The webhook side of a server whose work runs in its own thread: a Probot only for the log and
 * the start-up check, the work thread, and with REDIS_URL the writer thread that puts each
 * delivery in Redis before it is answered (work-thread.ts).
 */
async function startWorkThread(opts: ServerOptions, env: CompanionEnv): Promise<Work> {
  const { probot } = await companionProbot(opts.env, env, 0, undefined);
  const entry = new URL(import.meta.url);
  const init: ThreadInit = {
    role: 'work',
    env: { ...opts.env },
    nice: env.WORK_THREAD_NICE,
    ...(opts.writeSpacingMs !== undefined ? { writeSpacingMs: opts.writeSpacingMs } : {}),
  };
  let stopping = false;
  const onExit = (thread: string) => (code: number) => {
    if (!stopping)
      probot.log.error(
        `claude-relay companion: the ${thread} stopped (exit code ${code}); new deliveries are refused with 500 and /healthz fails until the process is restarted`,
      );
  };
  const work = await ThreadQueue.start(entry, init, onExit('work thread'));
  // The writer runs at the webhook thread's priority: the answer waits for its write.
  const writer = env.REDIS_URL
    ? await ThreadQueue.start(
        entry,
        { ...init, role: 'writer', nice: 0 },
        onExit('Redis writer thread'),
      ).catch(async (err: unknown) => {
        stopping = true;
        await work.drain(0);
        throw err;
      })
    : undefined;
  return {
    probot,
    log: probot.log,
    selfLogin: appLoginResolver(probot),
    // With Redis the writer reads each body and answers once its job is written; without, this
    // thread reads it and the work thread's queue takes it at once.
    intake: writer ? (id, name, body) => writer.take(id, name, body) : intakeInto(work),
    queue: {
      add: (delivery, key) =>
        writer
          ? Promise.reject(new Error('with Redis, deliveries are queued by the writer thread (intake)'))
          : work.add(delivery, key),
      setAnswering: (answering) => work.setAnswering(answering),
      idle: () => work.idle(),
      drain: async (ms) => {
        stopping = true;
        const [wrote, worked] = await Promise.allSettled([writer?.drain(0), work.drain(ms)]);
        if (worked.status === 'rejected') throw worked.reason;
        if (wrote.status === 'rejected') throw wrote.reason;
        return worked.value;
      },
    },
    close: async () => {},
    alive: () => work.alive && writer?.alive !== false,
  };
}

/** The writer thread's part (REDIS_URL set): the producing side of the Redis queue. */
async function startJobWriter(rawEnv: NodeJS.ProcessEnv): Promise<CompanionWork> {
  const env = readCompanionEnv(rawEnv);
  const log = (await companionLog({ ...rawEnv, ...env })).child({ name: 'probot' });
  const redis = await connectRedis(env.REDIS_URL ?? '');
  const queue = new RedisQueue(
    redis,
    undefined,
    { concurrency: 0, lockMs: env.QUEUE_LOCK_MS },
    redisErrorLog(log),
  );
  return {
    queue,
    log,
    close: () => closeRedis(redis),
  };
}

export async function startCompanionServer(opts: ServerOptions): Promise<CompanionServer> {
  const env = readCompanionEnv(opts.env);
  // Ack first: a delivery is answered as soon as its signature checks out and it is queued; the
  // queue's handlers do the work. GitHub wants an answer within 10 s and does not retry on its
  // own; the 👀 claim (201 vs 200) keeps replicas and redeliveries from doing the work twice.
  const work: Work = opts.workThread ? await startWorkThread(opts, env) : await startCompanionWork(opts);
  const { probot, queue, selfLogin } = work;
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const budget = new BodyBudget(limits.maxBufferedBytes);
  let reading = 0;
  const readers: (() => void)[] = [];
  const answering = answeringSignal(queue);
  const startReading = () => {
    if (reading++ === 0) answering.busy();
  };
  const doneReading = () => {
    if (--reading > 0) return;
    answering.quiet();
    for (const resolve of readers.splice(0)) resolve();
  };
  const server = http.createServer(
    {
      // Slow clients time out: headers within headersTimeoutMs, the whole request within
      // requestTimeoutMs (Node answers 408 and closes), checked every second.
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/healthz') {
        // A server whose work thread stopped would acknowledge work nobody does: fail the check.
        if (work.alive?.() === false)
          res.writeHead(503, { 'content-type': 'text/plain' }).end('work thread stopped\n');
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      if (req.method !== 'POST' || path !== env.WEBHOOK_PATH) {
        refuse(req, res, 404, 'not found', req.method === 'POST');
        return;
      }
      startReading();
      acceptDelivery(req, res, { secret: env.WEBHOOK_SECRET, limits, budget, intake: work.intake }).then(
        doneReading,
        (err: unknown) => {
          probot.log.error({ err }, 'claude-relay: could not take a delivery');
          if (!res.headersSent) refuse(req, res, 500, 'the delivery could not be queued', true);
          doneReading();
        },
      );
    },
  );
  server.keepAliveTimeout = 5000;

  const port = opts.port ?? env.PORT;
  const host = opts.host ?? env.HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Check the App credentials now (JWT → GET /app), so a wrong APP_ID or key shows in the log at
  // start rather than at the first comment. Not fatal: GitHub may be briefly unreachable.
  const login = await Promise.race([
    selfLogin().then(
      (l) => ({ ok: true as const, login: l }),
      (err: unknown) => ({ ok: false as const, why: describeGitHubError(err) }),
    ),
    new Promise<{ ok: false; why: string }>((resolve) =>
      setTimeout(() => resolve({ ok: false, why: 'no answer within 5 s' }), 5000).unref(),
    ),
  ]);
  if (login.ok) probot.log.info(`claude-relay companion: authenticated as ${login.login}`);
  else
    probot.log.error(
      `claude-relay companion: could not authenticate as the App (${apiBaseUrl(env)}): ${login.why}`,
    );

  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? '127.0.0.1' : shownHost}:${address.port}`;
  const requestsRead = () =>
    reading === 0 ? Promise.resolve() : new Promise<void>((resolve) => readers.push(resolve));

  return {
    url,
    webhookUrl: `${url}${env.WEBHOOK_PATH}`,
    port: address.port,
    probot,
    settled: async () => {
      await requestsRead();
      await queue.idle();
    },
    close: async (graceMs = env.DRAIN_TIMEOUT_MS) => {
      const started = Date.now();
      // Stop accepting; deliveries being read are still answered.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([requestsRead(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      // With Redis, unfinished jobs stay there and another replica (or this one restarted) takes
      // them once their lock lapses; without, they are gone with the process.
      const recovery = env.REDIS_URL
        ? `they stay queued in Redis and are handled once their lock lapses (QUEUE_LOCK_MS, ${Math.round(env.QUEUE_LOCK_MS / 1000)} s)`
        : 'redeliver them from the App settings (Advanced → Recent Deliveries)';
      let left: Delivery[] | undefined;
      try {
        left = await queue.drain(Math.max(0, graceMs - (Date.now() - started)));
      } catch (err) {
        probot.log.error(
          `claude-relay companion: ${err instanceof Error ? err.message : String(err)}; deliveries it had acknowledged may not be handled: ${recovery}`,
        );
      }
      if (left && left.length > 0) {
        probot.log.error(
          { deliveries: left.map(describeDelivery) },
          `claude-relay companion: stopped with ${left.length} acknowledged ${left.length === 1 ? 'delivery' : 'deliveries'} not handled; ${recovery}`,
        );
      } else if (left) {
        probot.log.info('claude-relay companion: every acknowledged delivery was handled');
      }
      server.closeAllConnections();
      await closed;
      await work.close();
    },
  };
}

/**
 * Tells the queue when deliveries are being answered (see WorkQueue.setAnswering): at once when
 * the first arrives, `quietMs` after the last was answered (so a steady stream does not flip it
 * for every gap between two deliveries).
 */
function answeringSignal(queue: WorkQueue, quietMs = 20): { busy(): void; quiet(): void } {
  let on = false;
  let timer: NodeJS.Timeout | undefined;
  return {
    busy() {
      clearTimeout(timer);
      timer = undefined;
      if (!on) queue.setAnswering((on = true));
    },
    quiet() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (on) queue.setAnswering((on = false));
      }, quietMs);
      timer.unref();
    },
  };
}

/** What an operator needs to find a delivery again: its id, event and comment. */
function describeDelivery(d: Delivery): Record<string, unknown> {
  const p = d.payload as { comment?: { html_url?: unknown; id?: unknown } } | undefined;
  return { id: d.id, event: d.name, comment: p?.comment?.html_url ?? p?.comment?.id };
}

function json(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/**
 * Answers with an error. With `close`, the connection is closed after the answer, so a body that
 * was not read is not read either (Node would otherwise read it to reuse the connection).
 */
function refuse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  error: string,
  close: boolean,
): void {
  if (close) {
    res.setHeader('connection', 'close');
    lingerBeforeClosing(req.socket);
  }
  json(res, status, { error });
}

/** How long a refused connection keeps discarding what its client still sends. */
const LINGER_MS = 1000;

/**
 * Node closes a `connection: close` socket as soon as the answer is written (`destroySoon`). A
 * client still sending its body (a refused oversized one) then gets a reset, which can reach it
 * before it has read the answer: it sees EPIPE or ECONNRESET instead of the 413. As web servers
 * do ("lingering close"): send the answer and FIN, go on discarding what arrives (the refused
 * body is already being dumped, never kept) for up to LINGER_MS, then close.
 */
function lingerBeforeClosing(socket: Socket): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}

/** The webhook events the app handles; others are verified without being kept and answered. */
const HANDLED_EVENTS = new Set(EVENTS.map((e) => e.split('.')[0] as string));

/** Verifies one delivery within the limits, hands it to the intake and answers as it says. */
async function acceptDelivery(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  ctx: { secret: string; limits: Limits; budget: BodyBudget; intake: Intake },
): Promise<void> {
  const id = String(req.headers['x-github-delivery'] ?? '');
  const name = String(req.headers['x-github-event'] ?? '');
  const signature = String(req.headers['x-hub-signature-256'] ?? '');
  if (!id || !name || !signature) {
    // Before reading the body: an unsigned POST costs nothing.
    refuse(req, res, 400, 'missing x-github-delivery, x-github-event or x-hub-signature-256', true);
    return;
  }
  const keep = HANDLED_EVENTS.has(name);
  const read = await readSignedBody(req, {
    secret: ctx.secret,
    signature,
    keep,
    maxBytes: ctx.limits.maxBodyBytes,
    budget: ctx.budget,
  });
  if (!read.ok) {
    refuse(req, res, read.status, read.error, read.close);
    return;
  }
  if (!read.body) {
    json(res, 202, { ok: true, ignored: `event ${name} is not handled` });
    return;
  }
  const answer = await ctx.intake(id, name, read.body);
  json(res, answer.status, answer.body);
}

// In a work thread started by a server above (the bundle runs this module there too): serve it.
serveWorkThread((init) =>
  init.role === 'writer'
    ? startJobWriter(init.env)
    : startCompanionWork({
        env: init.env,
        ...(init.writeSpacingMs !== undefined ? { writeSpacingMs: init.writeSpacingMs } : {}),
      }),
);
