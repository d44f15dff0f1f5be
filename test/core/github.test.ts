/**
 * The core's GitHub interface against the loopback fake, through both Octokit flavours as the two
 * surfaces build them: the action's client (`createGitHub`) and Probot's `ProbotOctokit`. Both are
 * passed as they are — the assignments below are the compile-time proof that no cast is needed.
 */
import { ProbotOctokit } from 'probot';
import { reply, threadComments, type CoreGitHub } from '../../src/core/github';
import { activeRunsFor, cancelRuns } from '../../src/commands/runs';
import { createGitHub } from '../../src/github/client';
import { startFakeGitHub, fakeSha, type FakeGitHub } from '../support/fake-github';

const REPO = 'octo-org/octo-repo';
const where = { owner: 'octo-org', repo: 'octo-repo' };
const TOKEN = 'ghs_core_github_test_token';

let gh: FakeGitHub;
const flavours: Array<[string, () => CoreGitHub]> = [
  ['the action client', () => createGitHub({ token: TOKEN, baseUrl: gh.url })],
  ['Probot octokit', () => new ProbotOctokit({ auth: { token: TOKEN }, baseUrl: gh.url })],
];

beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.state.addToken(TOKEN, 'github-actions[bot]', 'Bot');
  gh.state.addPullRequest({
    number: 1,
    title: 'Add the widget',
    user: 'alice',
    head: { ref: 'widget', sha: fakeSha('head') },
    base: { ref: 'main', sha: fakeSha('base') },
  });
});
afterEach(async () => gh.close());

function addReviewComment(inReplyTo?: number): number {
  const id = gh.state.nextId();
  const now = gh.state.now();
  gh.state.reviewComments.set(id, {
    id,
    repo: REPO,
    pull_number: 1,
    review_id: null,
    path: 'src/widget.ts',
    line: 3,
    side: 'RIGHT',
    start_line: null,
    start_side: null,
    subject_type: 'line',
    body: '/claude help',
    user: 'alice',
    commit_id: fakeSha('head'),
    ...(inReplyTo ? { in_reply_to_id: inReplyTo } : {}),
    created_at: now,
    updated_at: now,
  });
  return id;
}

describe.each(flavours)('%s', (_name, client) => {
  it('replies in the conversation, or in a review comment’s thread (its top comment)', async () => {
    const octokit = client();
    const plain = await reply(octokit, { ...where, number: 1 }, 'in the conversation');
    expect(gh.state.commentsOf(REPO, 1).map((c) => [c.id, c.body])).toEqual([
      [plain.id, 'in the conversation'],
    ]);
    expect(plain.url).toContain('#issuecomment-');

    const top = addReviewComment();
    const nested = addReviewComment(top);
    await reply(octokit, { ...where, number: 1, comment: { kind: 'review_comment', id: top } }, 'a');
    await reply(
      octokit,
      { ...where, number: 1, comment: { kind: 'review_comment', id: nested, threadId: top } },
      'b',
    );
    const mine = gh.state.reviewCommentsOf(REPO, 1).filter((c) => c.user === 'github-actions[bot]');
    expect(mine.map((c) => [c.body, c.in_reply_to_id])).toEqual([
      ['a', top],
      ['b', top],
    ]);
    // An issue comment or a review's body is answered in the conversation.
    await reply(octokit, { ...where, number: 1, comment: { kind: 'review', id: 5 } }, 'c');
    expect(gh.state.commentsOf(REPO, 1)).toHaveLength(2);
  });

  it('lists every comment of the conversation across pages, with author and type', async () => {
    for (let i = 0; i < 120; i++) gh.state.addIssueComment({ issue_number: 1, user: 'alice', body: `c${i}` });
    gh.state.addIssueComment({ issue_number: 1, user: 'github-actions[bot]', body: 'last' });
    const comments = await threadComments(client(), { ...where, number: 1 });
    expect(comments).toHaveLength(121);
    expect(comments[0]).toMatchObject({ body: 'c0', authorLogin: 'alice', authorType: 'User' });
    expect(comments.at(-1)).toMatchObject({
      body: 'last',
      authorLogin: 'github-actions[bot]',
      authorType: 'Bot',
    });
    expect(comments.at(-1)?.url).toContain(`#issuecomment-${comments.at(-1)?.id}`);
  });

  it('lists the PR’s unfinished runs and cancels them', async () => {
    gh.state.addWorkflow('claude.yml');
    const running = gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1' } });
    gh.state.addRun({ status: 'completed', inputs: { pr_number: '1' } });
    gh.state.addRun({ status: 'queued', inputs: { pr_number: '2' } });
    const octokit = client();
    const runs = await activeRunsFor(
      octokit,
      { ...where, workflow: 'claude.yml' },
      { kind: 'pull_request', number: 1 },
    );
    expect(runs.map((r) => r.id)).toEqual([running.id]);
    const outcomes = await cancelRuns(octokit, where, runs);
    expect(outcomes).toEqual([{ run: runs[0], ok: true }]);
    expect(gh.requestsTo('POST', /\/actions\/runs\/\d+\/cancel$/).map((r) => r.path)).toEqual([
      `/repos/${REPO}/actions/runs/${running.id}/cancel`,
    ]);
  });
});
