/**
 * The fake GitHub against a real Octokit (retry + throttling plugins, undici fetch), at the root
 * and under the GHES `/api/v3` prefix.
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { startFakeGitHub, fakeSha, type FakeGitHub, type PullFile } from './fake-github';

const PluggedOctokit = Octokit.plugin(retry, throttling);
type GitHub = InstanceType<typeof PluggedOctokit>;

const REPO = { owner: 'octo-org', repo: 'octo-repo' };
const FULL = 'octo-org/octo-repo';
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The throttling plugin spaces writes 1 s apart through module-wide Bottleneck groups; a
 * pass-through limiter keeps these tests fast without changing what reaches the server.
 */
const passThrough = {
  key: () => ({
    schedule: (_opts: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) => fn(...args),
  }),
};

interface Hooks {
  secondary: number[];
  primary: number[];
}

function client(baseUrl: string, token?: string, hooks: Hooks = { secondary: [], primary: [] }): GitHub {
  return new PluggedOctokit({
    baseUrl,
    ...(token ? { auth: token } : {}),
    log: silent,
    // 429 is left to the throttling plugin (which honours retry-after): with plugin-retry's default
    // doNotRetry, the retry plugin (inner hook) would retry it first on its own backoff. 406/409
    // are final answers here too.
    retry: {
      retries: 3,
      retryAfterBaseValue: 50,
      doNotRetry: [400, 401, 403, 404, 406, 409, 410, 422, 429, 451],
    },
    throttle: {
      write: passThrough as never,
      notifications: passThrough as never,
      onSecondaryRateLimit: (retryAfter: number, _o: unknown, _k: unknown, retryCount: number) => {
        hooks.secondary.push(retryAfter);
        return retryCount < 2;
      },
      onRateLimit: (retryAfter: number, _o: unknown, _k: unknown, retryCount: number) => {
        hooks.primary.push(retryAfter);
        return retryCount < 2;
      },
    },
  });
}

function files(n: number): PullFile[] {
  return Array.from({ length: n }, (_, i) => ({
    filename: `src/file-${i}.ts`,
    status: 'modified' as const,
    additions: 1,
    deletions: 1,
    patch: `@@ -1,2 +1,2 @@\n context\n-old ${i}\n+new ${i}`,
  }));
}

function seedPr(gh: FakeGitHub, n: number, extra: { number?: number; user?: string } = {}) {
  return gh.state.addPullRequest({
    title: `PR with ${n} files`,
    body: 'Please review',
    user: extra.user ?? 'alice',
    head: { ref: `feature-${n}`, sha: fakeSha(`head-${n}`) },
    base: { ref: 'main', sha: fakeSha('base') },
    files: files(n),
    ...(extra.number ? { number: extra.number } : {}),
  });
}

let gh: FakeGitHub;

beforeEach(async () => {
  gh = await startFakeGitHub({ users: { alice: 'User', bob: 'User' }, tokens: { 'tok-alice': 'alice' } });
});

afterEach(async () => {
  await gh.close();
});

describe.each([
  ['root', ''],
  ['GHES prefix', '/api/v3'],
])('served at %s', (_name, prefix) => {
  let octokit: GitHub;
  beforeEach(() => {
    octokit = client(gh.url + prefix, 'tok-alice');
  });

  it('pages PR files like GitHub (Link header with the caller prefix, 3000 cap)', async () => {
    const pr = seedPr(gh, 250);
    const all = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...REPO,
      pull_number: pr.number,
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect(all[249]?.filename).toBe('src/file-249.ts');

    const first = await octokit.rest.pulls.listFiles({ ...REPO, pull_number: pr.number, per_page: 100 });
    const base = `${gh.url}${prefix}/repos/${FULL}/pulls/${pr.number}/files`;
    expect(first.headers.link).toBe(
      `<${base}?per_page=100&page=2>; rel="next", <${base}?per_page=100&page=3>; rel="last"`,
    );
    const middle = await octokit.rest.pulls.listFiles({
      ...REPO,
      pull_number: pr.number,
      per_page: 100,
      page: 2,
    });
    expect(middle.headers.link).toBe(
      `<${base}?per_page=100&page=1>; rel="prev", <${base}?per_page=100&page=3>; rel="next", ` +
        `<${base}?per_page=100&page=3>; rel="last", <${base}?per_page=100&page=1>; rel="first"`,
    );
    expect(
      gh.requestsTo('GET', `/repos/${FULL}/pulls/${pr.number}/files`).every((r) => r.prefix === prefix),
    ).toBe(true);

    const huge = seedPr(gh, 3100);
    const capped = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...REPO,
      pull_number: huge.number,
      per_page: 100,
    });
    expect(capped).toHaveLength(3000);
  });

  it('answers the diff media type with the unified diff', async () => {
    const pr = seedPr(gh, 2);
    const { data, headers } = await octokit.rest.pulls.get({
      ...REPO,
      pull_number: pr.number,
      mediaType: { format: 'diff' },
    });
    expect(headers['content-type']).toBe('text/plain; charset=utf-8');
    const diff = data as unknown as string;
    expect(diff).toContain('diff --git a/src/file-0.ts b/src/file-0.ts\n');
    expect(diff).toContain(
      '--- a/src/file-1.ts\n+++ b/src/file-1.ts\n@@ -1,2 +1,2 @@\n context\n-old 1\n+new 1\n',
    );

    const json = await octokit.rest.pulls.get({ ...REPO, pull_number: pr.number });
    expect(json.data).toMatchObject({
      number: pr.number,
      user: { login: 'alice', type: 'User' },
      head: { ref: 'feature-2', repo: { full_name: FULL, fork: false } },
      base: { ref: 'main', repo: { full_name: FULL } },
      changed_files: 2,
      author_association: 'NONE',
    });
    // The PR also answers on the issues endpoint, with a pull_request key.
    const asIssue = await octokit.rest.issues.get({ ...REPO, issue_number: pr.number });
    expect(asIssue.data.pull_request?.html_url).toBe(`https://github.com/${FULL}/pull/${pr.number}`);

    const big = seedPr(gh, 301);
    await expect(
      octokit.rest.pulls.get({ ...REPO, pull_number: big.number, mediaType: { format: 'diff' } }),
    ).rejects.toMatchObject({ status: 406 });
  });
});

describe('pull request shape', () => {
  it('describes a fork PR from an outside contributor and a same-repo PR from a member', async () => {
    const octokit = client(gh.url, 'tok-alice');
    gh.state.setPermission(FULL, 'alice', 'write');
    const fork = gh.state.addPullRequest({
      title: 'From a fork',
      body: null,
      user: 'mallory',
      head: { ref: 'main', sha: fakeSha('fork'), repoFullName: 'mallory/octo-repo' },
      base: { ref: 'main', sha: fakeSha('base') },
      labels: ['external'],
    });
    const own = seedPr(gh, 1);
    const [a, b] = await Promise.all([
      octokit.rest.pulls.get({ ...REPO, pull_number: fork.number }),
      octokit.rest.pulls.get({ ...REPO, pull_number: own.number }),
    ]);
    expect(a.data).toMatchObject({
      head: { label: 'mallory:main', repo: { full_name: 'mallory/octo-repo', fork: true } },
      author_association: 'NONE',
      labels: [{ name: 'external' }],
      user: { login: 'mallory', type: 'User' },
    });
    expect(b.data).toMatchObject({ head: { repo: { fork: false } }, author_association: 'MEMBER' });
    expect(own.number).toBe(fork.number + 1);
  });
});

describe('issue comments and reactions', () => {
  it('creates, edits and lists comments as the token identity', async () => {
    const octokit = client(gh.url, 'tok-alice');
    const issue = gh.state.addIssue({ title: 'Bug', body: 'It breaks', user: 'bob' });
    const ids: number[] = [];
    for (const body of ['one', 'two', 'three']) {
      const { status, data } = await octokit.rest.issues.createComment({
        ...REPO,
        issue_number: issue.number,
        body,
      });
      expect(status).toBe(201);
      expect(data.user?.login).toBe('alice');
      ids.push(data.id);
    }
    expect(ids[1]! > ids[0]! && ids[2]! > ids[1]!).toBe(true);

    const edited = await octokit.rest.issues.updateComment({
      ...REPO,
      comment_id: ids[1]!,
      body: 'two (edited)',
    });
    expect(edited.data.body).toBe('two (edited)');

    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...REPO,
      issue_number: issue.number,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(['one', 'two (edited)', 'three']);
    expect(gh.requestsTo('GET', /\/issues\/\d+\/comments$/)).toHaveLength(2);

    await octokit.rest.issues.deleteComment({ ...REPO, comment_id: ids[0]! });
    await expect(octokit.rest.issues.getComment({ ...REPO, comment_id: ids[0]! })).rejects.toMatchObject({
      status: 404,
    });

    // An unknown token acts as github-actions[bot].
    const bot = client(gh.url, 'ghp_unknown');
    const { data } = await bot.rest.issues.createComment({
      ...REPO,
      issue_number: issue.number,
      body: 'from CI',
    });
    expect(data.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
  });

  it('answers 201 for a new reaction and 200 for the same one again', async () => {
    const octokit = client(gh.url, 'tok-alice');
    const issue = gh.state.addIssue({ title: 'Q', user: 'bob' });
    const comment = gh.state.addIssueComment({
      issue_number: issue.number,
      body: '/claude help',
      user: 'bob',
    });
    const first = await octokit.rest.reactions.createForIssueComment({
      ...REPO,
      comment_id: comment.id,
      content: 'eyes',
    });
    const again = await octokit.rest.reactions.createForIssueComment({
      ...REPO,
      comment_id: comment.id,
      content: 'eyes',
    });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.data.id).toBe(first.data.id);
    const list = await octokit.rest.reactions.listForIssueComment({ ...REPO, comment_id: comment.id });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.user?.login).toBe('alice');
  });
});

describe('reviews', () => {
  it('stores a review with line comments and refuses lines outside the diff', async () => {
    const octokit = client(gh.url, 'ghs_ci');
    const pr = seedPr(gh, 1);
    const { data } = await octokit.rest.pulls.createReview({
      ...REPO,
      pull_number: pr.number,
      event: 'COMMENT',
      body: 'Looks fine',
      comments: [{ path: 'src/file-0.ts', line: 2, side: 'RIGHT', body: 'nit' }],
    });
    expect(data.state).toBe('COMMENTED');
    const comments = await octokit.rest.pulls.listReviewComments({ ...REPO, pull_number: pr.number });
    expect(comments.data).toHaveLength(1);
    expect(comments.data[0]).toMatchObject({
      path: 'src/file-0.ts',
      line: 2,
      pull_request_review_id: data.id,
    });

    await expect(
      octokit.rest.pulls.createReview({
        ...REPO,
        pull_number: pr.number,
        event: 'COMMENT',
        comments: [{ path: 'src/file-0.ts', line: 40, body: 'out of diff' }],
      }),
    ).rejects.toMatchObject({ status: 422 });
  });
});

describe('actions', () => {
  it('dispatches a workflow, lists the queued run, cancels it once', async () => {
    const octokit = client(gh.url, 'ghs_app');
    const inputs = {
      command: 'review',
      pr_number: '7',
      comment_id: '1',
      head_sha: 'abc',
      requested_by: 'alice',
    };
    const dispatched = await octokit.rest.actions.createWorkflowDispatch({
      ...REPO,
      workflow_id: 'claude.yml',
      ref: 'main',
      inputs,
    });
    expect(dispatched.status).toBe(204);
    expect(gh.state.dispatches).toEqual([
      expect.objectContaining({ repo: FULL, workflow: 'claude.yml', ref: 'main', inputs }),
    ]);

    const runs = await octokit.rest.actions.listWorkflowRunsForRepo({
      ...REPO,
      status: 'queued',
      event: 'workflow_dispatch',
    });
    expect(runs.data.total_count).toBe(1);
    const run = runs.data.workflow_runs[0]!;
    expect(run).toMatchObject({
      status: 'queued',
      conclusion: null,
      event: 'workflow_dispatch',
      head_branch: 'main',
    });

    const cancelled = await octokit.rest.actions.cancelWorkflowRun({ ...REPO, run_id: run.id });
    expect(cancelled.status).toBe(202);
    const after = await octokit.rest.actions.getWorkflowRun({ ...REPO, run_id: run.id });
    expect(after.data).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    await expect(octokit.rest.actions.cancelWorkflowRun({ ...REPO, run_id: run.id })).rejects.toMatchObject({
      status: 409,
    });

    await expect(
      octokit.rest.actions.createWorkflowDispatch({ ...REPO, workflow_id: 'missing.yml', ref: 'main' }),
    ).rejects.toMatchObject({ status: 404 });

    gh.state.addJob(run.id, { name: 'claude', log: 'step 1\nstep 2\n' });
    const jobs = await octokit.rest.actions.listJobsForWorkflowRun({ ...REPO, run_id: run.id });
    const log = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
      ...REPO,
      job_id: jobs.data.jobs[0]!.id,
    });
    expect(log.data).toBe('step 1\nstep 2\n');
  });
});

describe('faults', () => {
  it('retries a 502 once; the comment exists exactly once', async () => {
    const octokit = client(gh.url, 'tok-alice');
    const issue = gh.state.addIssue({ title: 'x', user: 'bob' });
    gh.failNext('POST', /\/issues\/\d+\/comments$/, 1, { status: 502 });
    const { status } = await octokit.rest.issues.createComment({
      ...REPO,
      issue_number: issue.number,
      body: 'hello',
    });
    expect(status).toBe(201);
    const calls = gh.requestsTo('POST', /\/issues\/\d+\/comments$/);
    expect(calls.map((c) => [c.status, c.faulted ?? false])).toEqual([
      [502, true],
      [201, false],
    ]);
    expect(gh.state.commentsOf(FULL, issue.number)).toHaveLength(1);
  });

  it('waits out a 429 secondary rate limit (retry-after 1) through the throttling plugin', async () => {
    const hooks: Hooks = { secondary: [], primary: [] };
    const octokit = client(gh.url, 'tok-alice', hooks);
    const issue = gh.state.addIssue({ title: 'x', user: 'bob' });
    gh.failNext('POST', `/repos/${FULL}/issues/${issue.number}/comments`, 1, { status: 429, retryAfter: 1 });
    const started = Date.now();
    await octokit.rest.issues.createComment({ ...REPO, issue_number: issue.number, body: 'hello' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(hooks.secondary).toEqual([1]);
    expect(gh.state.commentsOf(FULL, issue.number)).toHaveLength(1);
    const faulted = gh.requestsTo('POST', /comments$/)[0]!;
    expect(faulted.faulted).toBe(true);
  });

  it('signals a primary rate limit on 403 with x-ratelimit-remaining 0', async () => {
    const hooks: Hooks = { secondary: [], primary: [] };
    const octokit = client(gh.url, 'tok-alice', hooks);
    gh.failNext('GET', `/repos/${FULL}`, 1, { status: 403, rateLimited: true });
    const { data } = await octokit.rest.repos.get(REPO);
    expect(data.full_name).toBe(FULL);
    expect(hooks.primary).toHaveLength(1);
  });

  it('records unknown routes as unmatched 404s and sends GitHub headers', async () => {
    const octokit = client(gh.url, 'tok-alice');
    await expect(octokit.request('GET /repos/{owner}/{repo}/nope', REPO)).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.unmatched().map((r) => r.path)).toEqual([`/repos/${FULL}/nope`]);
    const res = await fetch(`${gh.url}/repos/${FULL}`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    for (const h of [
      'x-ratelimit-remaining',
      'x-ratelimit-limit',
      'x-ratelimit-reset',
      'x-github-request-id',
    ]) {
      expect(res.headers.get(h)).toBeTruthy();
    }
  });
});

describe('GitHub App and permissions', () => {
  it('mints an installation token for one repo, comments as the App bot, revokes it', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2lnbmF0dXJl';
    const app = client(gh.url, jwt);
    expect((await app.rest.apps.getAuthenticated()).data).toMatchObject({ slug: 'claude-relay' });
    const installation = await app.rest.apps.getRepoInstallation(REPO);
    expect(installation.data.id).toBe(1);
    const minted = await app.rest.apps.createInstallationAccessToken({
      installation_id: 1,
      repositories: ['octo-repo'],
    });
    expect(minted.status).toBe(201);
    expect(minted.data.token).toMatch(/^ghs_fake_/);
    await expect(client(gh.url, 'ghp_not_a_jwt').rest.apps.getAuthenticated()).rejects.toMatchObject({
      status: 401,
    });

    const bot = client(gh.url, minted.data.token);
    const issue = gh.state.addIssue({ title: 'x', user: 'bob' });
    const { data } = await bot.rest.issues.createComment({
      ...REPO,
      issue_number: issue.number,
      body: 'result',
    });
    expect(data.user).toMatchObject({ login: 'claude-relay[bot]', type: 'Bot' });
    expect(data.performed_via_github_app?.slug).toBe('claude-relay');
    await expect(bot.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });

    expect((await bot.rest.apps.revokeInstallationAccessToken()).status).toBe(204);
    await expect(bot.rest.issues.get({ ...REPO, issue_number: issue.number })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('answers collaborator permission like GitHub', async () => {
    const octokit = client(gh.url, 'tok-alice');
    const levels = [
      ['admin', 'admin'],
      ['maintain', 'write'],
      ['write', 'write'],
      ['triage', 'read'],
      ['read', 'read'],
      ['none', 'none'],
    ] as const;
    for (const [role, permission] of levels) {
      gh.state.setPermission(FULL, `user-${role}`, role);
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        ...REPO,
        username: `user-${role}`,
      });
      expect([data.permission, data.role_name, data.user?.login]).toEqual([permission, role, `user-${role}`]);
    }
    const known = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...REPO, username: 'bob' });
    expect(known.data.permission).toBe('read');
    await expect(
      octokit.rest.repos.getCollaboratorPermissionLevel({ ...REPO, username: 'ghost' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('serves config files base64-encoded, per ref when seeded so', async () => {
    const octokit = client(gh.url, 'tok-alice');
    gh.state.addFile('.github/claude-relay.yml', 'model: base\n');
    gh.state.addFile('.github/claude-relay.yml', 'model: head\n', { ref: 'feature' });
    const read = async (ref: string) => {
      const { data } = await octokit.rest.repos.getContent({
        ...REPO,
        path: '.github/claude-relay.yml',
        ref,
      });
      const file = data as { type: string; encoding: string; content: string };
      expect(file).toMatchObject({ type: 'file', encoding: 'base64' });
      return Buffer.from(file.content, 'base64').toString('utf8');
    };
    expect(await read('main')).toBe('model: base\n');
    expect(await read('feature')).toBe('model: head\n');
    await expect(octokit.rest.repos.getContent({ ...REPO, path: 'nope.yml' })).rejects.toMatchObject({
      status: 404,
    });
  });
});
