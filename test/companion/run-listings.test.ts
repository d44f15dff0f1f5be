/**
 * Run listings shared by the dispatch decisions that run at once (src/companion/run-listings.ts):
 * the rule on its own, then the built companion against the fake GitHub. A burst of comments on
 * many PRs of one repository makes fewer listings than one set per comment, and each PR is still
 * decided on its own runs; a listing asked for before a decision held its PR's lock is never used
 * by that decision.
 */
import type { CoreGitHub } from '../../src/core/github';
import { SharedRunListings } from '../../src/companion/run-listings';
import type { FakeGitHub } from '../support/fake-github';
import {
  APP_BOT,
  REPO,
  addPullRequests,
  deliver,
  prComment,
  spawnCompanion,
  startWorld,
  type CompanionProcess,
} from './harness';

/** A client whose run listings `list` answers; `asked` counts the requests. */
function countingClient(list: () => Promise<unknown>) {
  let asked = 0;
  const gh = {
    rest: {
      actions: {
        listWorkflowRuns: () => {
          asked++;
          return list();
        },
      },
    },
  } as unknown as CoreGitHub;
  return { gh, asked: () => asked };
}

/** A client whose listings wait until the test answers them. */
function slowLister() {
  const waiting: Array<(runs: unknown[]) => void> = [];
  const client = countingClient(
    () => new Promise((resolve) => waiting.push((runs) => resolve({ data: { workflow_runs: runs } }))),
  );
  return {
    ...client,
    answerAll: (runs: unknown[] = []) => waiting.splice(0).forEach((answer) => answer(runs)),
  };
}

const params = { owner: 'o', repo: 'r', workflow_id: 'claude.yml', status: 'queued' as const, per_page: 100 };

describe('SharedRunListings', () => {
  it('a decision joins a listing asked for after it held its lock, in any parameter order', async () => {
    let clock = 0;
    const listings = new SharedRunListings(() => clock);
    const api = slowLister();
    const a = listings.listerFrom(api.gh, '1:o/r');
    const b = listings.listerFrom(api.gh, '1:o/r');
    clock = 1;
    const first = a(params);
    const second = b({ per_page: 100, status: 'queued', workflow_id: 'claude.yml', repo: 'r', owner: 'o' });
    expect(api.asked()).toBe(1);
    api.answerAll([{ id: 7 }]);
    expect(await first).toEqual([{ id: 7 }]);
    expect(await second).toBe(await first);
    expect(listings.size).toBe(0);
  });

  it('never uses a listing asked for before its lock was held', async () => {
    let clock = 0;
    const listings = new SharedRunListings(() => clock);
    const api = slowLister();
    const early = listings.listerFrom(api.gh, '1:o/r')(params);
    clock = 1;
    // Locked after the first listing was asked for: its own listing, which later ones then share.
    const late = listings.listerFrom(api.gh, '1:o/r');
    const own = late(params);
    const again = listings.listerFrom(api.gh, '1:o/r')(params);
    expect(api.asked()).toBe(2);
    api.answerAll([]);
    await Promise.all([early, own, again]);
    expect(await again).toBe(await own);
  });

  it('does not share across installations, repositories or queries, nor once answered', async () => {
    const listings = new SharedRunListings(() => 0);
    const api = slowLister();
    const list = listings.listerFrom(api.gh, '1:o/r');
    void list(params);
    void listings.listerFrom(api.gh, '2:o/r')(params);
    void listings.listerFrom(api.gh, '1:o/other')(params);
    void list({ ...params, status: 'in_progress' as const });
    expect(api.asked()).toBe(4);
    api.answerAll();
    await new Promise((r) => setImmediate(r));
    void list(params);
    expect(api.asked()).toBe(5);
    api.answerAll();
  });

  it('a failed listing fails every decision that shares it, and is not kept', async () => {
    const listings = new SharedRunListings(() => 0);
    const api = countingClient(() =>
      Promise.reject(Object.assign(new Error('Server Error'), { status: 502 })),
    );
    const list = listings.listerFrom(api.gh, '1:o/r');
    const both = [list(params), list(params)];
    await expect(both[0]).rejects.toThrow('Server Error');
    await expect(both[1]).rejects.toThrow('Server Error');
    expect(api.asked()).toBe(1);
    expect(listings.size).toBe(0);
  });
});

describe('the built companion shares run listings', () => {
  let gh: FakeGitHub;
  let companion: CompanionProcess | undefined;
  beforeEach(async () => {
    gh = await startWorld();
  });
  afterEach(async () => {
    if (companion && companion.child.exitCode === null) {
      companion.child.kill('SIGTERM');
      await companion.exited;
    }
    companion = undefined;
    await gh.close();
  });

  const listings = () => gh.requestsTo('GET', /\/actions\/workflows\/[^/]+\/runs$/);
  const notQueued = (pr: number) =>
    gh.state.commentsOf(REPO, pr).filter((c) => c.user === APP_BOT && c.body.includes('Not queued'));

  async function settled(expected: number): Promise<void> {
    const done = () =>
      gh.state.dispatches.length +
      [...gh.state.issueComments.values()].filter((c) => c.user === APP_BOT && c.body.includes('Not queued'))
        .length;
    for (let i = 0; i < 300 && done() < expected; i++) await new Promise((r) => setTimeout(r, 100));
    // Nothing more arrives once every comment is answered.
    await new Promise((r) => setTimeout(r, 500));
  }

  it('a burst on 40 PRs: fewer listings than one set per comment, and each PR decided on its own runs', async () => {
    const prs = addPullRequests(gh, 10, 40);
    // PRs 10…14 already have one run going and one waiting: those comments are not queued.
    const full = new Set(prs.slice(0, 5));
    for (const pr of full) {
      gh.state.addRun({ status: 'in_progress', inputs: { pr_number: String(pr) } });
      gh.state.addRun({ status: 'queued', inputs: { pr_number: String(pr) } });
    }
    // A round trip to GitHub rather than to loopback, so decisions overlap as they do there.
    gh.latencyMs = 40;
    companion = await spawnCompanion(gh, { WRITE_SPACING_MS: '0' });
    const comments = prs.map((pr) => prComment(gh, '/claude review', 'alice', { target: pr }));
    const answers = await Promise.all(
      comments.map((c) => deliver(companion!.webhookUrl, 'issue_comment', c.payload)),
    );
    expect(answers.map((a) => a.status)).toEqual(prs.map(() => 202));
    await settled(prs.length);

    const dispatched = gh.state.dispatches.map((d) => Number(d.inputs.pr_number)).sort((x, y) => x - y);
    expect(dispatched).toEqual(prs.filter((pr) => !full.has(pr)));
    for (const pr of full) expect(notQueued(pr)).toHaveLength(1);
    // Unshared, each comment lists five statuses, and each dispatch lists once more for its run.
    const unshared = prs.length * 5 + (prs.length - full.size);
    expect(listings().length).toBeLessThan(unshared / 2);
  }, 60_000);

  it('a decision does not use a listing asked for before it held its PR lock', async () => {
    const [other] = addPullRequests(gh, 3, 1) as [number];
    // PR 1 has one run going and one waiting: a comment on it is not queued.
    gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1' } });
    gh.state.addRun({ status: 'queued', inputs: { pr_number: '1' } });
    companion = await spawnCompanion(gh, { WRITE_SPACING_MS: '0' });
    // The decision for PR 3 asks first; its five listings of unfinished runs are answered 1.5 s
    // later with no runs, as listings GitHub answered before PR 1's runs started would be.
    gh.failNext('GET', /\/actions\/workflows\/[^/]+\/runs$/, 5, {
      status: 200,
      body: { total_count: 0, workflow_runs: [] },
      delayMs: 1500,
    });
    const early = deliver(
      companion.webhookUrl,
      'issue_comment',
      prComment(gh, '/claude review', 'alice', { target: other }).payload,
    );
    const slow = () => gh.requests.filter((r) => r.faulted).length;
    for (let i = 0; i < 100 && slow() < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(slow()).toBe(5);
    // While it is on its way, a comment on PR 1 is decided: on its own listing.
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    await early;
    await settled(2);
    expect(notQueued(1)).toHaveLength(1);
    expect(gh.state.dispatches.map((d) => d.inputs.pr_number)).toEqual([String(other)]);
  }, 30_000);
});
