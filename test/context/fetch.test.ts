import { fetchContext, GITHUB_FILE_LIMIT, toPullRequestContext } from '../../src/context/fetch';
import { createGitHub } from '../../src/github/client';
import type { RelayRequest } from '../../src/request/types';
import { fakeSha, startFakeGitHub, type FakeGitHub, type PullFile } from '../support/fake-github';

const FULL = 'octo-org/octo-repo';
let fake: FakeGitHub;

const files = (n: number): PullFile[] =>
  Array.from({ length: n }, (_, i) => ({
    filename: `src/f${i}.ts`,
    status: 'modified',
    additions: 1,
    deletions: 0,
  }));

function addPr(number: number, fileCount: number, headRepo = FULL) {
  fake.state.addPullRequest({
    number,
    title: `PR ${number}`,
    user: 'alice',
    head: { ref: `b${number}`, sha: fakeSha(`head${number}`), repoFullName: headRepo },
    base: { ref: 'main', sha: fakeSha('base') },
    files: files(fileCount),
  });
}

const request = (kind: RelayRequest['target']['kind'], number: number): RelayRequest => ({
  eventName: 'issue_comment',
  owner: 'octo-org',
  repo: 'octo-repo',
  target: { kind, number },
  actor: { login: 'alice', type: 'User' },
  trigger: 'comment',
  command: { name: 'ask', text: '' },
  isPullRequestTarget: false,
});

beforeAll(async () => {
  fake = await startFakeGitHub({ users: { alice: 'User', mallory: 'User' } });
  addPr(1, 250);
  for (let i = 0; i < 120; i++) fake.state.addIssueComment({ issue_number: 1, body: `c${i}`, user: 'alice' });
  addPr(2, GITHUB_FILE_LIMIT + 5);
  addPr(3, 1, 'mallory/octo-repo');
  fake.state.addIssue({ number: 4, title: 'An issue', user: 'alice' });
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

const gh = () => createGitHub({ token: 't', baseUrl: fake.url });

describe('fetchContext', () => {
  it('pages files and comments past 100, in order', async () => {
    const ctx = await fetchContext(gh(), request('pull_request', 1));
    expect(ctx.pr?.files.map((f) => f.filename)).toEqual(files(250).map((f) => f.filename));
    expect(ctx.comments.map((c) => c.body)).toEqual(Array.from({ length: 120 }, (_, i) => `c${i}`));
    expect(fake.requestsTo('GET', `/repos/${FULL}/pulls/1/files`)).toHaveLength(3);
    expect(fake.requestsTo('GET', `/repos/${FULL}/issues/1/comments`)).toHaveLength(2);
    expect(ctx.pr?.isFork).toBe(false);
  });

  it('keeps the 3,000 files GitHub lists and the real changed-file count', async () => {
    const ctx = await fetchContext(gh(), request('pull_request', 2));
    expect(ctx.pr?.files).toHaveLength(GITHUB_FILE_LIMIT);
    expect(ctx.pr?.changedFiles).toBe(GITHUB_FILE_LIMIT + 5);
  });

  it('marks a PR from another repository as a fork', async () => {
    const ctx = await fetchContext(gh(), request('pull_request', 3));
    expect(ctx.pr).toMatchObject({ isFork: true, headRepo: 'mallory/octo-repo' });
  });

  it('reads no PR data for an issue, and nothing for an automation run', async () => {
    const ctx = await fetchContext(gh(), request('issue', 4));
    expect(ctx.pr).toBeUndefined();
    expect(ctx.issue.title).toBe('An issue');
    expect(fake.requestsTo('GET', /\/pulls\//)).toHaveLength(0);
    fake.requests.splice(0);
    await fetchContext(gh(), request('repository', 0));
    expect(fake.requests).toHaveLength(0);
  });
});

describe('toPullRequestContext fork detection', () => {
  type Data = Parameters<typeof toPullRequestContext>[0];
  const data = (head: { id: number; full_name: string } | null): Data =>
    ({
      number: 9,
      title: 't',
      body: null,
      user: { login: 'alice' },
      author_association: 'NONE',
      head: { ref: 'x', sha: 'h', repo: head },
      base: { ref: 'main', sha: 'b', repo: { id: 1, full_name: FULL } },
      labels: [],
      changed_files: 0,
      additions: 0,
      deletions: 0,
    }) as unknown as Data;

  it('goes by repository id: the same name with another id is a fork', () => {
    expect(toPullRequestContext(data({ id: 1, full_name: 'Octo-Org/Octo-Repo' }), 'o', 'r', []).isFork).toBe(
      false,
    );
    expect(toPullRequestContext(data({ id: 2, full_name: FULL }), 'o', 'r', []).isFork).toBe(true);
  });

  it('treats a deleted head repository as a fork', () => {
    expect(toPullRequestContext(data(null), 'o', 'r', [])).toMatchObject({
      isFork: true,
      headRepo: '(deleted fork)',
    });
  });
});
