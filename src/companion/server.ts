/**
 * The companion's HTTP server: Probot's webhook middleware (signature verification with
 * WEBHOOK_SECRET; a missing or wrong signature answers 400 and runs nothing) on WEBHOOK_PATH, a
 * `GET /healthz` for load balancers, 404 for anything else. No state beyond small in-memory LRUs,
 * so any number of replicas can sit behind a load balancer.
 *
 * Environment (see `.env.example`): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT,
 * HOST, WEBHOOK_PATH, GHE_HOST + GHE_PROTOCOL (GitHub Enterprise Server or a test fake: the API is
 * `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`), LOG_LEVEL, LOG_FORMAT, WRITE_SPACING_MS.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProbot, ProbotOctokit, type Probot } from 'probot';
import { z } from 'zod';
import { describeGitHubError } from '../github/client';
import { appLoginResolver, createCompanionApp, type CompanionOptions } from './app';
import { companionThrottle } from './limits';

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
}

export interface CompanionServer {
  /** `http://host:port` */
  url: string;
  webhookUrl: string;
  port: number;
  probot: Probot;
  /** Stops accepting, lets in-flight deliveries finish (up to `graceMs`), then closes. */
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

export async function startCompanionServer(opts: ServerOptions): Promise<CompanionServer> {
  const env = readCompanionEnv(opts.env);
  // One set of limiter groups per server: Probot builds a new Octokit for every event.
  const throttle = companionThrottle(opts.writeSpacingMs ?? env.WRITE_SPACING_MS);
  const Octokit = ProbotOctokit.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    throttle: { ...(instance.throttle as object | undefined), ...throttle },
  }));
  const probot = newProbot({
    env: {
      ...opts.env,
      APP_ID: env.APP_ID,
      WEBHOOK_SECRET: env.WEBHOOK_SECRET,
      WEBHOOK_PATH: env.WEBHOOK_PATH,
      GHE_HOST: env.GHE_HOST ?? '',
      GHE_PROTOCOL: env.GHE_PROTOCOL,
      LOG_LEVEL: env.LOG_LEVEL,
    },
    overrides: { Octokit: Octokit as typeof ProbotOctokit, baseUrl: apiBaseUrl(env) },
  });
  const selfLogin = opts.companion?.selfLogin ?? appLoginResolver(probot);
  await probot.load(createCompanionApp({ ...opts.companion, selfLogin }));

  // Ack first: a delivery is answered as soon as its signature checks out, and handled after.
  // GitHub wants an answer within 10 s and does not retry on its own; the 👀 claim (201 vs 200)
  // keeps replicas and redeliveries from doing the work twice.
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let waiters: (() => void)[] = [];
  const settle = () => {
    inFlight--;
    if (inFlight === 0) {
      idle?.();
      for (const w of waiters) w();
      waiters = [];
    }
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.method !== 'POST' || path !== env.WEBHOOK_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}\n');
      return;
    }
    inFlight++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => settle());
    req.on('end', () => {
      void acceptDelivery(probot, req, Buffer.concat(chunks).toString('utf8'), res).finally(settle);
    });
  });
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

  return {
    url,
    webhookUrl: `${url}${env.WEBHOOK_PATH}`,
    port: address.port,
    probot,
    settled: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    close: async (graceMs = 8000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

function json(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/** Verifies one delivery, answers it at once, then runs the app's handlers on it. */
async function acceptDelivery(
  probot: Probot,
  req: http.IncomingMessage,
  body: string,
  res: http.ServerResponse,
): Promise<void> {
  const id = String(req.headers['x-github-delivery'] ?? '');
  const name = String(req.headers['x-github-event'] ?? '');
  const signature = String(req.headers['x-hub-signature-256'] ?? '');
  if (!id || !name || !signature) {
    json(res, 400, { error: 'missing x-github-delivery, x-github-event or x-hub-signature-256' });
    return;
  }
  let ok = false;
  try {
    ok = await probot.webhooks.verify(body, signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    json(res, 401, { error: 'signature does not match' });
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    json(res, 400, { error: 'payload is not JSON' });
    return;
  }
  json(res, 202, { ok: true });
  try {
    await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
  } catch (err) {
    probot.log.error({ err, id, name }, 'claude-relay: delivery failed');
  }
}
