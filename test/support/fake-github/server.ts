/**
 * The HTTP side of the fake: node:http on 127.0.0.1, `/api/v3` (GHES) prefix stripped, every
 * request recorded, fault injection before routing, identity from the Authorization header, then
 * the first matching `[method, regex, handler]` route.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HttpError, DOCS_URL, type Ctx, type Identity, type Reply, type Route } from './http';
import { actionsRoutes } from './routes-actions';
import { appRoutes } from './routes-app';
import { compareRoutes } from './routes-compare';
import { issueRoutes } from './routes-issues';
import { pullRoutes } from './routes-pulls';
import { State, type Seed } from './state';

export interface RecordedRequest {
  method: string;
  /** Without the query and without a leading `/api/v3`. */
  path: string;
  /** `''` or `'/api/v3'`. */
  prefix: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or the raw string when not JSON, or undefined when empty. */
  body: unknown;
  raw: string;
  /** Who the fake took the caller for (login), '' when anonymous. */
  identity: string;
  /** The status answered (set when the response is written). */
  status?: number;
  /** Answered by `failNext` instead of the route (state untouched). */
  faulted?: boolean;
  /** No route matched: the call is something the fake (or the test) did not expect. */
  unmatched?: boolean;
}

export interface FaultResponse {
  status: 502 | 500 | 503 | 429 | 403 | 404 | number;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  body?: unknown;
  /** Primary rate limit: `x-ratelimit-remaining: 0` and reset in `retryAfter` seconds (default 0). */
  rateLimited?: boolean;
  headers?: Record<string, string>;
  /** Hold the answer this long. */
  delayMs?: number;
  /** Drop the connection instead of answering (a network error for the client). */
  reset?: boolean;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`; `${url}/api/v3` works as a GHES base URL too. */
  url: string;
  state: State;
  requests: RecordedRequest[];
  /** Recorded requests whose method (or '*') and path (exact string or RegExp) match. */
  requestsTo(method: string, pathPattern: RegExp | string): RecordedRequest[];
  /** Requests no route answered (unexpected calls). */
  unmatched(): RecordedRequest[];
  /** The next `count` matching calls answer `response` and leave state alone. */
  failNext(method: string, pathPattern: RegExp | string, count: number, response: FaultResponse): void;
  /** Every answer is held this long (a round trip to api.github.com rather than to loopback). */
  latencyMs: number;
  close(): Promise<void>;
}

interface Fault {
  method: string;
  pattern: RegExp | string;
  remaining: number;
  response: FaultResponse;
}

const ROUTES: Route[] = [...issueRoutes, ...pullRoutes, ...compareRoutes, ...actionsRoutes, ...appRoutes];
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function matches(method: string, pattern: RegExp | string, req: { method: string; path: string }): boolean {
  if (method !== '*' && method.toUpperCase() !== req.method) return false;
  if (typeof pattern === 'string') return pattern === req.path;
  pattern.lastIndex = 0;
  return pattern.test(req.path);
}

/** The caller's identity, or an HttpError for revoked/expired credentials. */
function identify(state: State, header: string | undefined): Identity {
  const m = /^(token|bearer|basic)\s+(.+)$/i.exec(header?.trim() ?? '');
  if (!m?.[2]) return { kind: 'anonymous', login: '', type: 'User' };
  let token = m[2].trim();
  if (m[1]?.toLowerCase() === 'basic')
    token = Buffer.from(token, 'base64').toString('utf8').split(':').pop() ?? '';
  if (JWT.test(token)) return { kind: 'app', login: state.appBotLogin, type: 'Bot', token };
  if (state.revokedTokens.has(token)) throw new HttpError(401, 'Bad credentials');
  const installation = state.installationTokens.get(token);
  if (installation) {
    if (Date.parse(installation.expires_at) < state.clock().getTime())
      throw new HttpError(401, 'Bad credentials');
    return { kind: 'installation', login: state.appBotLogin, type: 'Bot', token };
  }
  const login = state.tokens.get(token) ?? state.defaultIdentity;
  return { kind: 'token', login, type: state.users.get(login)?.type ?? 'User', token };
}

function checkAuth(route: Route, identity: Identity, method: string): void {
  const auth = route[3] ?? 'token';
  if (auth === 'none') return;
  if (auth === 'app') {
    if (identity.kind !== 'app') throw new HttpError(401, 'A JSON web token could not be decoded');
    return;
  }
  if (identity.kind === 'app') {
    throw new HttpError(
      401,
      'A JSON web token (GitHub App JWT) cannot be used on this endpoint; use an installation token',
    );
  }
  if (identity.kind === 'anonymous' && method !== 'GET' && method !== 'HEAD') {
    throw new HttpError(401, 'Requires authentication');
  }
}

function dispatch(ctx: Omit<Ctx, 'params'>, record: RecordedRequest): Reply {
  for (const route of ROUTES) {
    const [method, pattern, handler] = route;
    if (method !== ctx.method) continue;
    const m = pattern.exec(ctx.path);
    if (!m) continue;
    checkAuth(route, ctx.identity, ctx.method);
    const params = m.slice(1).map((p) => decodeURIComponent(p ?? ''));
    return handler({ ...ctx, params });
  }
  record.unmatched = true;
  return new HttpError(404, 'Not Found').reply();
}

function faultReply(state: State, f: FaultResponse): Reply {
  const headers: Record<string, string> = { ...f.headers };
  if (f.retryAfter !== undefined && !f.rateLimited) headers['retry-after'] = String(f.retryAfter);
  if (f.rateLimited) {
    headers['x-ratelimit-remaining'] = '0';
    headers['x-ratelimit-used'] = String(state.rateLimit.limit);
    headers['x-ratelimit-reset'] = String(Math.floor(state.clock().getTime() / 1000) + (f.retryAfter ?? 0));
  }
  const secondary = f.status === 429 || (f.status === 403 && f.retryAfter !== undefined && !f.rateLimited);
  const message = f.rateLimited
    ? `API rate limit exceeded for installation ID ${state.installation.id}.`
    : secondary
      ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
      : (http.STATUS_CODES[f.status] ?? 'Error');
  const body =
    f.body !== undefined ? f.body : { message, documentation_url: DOCS_URL, status: String(f.status) };
  return { status: f.status, json: body, headers };
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  const looksJson = /json/.test(contentType ?? '') || /^\s*[[{]/.test(raw);
  if (!looksJson) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    if (/json/.test(contentType ?? '')) throw new HttpError(400, 'Problems parsing JSON');
    return raw;
  }
}

function send(res: http.ServerResponse, state: State, reply: Reply): void {
  const { limit, remaining, reset } = state.rateLimit;
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-used': String(limit - remaining),
    'x-ratelimit-resource': 'core',
    'x-github-request-id': randomBytes(10)
      .toString('hex')
      .toUpperCase()
      .replace(/(.{4})(.{4})(.{4})(.{4})(.{4})/, '$1:$2:$3:$4:$5'),
    'x-github-api-version-selected': '2022-11-28',
    ...reply.headers,
  };
  if (reply.status === 204 || (reply.json === undefined && reply.text === undefined)) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const isText = reply.text !== undefined;
  const body = isText ? (reply.text ?? '') : JSON.stringify(reply.json);
  headers['content-type'] = isText
    ? (reply.contentType ?? 'text/plain; charset=utf-8')
    : 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}

export async function startFakeGitHub(seed: Partial<Seed> = {}): Promise<FakeGitHub> {
  const state = new State(seed);
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    let path = url.pathname;
    let prefix = '';
    if (path === '/api/v3' || path.startsWith('/api/v3/')) {
      prefix = '/api/v3';
      path = path.slice(prefix.length) || '/';
    } else if (path === '/api/graphql') {
      prefix = '/api';
      path = '/graphql';
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = {
      method,
      path,
      prefix,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      raw,
      identity: '',
    };
    requests.push(record);
    if (api.latencyMs > 0) await new Promise((r) => setTimeout(r, api.latencyMs));

    let reply: Reply;
    const fault = faults.find((f) => f.remaining > 0 && matches(f.method, f.pattern, record));
    if (fault) {
      fault.remaining--;
      if (fault.remaining === 0) faults.splice(faults.indexOf(fault), 1);
      record.faulted = true;
      try {
        record.body = parseBody(raw, req.headers['content-type']);
      } catch {
        record.body = raw;
      }
      if (fault.response.delayMs) await new Promise((r) => setTimeout(r, fault.response.delayMs));
      if (fault.response.reset) {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      reply = faultReply(state, fault.response);
    } else {
      try {
        record.body = parseBody(raw, req.headers['content-type']);
        const identity = identify(state, req.headers.authorization);
        record.identity = identity.login;
        reply = dispatch(
          {
            method,
            path,
            prefix,
            query: url.searchParams,
            headers: req.headers,
            body: record.body,
            identity,
            state,
          },
          record,
        );
      } catch (err) {
        // A crash in a handler is a bug in the fake: answer 500 with the stack so the test shows it.
        reply =
          err instanceof HttpError
            ? err.reply()
            : {
                status: 500,
                json: { message: `fake-github crashed: ${err instanceof Error ? err.stack : String(err)}` },
              };
      }
    }
    record.status = reply.status;
    send(res, state, reply);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only reading the request can fail here (client went away): nothing left to answer.
      if (!res.headersSent)
        send(res, state, { status: 500, json: { message: `fake-github: ${String(err)}` } });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  state.apiUrl = url;

  const api: FakeGitHub = {
    url,
    state,
    requests,
    latencyMs: 0,
    requestsTo: (method, pathPattern) => requests.filter((r) => matches(method, pathPattern, r)),
    unmatched: () => requests.filter((r) => r.unmatched),
    failNext: (method, pathPattern, count, response) => {
      if (count > 0) faults.push({ method, pattern: pathPattern, remaining: count, response });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
