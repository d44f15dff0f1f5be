/** The tools are bound to the request's target: no input can name another repository, PR or token. */
import { RELAY_READ_TOOLS, RELAY_WRITE_TOOLS, buildRelayTools, relayToolNames } from '../../src/tools';
import { createGitHub } from '../../src/github/client';
import { connect, prRequest } from './helpers';

const FORBIDDEN_EXACT = new Set([
  'owner',
  'repo',
  'repository',
  'repo_name',
  'full_name',
  'number',
  'pull_number',
  'pr_number',
  'issue_number',
  'pr',
  'issue',
  'token',
  'github_token',
  'auth',
  'authorization',
  'url',
  'base_url',
  'api_url',
  'host',
  'remote',
  'branch',
  'ref',
  'head',
  'base',
  'sha',
  'commit_id',
]);
const FORBIDDEN_PART = /owner|repo|token|secret|password|credential|pull_number|issue_number|_url$/i;

function propertyNames(schema: unknown, out: string[] = []): string[] {
  if (!schema || typeof schema !== 'object') return out;
  const s = schema as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.push(k);
    propertyNames(v, out);
  }
  if (s.items) propertyNames(s.items, out);
  for (const a of s.anyOf ?? []) propertyNames(a, out);
  return out;
}

function make(profile: 'read-only' | 'edit') {
  return buildRelayTools({
    gh: createGitHub({ token: 'x', baseUrl: 'http://127.0.0.1:9' }),
    req: prRequest(),
    workspace: '/tmp',
    profile,
    requester: { login: 'octocat' },
    onProgress: async () => {},
  });
}

describe('relay tool schemas', () => {
  it('have no owner/repo/number/token-like parameter (zod shapes and the JSON schema the CLI sees)', async () => {
    const built = make('edit');
    const names: string[] = [];
    for (const t of built.tools) names.push(...Object.keys(t.inputSchema));
    const c = await connect(built);
    const listed = await c.listTools();
    await c.close();
    for (const t of listed) names.push(...propertyNames(t.inputSchema));
    expect(names.length).toBeGreaterThan(5);
    const bad = names.filter((n) => FORBIDDEN_EXACT.has(n.toLowerCase()) || FORBIDDEN_PART.test(n));
    expect(bad).toEqual([]);
  });

  it('expose the read tools in read-only and add commit_and_push in edit', async () => {
    const ro = make('read-only');
    const ed = make('edit');
    expect(ro.toolNames.sort()).toEqual([...RELAY_READ_TOOLS].sort());
    expect(ed.toolNames.sort()).toEqual([...RELAY_READ_TOOLS, ...RELAY_WRITE_TOOLS].sort());
    expect(relayToolNames('read-only')).toEqual([...RELAY_READ_TOOLS]);
    expect(RELAY_WRITE_TOOLS).toEqual(['mcp__relay__commit_and_push']);
    expect(RELAY_READ_TOOLS).toEqual(
      expect.arrayContaining([
        'mcp__relay__update_progress',
        'mcp__relay__add_inline_comment',
        'mcp__relay__get_diff',
        'mcp__relay__get_ci_status',
        'mcp__relay__get_job_log',
      ]),
    );
    expect(ro.server.name).toBe('relay');
    expect(ro.server.type).toBe('sdk');
    const c = await connect(ro);
    expect((await c.listTools()).map((t) => t.name)).not.toContain('commit_and_push');
    await c.close();
  });

  it('turn invalid input into a readable tool error, not a crash', async () => {
    const c = await connect(make('read-only'));
    const r = await c.call('add_inline_comment', { path: 'a.ts', line: 'twelve', body: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Input validation error/);
    const r2 = await c.call('get_job_log', {});
    expect(r2.isError).toBe(true);
    await c.close();
  });
});
