/**
 * commit_and_push against a local bare remote: pushes to the PR head with the requester credited,
 * refuses forks, a moved head and protected paths, and opens a draft PR for an issue.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FakeGitHub } from '../support/fake-github';
import type { GitHub } from '../../src/github/client';
import { checkoutPrHead, commitMessage, issueBranch, protectedPushPath } from '../../src/tools';
import {
  REPO,
  build,
  connect,
  gitFixture,
  issueRequest,
  prRecord,
  prRequest,
  sh,
  startGitHub,
  type Connected,
  type GitFixture,
} from './helpers';

let fake: FakeGitHub;
let gh: GitHub;
let fx: GitFixture;
let c: Connected | undefined;

/** A fake GitHub and a git remote + workspace for each test of a describe block. */
function withRepo(): void {
  beforeEach(async () => {
    ({ fake, gh } = await startGitHub());
    fx = gitFixture();
  });
  afterEach(async () => {
    await c?.close();
    c = undefined;
    await fake.close();
    fx.cleanup();
  });
}

function editPr(over: Parameters<typeof build>[0] extends infer O ? Partial<O> : never = {}) {
  return build({
    gh,
    req: prRequest(),
    pr: prRecord({ headSha: fx.head }),
    workspace: fx.workspace,
    profile: 'edit',
    ...over,
  });
}

const remoteLog = (ref: string) => sh(fx.remote, 'log', '-1', '--format=%H%n%an <%ae>%n%B', ref);

describe('helpers', () => {
  it('slugs issue titles into claude/issue-<n>-<slug>', () => {
    expect(issueBranch(7, 'Crash when the Config file is EMPTY!! (v2.1)')).toBe(
      'claude/issue-7-crash-when-the-config-file-is-empty-v2-1',
    );
    expect(issueBranch(8, 'x'.repeat(100))).toBe(`claude/issue-8-${'x'.repeat(40)}`);
    expect(issueBranch(9, '$(rm -rf /); `id`')).toBe('claude/issue-9-rm-rf-id');
    expect(issueBranch(10, '日本語')).toBe('claude/issue-10-changes');
    expect(issueBranch(11, 'a'.repeat(39) + ' b')).toBe(`claude/issue-11-${'a'.repeat(39)}`);
  });

  it('knows the protected paths', () => {
    expect(protectedPushPath('.github/workflows/ci.yml')).toMatch(/workflow/);
    expect(protectedPushPath('.GitHub/Workflows/x.yml')).toMatch(/workflow/);
    expect(protectedPushPath('vendor/lib/.git/config')).toMatch(/\.git/);
    expect(protectedPushPath('.claude/settings.json')).toMatch(/\.claude/);
    expect(protectedPushPath('.github/dependabot.yml')).toMatch(/\.github/);
    expect(protectedPushPath('docs/claude.MD')).toMatch(/CLAUDE\.md/);
    expect(protectedPushPath('.mcp.json')).toMatch(/allow_config_writes/);
    expect(protectedPushPath('.mcp.json', { allowConfigWrites: true })).toBeUndefined();
    expect(protectedPushPath('a/.git/hooks/x', { allowConfigWrites: true })).toMatch(/never pushed/);
    expect(protectedPushPath('src/.gitignore')).toBeUndefined();
  });

  it('builds the message with a Co-authored-by trailer and drops forged attribution', () => {
    expect(
      commitMessage('Fix it\n\nCo-authored-by: evil <e@x>\nDetails', { login: 'octocat', id: 583231 }),
    ).toBe('Fix it\n\nDetails\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>\n');
    expect(commitMessage('Fix', { login: 'bad login <x>' })).toBe('Fix\n');
  });
});

describe('commit_and_push on a pull request', () => {
  withRepo();

  it('commits the working tree to the head branch with the requester as co-author', async () => {
    const { built } = editPr();
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'one\ntwo\nthree\n');
    fs.mkdirSync(path.join(fx.workspace, 'docs'));
    fs.writeFileSync(path.join(fx.workspace, 'docs', 'new.md'), '# New\n');
    const r = await c.call('commit_and_push', { message: 'Add three\n\nAlso document it.' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/Committed 2 files as [0-9a-f]{12} and pushed it to feature\./);
    const log = remoteLog('feature');
    expect(log).toContain('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>');
    expect(log).toContain(
      'Add three\n\nAlso document it.\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>',
    );
    expect(sh(fx.remote, 'rev-parse', 'feature~1')).toBe(fx.head);
    expect(sh(fx.remote, 'show', 'feature:docs/new.md')).toBe('# New');

    // A follow-up commit in the same run builds on what the run pushed.
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'one\ntwo\nthree\nfour\n');
    const again = await c.call('commit_and_push', { message: 'Add four' });
    expect(again.isError).toBe(false);
    expect(sh(fx.remote, 'rev-parse', 'feature~2')).toBe(fx.head);
    const flushed = await built.flush();
    expect(flushed.pushed).toEqual({
      branch: 'feature',
      sha: sh(fx.remote, 'rev-parse', 'feature'),
      commits: 2,
    });

    const none = await c.call('commit_and_push', { message: 'Nothing' });
    expect(none.isError).toBe(true);
    expect(none.text).toContain('no changes');
  });

  it('refuses a pull request from a fork', async () => {
    const { built } = editPr({
      pr: prRecord({ headSha: fx.head, isFork: true, headRepo: 'someone/octo-repo' }),
    });
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'changed\n');
    const r = await c.call('commit_and_push', { message: 'Change' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('comes from a fork (someone/octo-repo)');
    expect(sh(fx.remote, 'rev-parse', 'feature')).toBe(fx.head);
  });

  it('refuses when the remote head moved since authorization, leaving the work in place', async () => {
    const other = path.join(fx.root, 'other');
    sh(fx.root, 'clone', '-q', '--branch', 'feature', fx.remote, other);
    fs.writeFileSync(path.join(other, 'other.txt'), 'someone else\n');
    sh(other, 'add', '-A');
    sh(other, 'commit', '-q', '-m', 'someone else pushed');
    sh(other, 'push', '-q', 'origin', 'feature');
    const moved = sh(fx.remote, 'rev-parse', 'feature');

    const { built } = editPr();
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'mine\n');
    const r = await c.call('commit_and_push', { message: 'Mine' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`moved on the remote since this run was authorized (now ${moved.slice(0, 12)}`);
    expect(r.text).toContain('never force-pushes');
    expect(sh(fx.remote, 'rev-parse', 'feature')).toBe(moved);
    expect(sh(fx.workspace, 'rev-parse', 'HEAD')).toBe(fx.head);
    expect(fs.readFileSync(path.join(fx.workspace, 'app.txt'), 'utf8')).toBe('mine\n');
    expect(sh(fx.workspace, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('refuses when the checkout is not at the authorized head', async () => {
    const { built } = editPr({ pr: prRecord({ headSha: fx.base }) });
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'x\n');
    const r = await c.call('commit_and_push', { message: 'X' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('The checkout is at');
  });

  it('refuses workflow changes and leaves nothing staged', async () => {
    const { built } = editPr();
    c = await connect(built);
    fs.mkdirSync(path.join(fx.workspace, '.github', 'workflows'), { recursive: true });
    fs.writeFileSync(path.join(fx.workspace, '.github', 'workflows', 'evil.yml'), 'on: push\n');
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'fine\n');
    const r = await c.call('commit_and_push', { message: 'Sneak a workflow in' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('.github/workflows/evil.yml: .github/ (workflows and repository automation)');
    expect(sh(fx.remote, 'rev-parse', 'feature')).toBe(fx.head);
    expect(sh(fx.workspace, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('reports a rejected push and keeps the changes uncommitted', async () => {
    fs.writeFileSync(
      path.join(fx.remote, 'hooks', 'pre-receive'),
      '#!/bin/sh\necho "denied by policy" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const { built } = editPr();
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'x\n');
    const r = await c.call('commit_and_push', { message: 'X' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Pushing to feature failed');
    expect(r.text).toContain('denied by policy');
    expect(sh(fx.workspace, 'rev-parse', 'HEAD')).toBe(fx.head);
    expect(sh(fx.workspace, 'status', '--porcelain')).toBe('M app.txt');
  });

  it('is not offered in the read-only profile', async () => {
    const { built } = editPr({ profile: 'read-only' });
    c = await connect(built);
    const r = await c.call('commit_and_push', { message: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/not found/i);
  });
});

describe('commit_and_push on an issue', () => {
  withRepo();

  it('pushes claude/issue-<n>-<slug> from the checkout and opens a draft PR that closes the issue', async () => {
    fake.state.addIssue({ number: 7, title: 'Crash on empty config', user: 'octocat' });
    // An issue run works on the default branch.
    sh(fx.workspace, 'checkout', '-q', 'main');
    const { built } = build({
      gh,
      req: issueRequest(7, 'Crash on empty config'),
      pr: undefined,
      workspace: fx.workspace,
      profile: 'edit',
    });
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'config.txt'), 'default\n');
    const r = await c.call('commit_and_push', {
      message: 'Handle an empty config\n\nFalls back to defaults.',
    });
    expect(r.isError).toBe(false);
    const branch = 'claude/issue-7-crash-on-empty-config';
    expect(r.text).toContain(`pushed to ${branch} and opened draft pull request #8`);
    expect(sh(fx.remote, 'rev-parse', `${branch}~1`)).toBe(fx.base);
    expect(remoteLog(branch)).toContain('Co-authored-by: octocat <583231+octocat@users.noreply.github.com>');

    const posts = fake.requestsTo('POST', '/repos/octo-org/octo-repo/pulls');
    expect(posts).toHaveLength(1);
    const body = posts[0]!.body as {
      head: string;
      base: string;
      draft: boolean;
      title: string;
      body: string;
    };
    expect(body).toMatchObject({ head: branch, base: 'main', draft: true, title: 'Handle an empty config' });
    expect(body.body).toMatch(/^Closes #7\n\nFalls back to defaults\./);
    const pr = fake.state.pull(REPO, 8)!;
    expect(pr.draft).toBe(true);
    expect(pr.head.ref).toBe(branch);

    // A second push goes to the same branch; no second PR.
    fs.writeFileSync(path.join(fx.workspace, 'config.txt'), 'default\nmore\n');
    const again = await c.call('commit_and_push', { message: 'More' });
    expect(again.text).toContain(`pushed it to ${branch} (draft PR #8)`);
    expect(fake.requestsTo('POST', '/repos/octo-org/octo-repo/pulls')).toHaveLength(1);
    expect((await built.flush()).pushed).toMatchObject({ branch, commits: 2, pullRequest: { number: 8 } });
  });

  it('picks a free branch name when the slug branch exists', async () => {
    sh(fx.workspace, 'push', '-q', 'origin', 'origin/main:refs/heads/claude/issue-3-docs');
    sh(fx.workspace, 'checkout', '-q', 'main');
    fake.state.addIssue({ number: 3, title: 'Docs', user: 'octocat' });
    const { built } = build({
      gh,
      req: issueRequest(3, 'Docs'),
      pr: undefined,
      workspace: fx.workspace,
      profile: 'edit',
    });
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'docs.md'), 'docs\n');
    const r = await c.call('commit_and_push', { message: 'Docs' });
    expect(r.text).toContain('claude/issue-3-docs-2');
  });

  it('keeps the pushed branch and retries the PR when opening it failed', async () => {
    fake.state.addIssue({ number: 4, title: 'Thing', user: 'octocat' });
    sh(fx.workspace, 'checkout', '-q', 'main');
    fake.failNext('POST', '/repos/octo-org/octo-repo/pulls', 1, {
      status: 403,
      body: { message: 'GitHub Actions is not permitted to create or approve pull requests.' },
    });
    const { built } = build({
      gh,
      req: issueRequest(4, 'Thing'),
      pr: undefined,
      workspace: fx.workspace,
      profile: 'edit',
    });
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'thing.txt'), 'thing\n');
    const r = await c.call('commit_and_push', { message: 'Thing' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('pushed to claude/issue-4-thing, but opening the draft pull request failed');
    expect(r.text).toContain('not permitted');
    const retry = await c.call('commit_and_push', { message: 'Thing' });
    expect(retry.isError).toBe(false);
    expect(retry.text).toContain('opened draft pull request');
  });
});

describe('checkoutPrHead', () => {
  withRepo();

  it('moves a default-branch checkout to the authorized PR head, and refuses a moved branch', async () => {
    sh(fx.workspace, 'checkout', '-q', '--detach', fx.base);
    expect(await checkoutPrHead({ workspace: fx.workspace, branch: 'feature', sha: fx.head })).toEqual({
      ok: true,
      changed: true,
    });
    expect(sh(fx.workspace, 'rev-parse', 'HEAD')).toBe(fx.head);
    expect(await checkoutPrHead({ workspace: fx.workspace, branch: 'feature', sha: fx.head })).toEqual({
      ok: true,
      changed: false,
    });
    const moved = await checkoutPrHead({ workspace: fx.workspace, branch: 'feature', sha: fx.base });
    expect(moved).toEqual({ ok: false, reason: expect.stringContaining('not at the authorized head') });
    expect(sh(fx.workspace, 'rev-parse', 'HEAD')).toBe(fx.head);
  });

  it('lets commit_and_push push after an issue_comment-style checkout of the default branch', async () => {
    sh(fx.workspace, 'checkout', '-q', '--detach', fx.base);
    const r = await checkoutPrHead({ workspace: fx.workspace, branch: 'feature', sha: fx.head });
    expect(r.ok).toBe(true);
    const { built } = editPr();
    c = await connect(built);
    fs.writeFileSync(path.join(fx.workspace, 'app.txt'), 'fixed\n');
    expect((await c.call('commit_and_push', { message: 'Fix' })).isError).toBe(false);
    expect(sh(fx.remote, 'rev-parse', 'feature~1')).toBe(fx.head);
  });
});
