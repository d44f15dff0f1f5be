/**
 * Without Redis, a stop (SIGTERM) of the built companion finishes the work it acknowledged, up to
 * DRAIN_TIMEOUT_MS, and logs what was left so it can be redelivered.
 */
import type { FakeGitHub } from '../support/fake-github';
import {
  addPullRequests,
  deliver,
  prComment,
  spawnCompanion,
  startWorld,
  type CompanionProcess,
} from './harness';

let gh: FakeGitHub;
let proc: CompanionProcess | undefined;

beforeEach(async () => {
  gh = await startWorld();
});

afterEach(async () => {
  if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
  await proc?.exited;
  proc = undefined;
  await gh.close();
});

/** Ten `/claude` comments on ten PRs, acknowledged; dispatches are spaced 300 ms apart. */
async function acknowledgeTen(env: Record<string, string>): Promise<number[]> {
  const prs = addPullRequests(gh, 10, 10);
  proc = await spawnCompanion(gh, { WRITE_SPACING_MS: '300', ...env });
  const comments = prs.map((n) => prComment(gh, '/claude review', 'alice', { target: n }));
  const answers = await Promise.all(
    comments.map((c) => deliver(proc!.webhookUrl, 'issue_comment', c.payload)),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
  return comments.map((c) => c.id);
}

describe('SIGTERM without Redis', () => {
  it('finishes every acknowledged delivery before exiting', async () => {
    const ids = await acknowledgeTen({ DRAIN_TIMEOUT_MS: '60000' });
    // Acknowledged, not yet done: the spacing holds most dispatches back.
    expect(gh.state.dispatches.length).toBeLessThan(10);
    proc!.child.kill('SIGTERM');
    expect(await proc!.exited).toBe(0);
    expect(gh.state.dispatches.map((d) => Number(d.inputs.comment_id)).sort()).toEqual([...ids].sort());
    expect(proc!.log()).toContain('every acknowledged delivery was handled');
    // New deliveries are refused once it stops.
    await expect(
      deliver(proc!.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload),
    ).rejects.toThrow();
  }, 120_000);

  it('logs the deliveries it could not finish within DRAIN_TIMEOUT_MS', async () => {
    const ids = await acknowledgeTen({ DRAIN_TIMEOUT_MS: '200' });
    proc!.child.kill('SIGTERM');
    expect(await proc!.exited).toBe(0);
    const done = new Set(gh.state.dispatches.map((d) => Number(d.inputs.comment_id)));
    const left = ids.filter((id) => !done.has(id));
    expect(left.length).toBeGreaterThan(0);
    const line = proc!
      .log()
      .split('\n')
      .find(
        (l) =>
          l.includes('acknowledged deliveries not handled') ||
          l.includes('acknowledged delivery not handled'),
      );
    expect(line).toBeDefined();
    const logged = JSON.parse(line as string) as { deliveries: { comment: string }[] };
    // Every comment left undone is named (by its URL) so it can be redelivered.
    for (const id of left)
      expect(logged.deliveries.map((d) => String(d.comment))).toContainEqual(
        expect.stringContaining(String(id)),
      );
  }, 120_000);
});
