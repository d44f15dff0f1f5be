/** Repos, users, permissions, the GitHub App and its installation tokens, contents, rate limit. */
import { randomBytes } from 'node:crypto';
import {
  HttpError,
  Input,
  json,
  noContent,
  notFound,
  param,
  repoOf,
  route,
  type Ctx,
  type Reply,
  type Route,
} from './http';
import { appJson, repoJson, userJson } from './shapes';
import { fakeSha, isoSeconds, type Installation, type PermissionLevel } from './state';

const R = '/repos/:owner/:repo';

/** GitHub's legacy `permission` field folds maintain into write and triage into read. */
const LEGACY: Record<PermissionLevel, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};
const RANK: PermissionLevel[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];

function permissionFlags(level: PermissionLevel): Record<string, boolean> {
  const at = RANK.indexOf(level);
  return {
    admin: at >= RANK.indexOf('admin'),
    maintain: at >= RANK.indexOf('maintain'),
    push: at >= RANK.indexOf('write'),
    triage: at >= RANK.indexOf('triage'),
    pull: at >= RANK.indexOf('read'),
  };
}

function collaboratorPermission(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const login = param(ctx, 2);
  if (!ctx.state.users.has(login)) throw notFound();
  const level = ctx.state.permissionOf(repo.full_name, login);
  return json(200, {
    permission: LEGACY[level],
    role_name: level,
    user: { ...userJson(ctx.state, login), permissions: permissionFlags(level), role_name: level },
  });
}

function getRepo(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const level =
    ctx.identity.kind === 'anonymous' ? 'read' : ctx.state.permissionOf(repo.full_name, ctx.identity.login);
  return json(200, { ...repoJson(ctx.state, repo.full_name, true), permissions: permissionFlags(level) });
}

function installationJson(ctx: Ctx, installation: Installation): Record<string, unknown> {
  const { state } = ctx;
  const { id, account } = installation;
  return {
    id,
    account: userJson(state, account),
    app_id: state.app.id,
    app_slug: state.app.slug,
    target_type: state.users.get(account)?.type ?? 'Organization',
    repository_selection: 'all',
    permissions: appJson(state).permissions,
    events: appJson(state).events,
    access_tokens_url: `${state.apiUrl}/app/installations/${id}/access_tokens`,
    html_url: `${state.htmlUrl}/organizations/${account}/settings/installations/${id}`,
  };
}

function installationFor(ctx: Ctx, owner: string): Reply {
  const installation = ctx.state.installations.find((i) => i.account === owner);
  if (!installation) throw notFound();
  return json(200, installationJson(ctx, installation));
}

/** POST /app/installations/{id}/access_tokens: mint a `ghs_fake_…` token acting as `<slug>[bot]`. */
function mintToken(ctx: Ctx): Reply {
  const { state } = ctx;
  const installation = state.installationById(Number(param(ctx, 0)));
  if (!installation) throw notFound();
  const input = new Input(ctx.body);
  const names = input.strings('repositories');
  const ids = (input.raw('repository_ids') as number[] | undefined) ?? undefined;
  const account = installation.account;
  let repositories: string[] | undefined;
  if (names || ids) {
    repositories = [];
    for (const name of names ?? []) repositories.push(name.includes('/') ? name : `${account}/${name}`);
    for (const id of ids ?? []) {
      const found = [...state.repos.values()].find((r) => r.id === id);
      repositories.push(found ? found.full_name : `#${id}`);
    }
    const missing = repositories.filter((r) => !state.repos.has(r) || !r.startsWith(`${account}/`));
    if (missing.length > 0) {
      throw new HttpError(
        422,
        'There is at least one repository that does not exist or is not accessible to the parent installation.',
      );
    }
  }
  const permissions =
    (input.record('permissions') as Record<string, string> | undefined) ?? appJson(state).permissions;
  const token = `ghs_fake_${randomBytes(12).toString('hex')}`;
  const expiresAt = isoSeconds(new Date(state.clock().getTime() + 3600_000));
  state.installationTokens.set(token, {
    token,
    installation_id: installation.id,
    expires_at: expiresAt,
    permissions: permissions as Record<string, string>,
    ...(repositories ? { repositories } : {}),
  });
  return json(201, {
    token,
    expires_at: expiresAt,
    permissions,
    repository_selection: repositories ? 'selected' : 'all',
    ...(repositories ? { repositories: repositories.map((r) => repoJson(state, r)) } : {}),
  });
}

function revokeToken(ctx: Ctx): Reply {
  if (ctx.identity.kind !== 'installation' || !ctx.identity.token)
    throw new HttpError(403, 'Resource not accessible by integration');
  ctx.state.installationTokens.delete(ctx.identity.token);
  ctx.state.revokedTokens.add(ctx.identity.token);
  return noContent();
}

/** GET /repos/{o}/{r}/contents/{path}?ref=: files from `state.files`, base64 like GitHub (or raw). */
function getContents(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const path = param(ctx, 2).replace(/^\/+|\/+$/g, '');
  const ref = ctx.query.get('ref') ?? undefined;
  const content = ctx.state.fileAt(repo.full_name, path, ref);
  if (content === undefined) throw notFound();
  if (/application\/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ''))) {
    return { status: 200, text: content, contentType: 'application/vnd.github.raw; charset=utf-8' };
  }
  const sha = fakeSha(`blob ${content}`);
  const name = path.split('/').pop() ?? path;
  const api = `${ctx.state.apiUrl}/repos/${repo.full_name}/contents/${path}${ref ? `?ref=${encodeURIComponent(ref)}` : ''}`;
  const base64 = Buffer.from(content, 'utf8').toString('base64').replace(/.{60}/g, '$&\n');
  return json(200, {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(content),
    name,
    path,
    content: base64.endsWith('\n') ? base64 : `${base64}\n`,
    sha,
    url: api,
    html_url: `${repo.html_url}/blob/${ref ?? repo.default_branch}/${path}`,
    download_url: null,
    _links: { self: api, html: `${repo.html_url}/blob/${ref ?? repo.default_branch}/${path}` },
  });
}

function rateLimit(ctx: Ctx): Reply {
  const { limit, remaining, reset } = ctx.state.rateLimit;
  const core = { limit, remaining, reset, used: limit - remaining };
  return json(200, {
    resources: { core, search: { ...core, limit: 30, remaining: 30, used: 0 }, graphql: core },
    rate: core,
  });
}

function graphql(ctx: Ctx): Reply {
  const handler = ctx.state.graphql;
  if (!handler) throw notFound();
  const input = new Input(ctx.body);
  return json(
    200,
    handler(input.reqStr('query'), (input.record('variables') ?? {}) as Record<string, unknown>),
  );
}

export const appRoutes: Route[] = [
  route('GET', R, getRepo),
  route('GET', `${R}/collaborators/:user/permission`, collaboratorPermission),
  route('GET', `${R}/collaborators/:user`, (ctx) => {
    const repo = repoOf(ctx);
    const login = param(ctx, 2);
    const level = ctx.state.permissions.get(repo.full_name)?.get(login);
    if (!ctx.state.users.has(login) || !level || level === 'none') throw notFound();
    return noContent();
  }),
  route('GET', `${R}/contents/*`, getContents),
  route('GET', '/users/:user', (ctx) => {
    if (!ctx.state.users.has(param(ctx, 0))) throw notFound();
    return json(200, userJson(ctx.state, param(ctx, 0)));
  }),
  route('GET', '/user', (ctx) => {
    if (ctx.identity.kind === 'anonymous') throw new HttpError(401, 'Requires authentication');
    if (ctx.identity.type === 'Bot') throw new HttpError(403, 'Resource not accessible by integration');
    return json(200, userJson(ctx.state, ctx.identity.login));
  }),
  route('GET', '/rate_limit', rateLimit),
  route('POST', '/graphql', graphql),
  // GitHub App (JWT) endpoints.
  route('GET', '/app', (ctx) => json(200, appJson(ctx.state)), 'app'),
  route(
    'GET',
    '/app/installations',
    (ctx) =>
      json(
        200,
        ctx.state.installations.map((i) => installationJson(ctx, i)),
      ),
    'app',
  ),
  route(
    'GET',
    '/app/installations/:id',
    (ctx) => {
      const installation = ctx.state.installationById(Number(param(ctx, 0)));
      if (!installation) throw notFound();
      return json(200, installationJson(ctx, installation));
    },
    'app',
  ),
  route('POST', '/app/installations/:id/access_tokens', mintToken, 'app'),
  route('GET', `${R}/installation`, (ctx) => installationFor(ctx, repoOf(ctx).owner.login), 'app'),
  route('GET', '/orgs/:org/installation', (ctx) => installationFor(ctx, param(ctx, 0)), 'app'),
  route('GET', '/users/:user/installation', (ctx) => installationFor(ctx, param(ctx, 0)), 'app'),
  // Installation-token endpoints.
  route('DELETE', '/installation/token', revokeToken),
  route('GET', '/installation/repositories', (ctx) => {
    if (ctx.identity.kind !== 'installation' || !ctx.identity.token)
      throw new HttpError(403, 'Resource not accessible by integration');
    const minted = ctx.state.installationTokens.get(ctx.identity.token);
    const scope = minted?.repositories;
    const account = ctx.state.installationById(minted?.installation_id ?? 0)?.account;
    const repos = [...ctx.state.repos.values()].filter((r) =>
      scope ? scope.includes(r.full_name) : r.owner.login === account,
    );
    return json(200, {
      total_count: repos.length,
      repository_selection: scope ? 'selected' : 'all',
      repositories: repos.map((r) => repoJson(ctx.state, r.full_name)),
    });
  }),
];
