/**
 * The one-waiting-run rule under concurrency, over real HTTP: simultaneous `/claude` comments on
 * one PR, delivered to two replicas that share nothing but GitHub, dispatch exactly as many runs
 * as the rule allows (one running + one waiting) and answer the rest "not queued".
 */
import { fakeSha, type FakeGitHub } from '../support/fake-github';
import { APP_BOT, PR, REPO, deliver, prComment, startCompanion, startWorld, type Companion } from './harness';

let gh: FakeGitHub;
const started: Companion[] = [];

beforeEach(async () => {
  gh = await startWorld();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close(1000)));
  await gh.close();
});

async function replicas(n: number, opts: Parameters<typeof startCompanion>[1] = {}): Promise<Companion[]> {
  const list = await Promise.all(Array.from({ length: n }, () => startCompanion(gh, opts)));
  started.push(...list);
  return list;
}

const kinds = (cs: Companion[]) =>
  cs
    .flatMap((c) => c.outcomes.map((o) => o.kind))
    .sort()
    .join(',');
const notQueuedReplies = () =>
  gh.state.commentsOf(REPO, PR).filter((c) => c.user === APP_BOT && c.body.includes('Not queued'));
const lockReactions = () => gh.state.reactionsOf(`issue:${REPO}#${PR}`).filter((r) => r.content === 'rocket');

describe('one waiting run per PR, claimed across replicas', () => {
  it('six simultaneous comments on one PR against two replicas: two dispatches, four "not queued"', async () => {
    const [a, b] = (await replicas(2)) as [Companion, Companion];
    const comments = Array.from({ length: 6 }, (_, i) => prComment(gh, `/claude review part ${i + 1}`));
    await Promise.all(
      comments.map((c, i) => deliver((i % 2 === 0 ? a : b).webhookUrl, 'issue_comment', c.payload)),
    );
    await Promise.all([a.settled(), b.settled()]);

    expect(gh.state.dispatches.filter((d) => d.inputs.pr_number === String(PR))).toHaveLength(2);
    expect(notQueuedReplies()).toHaveLength(4);
    expect(kinds([a, b])).toBe('dispatched,dispatched,not_queued,not_queued,not_queued,not_queued');
    // Each answered comment got exactly one answer: a dispatch or a reply naming the two runs.
    const dispatched = new Set(gh.state.dispatches.map((d) => d.inputs.comment_id));
    const runs = gh.state.dispatches.map((d) => d.run_id);
    for (const reply of notQueuedReplies()) for (const id of runs) expect(reply.body).toContain(`run ${id}`);
    expect(dispatched.size).toBe(2);
    // The lock is given back.
    expect(lockReactions()).toEqual([]);
  });

  it('with one run already going, only one more is dispatched', async () => {
    gh.state.addRun({ status: 'in_progress', inputs: { pr_number: String(PR) } });
    const [a, b] = (await replicas(2)) as [Companion, Companion];
    const comments = Array.from({ length: 4 }, (_, i) => prComment(gh, `/claude fix item ${i}`));
    await Promise.all(
      comments.map((c, i) => deliver((i % 2 === 0 ? a : b).webhookUrl, 'issue_comment', c.payload)),
    );
    await Promise.all([a.settled(), b.settled()]);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(notQueuedReplies()).toHaveLength(3);
  });

  it('comments on different PRs do not wait for each other', async () => {
    gh.state.addPullRequest({
      number: 3,
      title: 'Other',
      user: 'alice',
      head: { ref: 'other', sha: fakeSha('pr-3-head') },
      base: { ref: 'main', sha: fakeSha('base') },
    });
    const [a] = (await replicas(1)) as [Companion];
    await Promise.all([
      deliver(a.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload),
      deliver(a.webhookUrl, 'issue_comment', prComment(gh, '/claude review', 'alice', { target: 3 }).payload),
    ]);
    expect(gh.state.dispatches.map((d) => d.inputs.pr_number).sort()).toEqual(['1', '3']);
  });

  it('takes over a lock left behind by a replica that died', async () => {
    // The App's 🚀 on the PR from long ago: its holder never gave it back.
    gh.state.reactions.push({
      id: gh.state.nextId(),
      subject: `issue:${REPO}#${PR}`,
      user: APP_BOT,
      content: 'rocket',
      created_at: new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    const [a] = (await replicas(1, { companion: { reactionLock: { staleMs: 60_000 } } })) as [Companion];
    await deliver(a.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(lockReactions()).toEqual([]);
  });

  it('waits for a fresh lock held by another replica instead of deciding alongside it', async () => {
    const held = {
      id: gh.state.nextId(),
      subject: `issue:${REPO}#${PR}`,
      user: APP_BOT,
      content: 'rocket',
      created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    gh.state.reactions.push(held);
    const [a] = (await replicas(1, { companion: { reactionLock: { pollMs: 100 } } })) as [Companion];
    const { payload } = prComment(gh, '/claude review');
    const done = deliver(a.webhookUrl, 'issue_comment', payload);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(gh.state.dispatches).toEqual([]);
    // The other replica finishes: it dispatched one run and gives the lock back.
    gh.state.addRun({ status: 'queued', inputs: { pr_number: String(PR) } });
    gh.state.reactions.splice(gh.state.reactions.indexOf(held), 1);
    await done;
    expect(gh.state.dispatches).toHaveLength(1);
    expect(notQueuedReplies()).toEqual([]);
  });
});
