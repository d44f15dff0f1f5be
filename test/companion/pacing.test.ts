/**
 * Write pacing is per installation: two installations each send a burst of `/claude` comments
 * (installation B's a moment after A's, once A's writes are under way), to two replicas on one
 * real Redis and to one replica without Redis. Read from the fake GitHub's request log:
 *
 * - the spaced writes (dispatches, replies) of one installation keep WRITE_SPACING_MS apart, across
 *   both replicas;
 * - B's writes are not held behind A's backlog: B's first dispatch comes while a quarter or more
 *   of A's are still to be written (with one limiter key for every installation it came after all
 *   of them).
 */
import type { FakeGitHub, RecordedRequest } from '../support/fake-github';
import { useRedis, type TestRedis } from '../support/redis';
import {
  REPO,
  addPullRequests,
  deliver,
  prComment,
  startCompanion,
  startWorld,
  timeRequests,
  type Companion,
} from './harness';

const SPACING = 600;
const BURST = 12;
/** Installation B's account and repository. */
const OTHER_REPO = 'acme/widgets';

let redis: TestRedis | undefined;
let skip: string | undefined;

useRedis('the Redis case of test/companion/pacing.test.ts', (r) => ({ redis, skip } = r));

let gh: FakeGitHub;
const started: Companion[] = [];

beforeEach(async () => {
  gh = await startWorld();
  gh.state.addInstallation('acme');
  gh.state.addRepo(OTHER_REPO, { ownerType: 'Organization' });
  gh.state.setPermission(OTHER_REPO, 'alice', 'write');
  gh.state.addWorkflow('claude.yml', OTHER_REPO);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close(5000)));
  await gh.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, done: () => boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A's burst across `replicas`, then B's once A's first dispatch is out; resolves with the arrival
 * times of each installation's spaced writes (POST …/dispatches and …/comments), in order.
 */
async function burstsFromTwoInstallations(replicas: Companion[]): Promise<{ a: number[]; b: number[] }> {
  const arrived = timeRequests(gh);
  const send = async (repo: string) => {
    const prs = addPullRequests(gh, 10, BURST, repo);
    const comments = prs.map((n) => prComment(gh, '/claude review', 'alice', { target: n, repo }));
    const statuses = await Promise.all(
      comments.map(async (c, i) => {
        const to = replicas[i % replicas.length] as Companion;
        return (await deliver(to.webhookUrl, 'issue_comment', c.payload, { wait: false })).status;
      }),
    );
    expect(statuses).toEqual(comments.map(() => 202));
  };
  const dispatchesTo = (repo: string) => gh.state.dispatches.filter((d) => d.repo === repo).length;

  await send(REPO);
  await until("A's first dispatch", () => dispatchesTo(REPO) >= 1);
  await send(OTHER_REPO);
  await until('every dispatch', () => gh.state.dispatches.length >= 2 * BURST);
  await Promise.all(replicas.map((r) => r.settled()));

  const writesOf = (repo: string) =>
    gh.requests
      .filter((r) => r.method === 'POST' && r.path.startsWith(`/repos/${repo}/`))
      .filter((r) => /\/(dispatches|comments)$/.test(r.path))
      .map((r) => arrived.get(r as RecordedRequest) as number)
      .sort((x, y) => x - y);
  return { a: writesOf(REPO), b: writesOf(OTHER_REPO) };
}

/** Gaps that break the pacing: any two writes with one between span at least one spacing (one
 *  late arrival may shorten the gap before it), and the whole burst at least n - 2 spacings. */
function tooTight(times: number[]): string[] {
  const tight: string[] = [];
  for (let i = 0; i + 2 < times.length; i++) {
    const span = (times[i + 2] as number) - (times[i] as number);
    if (span < SPACING) tight.push(`writes ${i}…${i + 2} within ${Math.round(span)} ms`);
  }
  const whole = (times.at(-1) as number) - (times[0] as number);
  if (whole < (times.length - 2) * SPACING)
    tight.push(`${times.length} writes within ${Math.round(whole)} ms`);
  return tight;
}

function expectPacedPerInstallation({ a, b }: { a: number[]; b: number[] }): void {
  expect(gh.state.dispatches.filter((d) => d.repo === REPO)).toHaveLength(BURST);
  expect(gh.state.dispatches.filter((d) => d.repo === OTHER_REPO)).toHaveLength(BURST);
  expect(a.length).toBeGreaterThanOrEqual(BURST);
  expect(b.length).toBeGreaterThanOrEqual(BURST);
  expect({ a: tooTight(a), b: tooTight(b) }).toEqual({ a: [], b: [] });
  // B did not wait for A's backlog: A still had writes to make after B's first one (with one key for
  // every installation, B's writes all came after A's).
  const firstOfB = b[0] as number;
  const aAfterB = a.filter((t) => t > firstOfB).length;
  expect(aAfterB).toBeGreaterThanOrEqual(BURST / 4);
}

describe('write pacing per installation', () => {
  it('two replicas on one Redis: each installation paced across both, neither waits for the other', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const env = { REDIS_URL: redis.url };
    const replicas = await Promise.all(
      [0, 1].map(() => startCompanion(gh, { env, writeSpacingMs: SPACING })),
    );
    started.push(...replicas);
    expectPacedPerInstallation(await burstsFromTwoInstallations(replicas));
  }, 180_000);

  it('one replica without Redis: each installation paced, neither waits for the other', async () => {
    const companion = await startCompanion(gh, { writeSpacingMs: SPACING });
    started.push(companion);
    expectPacedPerInstallation(await burstsFromTwoInstallations([companion]));
  }, 180_000);
});
