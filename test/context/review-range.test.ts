import { fetchContext, type RunContext } from '../../src/context/fetch';
import { reviewScope } from '../../src/context/review-range';
import { renderMarker } from '../../src/core/ledger';
import { createGitHub } from '../../src/github/client';
import type { RelayRequest } from '../../src/request/types';
import { fakeSha, GITHUB_ACTIONS_BOT, startFakeGitHub, type FakeGitHub } from '../support/fake-github';

const FULL = 'octo-org/octo-repo';
const HEAD = fakeSha('head');
const OLD = fakeSha('old');
let fake: FakeGitHub;

const push = (over: Partial<RelayRequest> = {}): RelayRequest => ({
  eventName: 'pull_request',
  action: 'synchronize',
  owner: 'octo-org',
  repo: 'octo-repo',
  target: { kind: 'pull_request', number: 1 },
  actor: { login: 'alice', type: 'User' },
  trigger: 'event',
  command: { name: 'review', text: '' },
  isPullRequestTarget: false,
  ...over,
});

const reviewed = (head: string) =>
  `Looks fine.\n${renderMarker({ v: 1, status: 'done', run_id: '1', conclusion: 'success', head_sha: head })}`;

beforeAll(async () => {
  fake = await startFakeGitHub({ users: { alice: 'User' } });
  fake.state.addPullRequest({
    number: 1,
    title: 'PR',
    user: 'alice',
    head: { ref: 'feature', sha: HEAD },
    base: { ref: 'main', sha: fakeSha('base') },
    files: [{ filename: 'a.ts', status: 'modified', additions: 1, deletions: 0 }],
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

async function scope(lastHead: string | undefined, req = push()) {
  const gh = createGitHub({ token: 't', baseUrl: fake.url });
  const context: RunContext = await fetchContext(gh, req);
  if (lastHead) {
    // The relay's record from an earlier run, as the context would hold it.
    context.comments.push({
      id: 99,
      author: GITHUB_ACTIONS_BOT,
      authorType: 'Bot',
      body: reviewed(lastHead),
      createdAt: '',
    });
  }
  fake.requests.splice(0);
  return reviewScope({ gh, req, pr: context.pr!, context, selfLogins: [GITHUB_ACTIONS_BOT] });
}

describe('reviewScope', () => {
  it('reviews only the changes since the last reviewed head of a push', async () => {
    fake.state.addCompare(FULL, OLD, HEAD, {
      files: [{ filename: 'b.ts', status: 'added', additions: 2, deletions: 0, patch: '@@ -0,0 +1,2 @@' }],
    });
    const s = await scope(OLD);
    expect(s.range).toMatchObject({
      from: OLD,
      to: HEAD,
      files: [{ filename: 'b.ts', patch: '@@ -0,0 +1,2 @@' }],
    });
    expect(s.note).toContain(`${OLD.slice(0, 7)}…${HEAD.slice(0, 7)} (1 file)`);
  });

  it('reviews the whole PR after a force-push', async () => {
    const gone = fakeSha('rebased-away');
    fake.state.addCompare(FULL, gone, HEAD, { status: 'diverged', files: [] });
    const s = await scope(gone);
    expect(s.range).toBeUndefined();
    expect(s.note).toContain('not an ancestor');
  });

  it('reviews the whole PR, saying why, when the comparison fails', async () => {
    const unknown = fakeSha('unknown');
    const s = await scope(unknown);
    expect(s.range).toBeUndefined();
    expect(s.note).toContain(`failed (GitHub API 404 Not Found`);
    expect(s.note).toContain(`/compare/${unknown}...${HEAD})`);
  });

  it('asks nothing when the head has not moved, there is no record, or it is not a push review', async () => {
    expect((await scope(HEAD)).note).toContain('the head has not moved');
    expect(await scope(undefined)).toEqual({});
    expect(await scope(OLD, push({ trigger: 'comment', action: 'created' }))).toEqual({});
    expect(fake.requestsTo('GET', /\/compare\//)).toHaveLength(0);
  });
});
