/**
 * The relay's repo-bound GitHub tools, called by the fake model through the real CLI and the
 * built action: live progress, one COMMENT review with inline comments, CI status, and fixes
 * pushed to the PR branch (or a new branch + draft PR for an issue) on a local bare remote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assistantTurns,
  isMainLoop,
  lastToolResults,
  type MessagesRequest,
  type Turn,
} from '../support/fake-anthropic';
import { git, writeFiles } from '../support/git';
import { issueComment, issueEvent, prOpened } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

/** Plays one tool call per turn, then a final text; records every tool result the model got. */
function play(turns: Turn[], seen: { text: string; is_error: boolean }[]) {
  return (req: MessagesRequest) => {
    if (!isMainLoop(req)) return { text: 'title' };
    seen.push(...lastToolResults(req));
    return turns[assistantTurns(req)] ?? { text: 'Finished.' };
  };
}

const PATCH =
  '@@ -1,3 +1,4 @@\n export const a = 1;\n-export const b = 2;\n+export const b = 3;\n+export const c = 4;\n export const d = 5;';

it('review: progress checklist, one COMMENT review with inline comments, CI status', async () => {
  const seen: { text: string; is_error: boolean }[] = [];
  sc = await startScenario(
    play(
      [
        {
          toolUses: [
            {
              name: 'mcp__relay__update_progress',
              input: { markdown: '- [x] read the diff\n- [ ] comment' },
            },
          ],
        },
        {
          toolUses: [
            {
              name: 'mcp__relay__add_inline_comment',
              input: { path: 'src/app.ts', line: 2, body: 'Why 3?', suggestion: 'export const b = 2;' },
            },
          ],
        },
        {
          toolUses: [
            { name: 'mcp__relay__add_inline_comment', input: { path: 'src/app.ts', line: 3, body: 'Nice.' } },
          ],
        },
        {
          toolUses: [
            {
              name: 'mcp__relay__add_inline_comment',
              input: { path: 'src/app.ts', line: 99, body: 'Off the diff' },
            },
          ],
        },
        { toolUses: [{ name: 'mcp__relay__get_ci_status', input: {} }] },
        { text: 'Review done: two comments.' },
      ],
      seen,
    ),
  );
  const pr = seedPullRequest(sc.github, {
    number: 2,
    files: [
      { filename: 'src/app.ts', status: 'modified', additions: 2, deletions: 1, changes: 3, patch: PATCH },
    ],
  });
  sc.github.state.addCheckRun(pr.head.sha, {
    name: 'unit-tests',
    status: 'completed',
    conclusion: 'failure',
  });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened() });
  expect(res.exitCode).toBe(0);
  // Progress: the relay's comment was edited to show the checklist while the agent worked.
  const edits = sc.github
    .requestsTo('PATCH', /\/issues\/comments\/\d+$/)
    .map((r) => String((r.body as { body: string }).body));
  expect(edits.some((b) => b.includes('- [x] read the diff'))).toBe(true);
  // One review, event COMMENT, with both inline comments at the requested lines.
  const reviews = sc.github.state.reviewsOf(REPO, 2);
  expect(reviews).toHaveLength(1);
  expect(reviews[0]!.state).toBe('COMMENTED');
  const inline = sc.github.state.reviewCommentsOf(REPO, 2);
  expect(inline.map((c) => [c.path, c.line])).toEqual([
    ['src/app.ts', 2],
    ['src/app.ts', 3],
  ]);
  expect(inline[0]!.body).toContain('```suggestion\nexport const b = 2;\n```');
  // The line outside the diff was refused as a tool error the model could read.
  expect(seen.some((r) => r.is_error && /line 99/i.test(r.text))).toBe(true);
  expect(seen.some((r) => !r.is_error && /unit-tests/.test(r.text) && /failure/.test(r.text))).toBe(true);
  expect(sc.github.requestsTo('POST', /\/reviews$/).map((r) => (r.body as { event: string }).event)).toEqual([
    'COMMENT',
  ]);
});

function remoteWithBranch() {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-remote-'));
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  const seed = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-seed-'));
  git(seed, 'init', '-q', '-b', 'main');
  writeFiles(seed, { 'README.md': '# repo\n', 'src/app.ts': 'export const answer = 41;\n' });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'base');
  const baseSha = git(seed, 'rev-parse', 'HEAD');
  git(seed, 'checkout', '-q', '-b', 'feature');
  writeFiles(seed, { 'src/extra.ts': 'export {};\n' });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'feature');
  const headSha = git(seed, 'rev-parse', 'HEAD');
  git(seed, 'push', '-q', bare, 'main', 'feature');
  // The runner's checkout: a clone of the default branch.
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-ws-'));
  git(ws, 'clone', '-q', bare, '.');
  return { bare, ws, baseSha, headSha };
}

function fixer(ws: string): Turn[] {
  return [
    { toolUses: [{ name: 'Read', input: { file_path: path.join(ws, 'src/app.ts') } }] },
    {
      toolUses: [
        {
          name: 'Write',
          input: { file_path: path.join(ws, 'src/app.ts'), content: 'export const answer = 42;\n' },
        },
      ],
    },
    { toolUses: [{ name: 'mcp__relay__commit_and_push', input: { message: 'Fix the answer' } }] },
    { text: 'Fixed and pushed.' },
  ];
}

it('fix: a /claude fix comment ends as a commit on the PR branch with a Co-authored-by trailer', async () => {
  const r = remoteWithBranch();
  const seen: { text: string; is_error: boolean }[] = [];
  sc = await startScenario(play(fixer(r.ws), seen));
  seedPullRequest(sc.github, {
    number: 2,
    head: { ref: 'feature', sha: r.headSha },
    base: { ref: 'main', sha: r.baseSha },
  });
  const res = await sc.run({
    eventName: 'issue_comment',
    payload: issueComment(
      '/claude fix set the answer to 42',
      { issue: { number: 2 } },
      { onPullRequest: true },
    ),
    workspace: r.ws,
  });
  expect(res.exitCode).toBe(0);
  expect(seen.filter((s) => s.is_error)).toEqual([]);
  const log = git(r.bare, 'log', '-1', '--format=%B', 'feature');
  expect(log).toContain('Fix the answer');
  expect(log).toMatch(/Co-authored-by: Codertocat <.*@users\.noreply\.github\.com>/);
  expect(git(r.bare, 'show', 'feature:src/app.ts')).toBe('export const answer = 42;');
  expect(git(r.bare, 'rev-parse', 'feature^')).toBe(r.headSha);
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments[comments.length - 1]!.body).toMatch(/Pushed 1 commit to `feature`/);
});

it('fix on a fork PR: the push is refused with a message the comment shows', async () => {
  const r = remoteWithBranch();
  const seen: { text: string; is_error: boolean }[] = [];
  sc = await startScenario(play(fixer(r.ws), seen));
  seedPullRequest(sc.github, {
    number: 2,
    head: { ref: 'feature', sha: r.headSha, repoFullName: 'mallory/octo-repo' },
    base: { ref: 'main', sha: r.baseSha },
  });
  const res = await sc.run({
    eventName: 'issue_comment',
    payload: issueComment(
      '/claude fix set the answer to 42',
      { issue: { number: 2 } },
      { onPullRequest: true },
    ),
    workspace: r.ws,
  });
  expect(res.exitCode).toBe(0);
  expect(seen.some((s) => s.is_error && /fork/i.test(s.text))).toBe(true);
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments[comments.length - 1]!.body).toMatch(/Changes were not pushed: .*fork/i);
  expect(git(r.bare, 'rev-parse', 'feature')).toBe(r.headSha);
});

it('an issue task gets a claude/issue-<n>-<slug> branch and a draft PR that links the issue', async () => {
  const r = remoteWithBranch();
  const seen: { text: string; is_error: boolean }[] = [];
  sc = await startScenario(play(fixer(r.ws), seen));
  sc.github.state.addIssue({
    number: 7,
    title: 'Answer should be 42',
    body: '/claude make the answer 42',
    user: 'Codertocat',
  });
  const res = await sc.run({
    eventName: 'issues',
    payload: issueEvent('opened', {
      issue: { number: 7, title: 'Answer should be 42', body: '/claude make the answer 42' },
    }),
    workspace: r.ws,
  });
  expect(res.exitCode).toBe(0);
  expect(seen.filter((s) => s.is_error)).toEqual([]);
  const branches = git(r.bare, 'branch', '--format=%(refname:short)').split('\n');
  const branch = branches.find((b) => b.startsWith('claude/issue-7-'));
  expect(branch).toBe('claude/issue-7-answer-should-be-42');
  const pulls = sc.github.requestsTo('POST', /\/pulls$/);
  expect(pulls).toHaveLength(1);
  expect(pulls[0]!.body).toMatchObject({ head: branch, base: 'main', draft: true });
  expect(String((pulls[0]!.body as { body: string }).body)).toContain('Closes #7');
});
