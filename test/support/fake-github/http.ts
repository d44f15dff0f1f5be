/**
 * The plumbing shared by the route handlers: the request context, replies, GitHub-style errors,
 * body field access and GitHub-style pagination (Link header).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RepoRecord, State, UserType } from './state';

export const DOCS_URL = 'https://docs.github.com/rest';

/** Who is calling, from the Authorization header. */
export interface Identity {
  /** `app`: a JWT (GitHub App); `installation`: a token minted by the App installation route. */
  kind: 'anonymous' | 'token' | 'installation' | 'app';
  login: string;
  type: UserType;
  token?: string;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Ctx {
  method: string;
  /** Path without the query and without a leading `/api/v3`. */
  path: string;
  /** `''` or `'/api/v3'`: how the caller addressed us (Link headers reuse it). */
  prefix: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  identity: Identity;
  state: State;
  /** Decoded regex captures of the route. */
  params: string[];
}

export type Handler = (ctx: Ctx) => Reply;

/** `app`: JWT only (GitHub App endpoints); `token` (default): user/installation token or anonymous; `none`: anything. */
export type RouteAuth = 'app' | 'token' | 'none';
export type Route = [method: string, pattern: RegExp, handler: Handler, auth?: RouteAuth];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  reply(): Reply {
    return {
      status: this.status,
      json: {
        message: this.message,
        ...this.extra,
        documentation_url: DOCS_URL,
        status: String(this.status),
      },
      headers: this.headers,
    };
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Not Found');

export function validationFailed(
  errors: Array<Record<string, unknown>>,
  message = 'Validation Failed',
): HttpError {
  return new HttpError(422, message, { errors });
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  json: body,
  ...(headers ? { headers } : {}),
});

export const noContent = (): Reply => ({ status: 204 });

export function param(ctx: Ctx, i: number): string {
  const v = ctx.params[i];
  if (v === undefined) throw new Error(`fake-github: route has no capture ${i}`);
  return v;
}

export function numParam(ctx: Ctx, i: number): number {
  const n = Number(param(ctx, i));
  if (!Number.isInteger(n)) throw notFound();
  return n;
}

/** `/repos/{owner}/{repo}/…` routes: the repo (captures 0 and 1) or 404. Private repos hide from anonymous. */
export function repoOf(ctx: Ctx): RepoRecord {
  const full = `${param(ctx, 0)}/${param(ctx, 1)}`;
  const repo = ctx.state.repos.get(full);
  if (!repo || (repo.private && ctx.identity.kind === 'anonymous')) throw notFound();
  return repo;
}

/** Write routes: a caller must be authenticated; installation tokens only on their repositories. */
export function requireWriter(ctx: Ctx, repo?: RepoRecord): void {
  if (ctx.identity.kind === 'anonymous') throw new HttpError(401, 'Requires authentication');
  if (repo && ctx.identity.kind === 'installation' && ctx.identity.token) {
    const minted = ctx.state.installationTokens.get(ctx.identity.token);
    const account = ctx.state.installationById(minted?.installation_id ?? 0)?.account;
    const allowed = minted?.repositories
      ? minted.repositories.includes(repo.full_name)
      : account === undefined || repo.owner.login === account;
    if (!allowed) throw new HttpError(403, 'Resource not accessible by integration');
  }
}

/** Typed access to a JSON body's fields; missing required fields answer 422 like GitHub. */
export class Input {
  private readonly obj: Record<string, unknown>;

  constructor(body: unknown) {
    this.obj =
      body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  str(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string')
      throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not a string.`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) throw invalid(`"${key}" wasn't supplied.`);
    return v;
  }

  num(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number')
      throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not an integer.`);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not a boolean.`);
    return v;
  }

  strings(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not an array.`);
    return v.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown })?.name ?? x)));
  }

  objects(key: string): Input[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not an array.`);
    return v.map((x) => new Input(x));
  }

  record(key: string): Record<string, unknown> | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v))
      throw invalid(`For 'properties/${key}', ${JSON.stringify(v)} is not an object.`);
    return v as Record<string, unknown>;
  }
}

function invalid(why: string): HttpError {
  return new HttpError(422, `Invalid request.\n\n${why}`);
}

export interface PageOptions {
  defaultPerPage?: number;
  maxPerPage?: number;
  /** GitHub stops listing after this many items (3000 for PR files). */
  cap?: number;
}

/**
 * One page of `items` as GitHub pages it: `per_page` (default 30, max 100) and `page` (from 1), and
 * a Link header with prev/next/last/first absolute URLs reusing the request's prefix and query.
 */
export function paginate<T>(
  ctx: Ctx,
  all: T[],
  opts: PageOptions = {},
): { items: T[]; headers: Record<string, string> } {
  const items = opts.cap !== undefined ? all.slice(0, opts.cap) : all;
  const maxPerPage = opts.maxPerPage ?? 100;
  const requested = Number(ctx.query.get('per_page') ?? opts.defaultPerPage ?? 30);
  const perPage = Math.min(maxPerPage, Number.isInteger(requested) && requested > 0 ? requested : 30);
  const requestedPage = Number(ctx.query.get('page') ?? 1);
  const page = Number.isInteger(requestedPage) && requestedPage > 0 ? requestedPage : 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(n));
    return `${ctx.state.apiUrl}${ctx.prefix}${ctx.path}?${q.toString()}`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < lastPage) parts.push(`<${link(page + 1)}>; rel="next"`, `<${link(lastPage)}>; rel="last"`);
  if (page > 1) parts.push(`<${link(1)}>; rel="first"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: parts.length > 0 ? { link: parts.join(', ') } : {},
  };
}

/** A paged JSON array reply. */
export function pagedJson<T>(ctx: Ctx, all: T[], render: (item: T) => unknown, opts?: PageOptions): Reply {
  const { items, headers } = paginate(ctx, all, opts);
  return json(200, items.map(render), headers);
}

/**
 * A route from a readable template: `:name` matches one path segment, a trailing `*` the rest of
 * the path. Captures arrive URI-decoded in `ctx.params`, in order.
 */
export function route(method: string, template: string, handler: Handler, auth?: RouteAuth): Route {
  const source = template.replace(/:[a-z_]+/g, '([^/]+)').replace(/\*$/, '(.+)');
  return [method, new RegExp(`^${source}$`), handler, auth];
}
