/**
 * The companion with REDIS_URL on a real redis-server (started here on a free loopback port; the
 * suite is skipped, with the reason printed, when redis-server is not installed):
 *
 * - two built companions (`dist/companion/index.js`, own processes) on one Redis take 200
 *   deliveries spread across both; one is SIGKILLed mid-burst. Every acknowledged `/claude`
 *   comment is dispatched exactly once, and the writes of both replicas together keep the
 *   configured pacing per installation;
 * - in-process replicas: simultaneous comments on one PR keep the one-waiting-run rule through the
 *   Redis lock, and one comment delivered to both replicas is one job.
 */
import net from 'node:net';
import { Queue } from 'bullmq';
import type { FakeGitHub } from '../support/fake-github';
import { startRedis, useRedis, type TestRedis } from '../support/redis';
import type { LimiterGroup } from '../../src/companion/limits';
import { queueKey } from '../../src/companion/queue-key';
import { withoutApiLinks } from '../../src/companion/payload';
import { clusteredThrottle, jobId, redisErrorLog } from '../../src/companion/redis';
import {
  APP_BOT,
  PR,
  REPO,
  addPullRequests,
  deliver,
  prComment,
  spawnCompanion,
  startCompanion,
  startWorld,
  timeRequests,
  type Companion,
  type CompanionProcess,
} from './harness';

let redis: TestRedis | undefined;
let skip: string | undefined;

useRedis('test/companion/redis.test.ts', (r) => ({ redis, skip } = r));

let gh: FakeGitHub;
const started: Companion[] = [];
const processes: CompanionProcess[] = [];

beforeEach(async () => {
  gh = await startWorld();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close(2000)));
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await gh.close();
  // A clean Redis for the next test.
  if (redis) {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  }
});

type Comment = ReturnType<typeof prComment>;

/** The companion's BullMQ queue on the test Redis, to look at its jobs. */
const deliveryQueue = (r: TestRedis) =>
  new Queue('claude-relay-deliveries', {
    connection: { host: '127.0.0.1', port: r.port },
    prefix: 'claude-relay',
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two replicas on one Redis', () => {
  it('one replica SIGKILLed mid-burst: every acknowledged comment dispatched exactly once, pacing held across both', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const SPACING = 100;
    const arrived = timeRequests(gh);
    const prs = addPullRequests(gh, 10, 200);
    const env = {
      REDIS_URL: redis.url,
      WRITE_SPACING_MS: String(SPACING),
      QUEUE_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '8',
    };
    const [a, b] = await Promise.all([spawnCompanion(gh, env), spawnCompanion(gh, env)]);
    processes.push(a, b);
    const comments = prs.map((n) => prComment(gh, '/claude review', 'alice', { target: n }));

    const acked = new Set<number>();
    let killed = false;
    let atKill = { acked: 0, dispatched: 0 };
    let next = 0;
    const sender = async () => {
      for (let i = next++; i < comments.length; i = next++) {
        const c = comments[i] as (typeof comments)[number];
        // Spread across both; once A is gone, the load balancer sends everything to B.
        const target = i % 2 === 0 && !killed ? a : b;
        let status = 0;
        try {
          status = (await deliver(target.webhookUrl, 'issue_comment', c.payload)).status;
        } catch {
          status = (await deliver(b.webhookUrl, 'issue_comment', c.payload)).status;
        }
        if (status === 202) acked.add(c.id);
        if (!killed && acked.size >= 60) {
          killed = true;
          atKill = { acked: acked.size, dispatched: gh.state.dispatches.length };
          a.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(await a.exited).toBeNull();
    // The kill came while acknowledged work was still waiting.
    expect(atKill.dispatched).toBeLessThan(atKill.acked);
    expect(acked.size).toBe(200);

    // Wait until the queue is empty and every acknowledged comment has a dispatch.
    const queue = deliveryQueue(redis);
    try {
      const deadline = Date.now() + 420_000;
      for (;;) {
        const counts = await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized');
        const open = Object.values(counts).reduce((x, y) => x + y, 0);
        const dispatchedIds = new Set(gh.state.dispatches.map((d) => Number(d.inputs.comment_id)));
        if (open === 0 && [...acked].every((id) => dispatchedIds.has(id))) break;
        if (Date.now() > deadline) {
          throw new Error(
            `not done: ${JSON.stringify(counts)}, ${dispatchedIds.size}/${acked.size} dispatched\n${b.log().slice(-2000)}`,
          );
        }
        await sleep(250);
      }
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    } finally {
      await queue.close();
    }

    const perComment = new Map<number, number>();
    for (const d of gh.state.dispatches) {
      const id = Number(d.inputs.comment_id);
      perComment.set(id, (perComment.get(id) ?? 0) + 1);
    }
    expect([...acked].filter((id) => perComment.get(id) !== 1)).toEqual([]);
    expect(gh.state.dispatches).toHaveLength(200);
    expect(gh.state.commentsOf(REPO, 10).filter((c) => c.user === APP_BOT)).toEqual([]);

    // Pacing: the spaced writes (dispatches, replies) of both replicas together, by arrival at the
    // fake. Any 11 consecutive ones span at least 10 spacings, less two for network jitter.
    const writes = gh.requests
      .filter((r) => r.method === 'POST' && /\/(dispatches|comments)$/.test(r.path))
      .map((r) => arrived.get(r) as number)
      .sort((x, y) => x - y);
    expect(writes.length).toBeGreaterThanOrEqual(200);
    const tight: string[] = [];
    for (let i = 0; i + 10 < writes.length; i++) {
      const span = (writes[i + 10] as number) - (writes[i] as number);
      if (span < 8 * SPACING) tight.push(`writes ${i}…${i + 10} within ${Math.round(span)} ms`);
    }
    expect(tight).toEqual([]);
  }, 600_000);
});

describe('the built companion on Redis', () => {
  it('answers 202 only once the delivery is a job in Redis', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    // A done job stays in Redis (24 h), so the job is found in whatever state it is by then.
    const c = await spawnCompanion(gh, { REDIS_URL: redis.url, WRITE_SPACING_MS: '0' });
    processes.push(c);
    const queue = deliveryQueue(redis);
    try {
      const prs = addPullRequests(gh, 10, 40);
      const missing: string[] = [];
      await Promise.all(
        prs.map(async (n) => {
          const { payload } = prComment(gh, '/claude review', 'alice', { target: n });
          const res = await deliver(c.webhookUrl, 'issue_comment', payload);
          expect(res.status).toBe(202);
          // Asked right after the answer: a job written after it (or never) is missing here.
          const job = await queue.getJob(jobId(queueKey('issue_comment', payload, res.id)));
          if (!job) missing.push(`#${n}`);
        }),
      );
      expect(missing).toEqual([]);
      // And the writer's jobs are the work thread's: every comment is dispatched once.
      const deadline = Date.now() + 60_000;
      while (gh.state.dispatches.length < prs.length && Date.now() < deadline) await sleep(100);
      expect(new Set(gh.state.dispatches.map((d) => d.inputs.pr_number)).size).toBe(prs.length);
    } finally {
      await queue.close();
    }
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.log()).toContain('every acknowledged delivery was handled');
  }, 120_000);

  it('reads each body on the writer thread: not JSON is 400, an edit is ignored, small and large bodies are jobs', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const c = await spawnCompanion(gh, { REDIS_URL: redis.url, WRITE_SPACING_MS: '0' });
    processes.push(c);
    const queue = deliveryQueue(redis);
    try {
      const [small, large, edited] = addPullRequests(gh, 10, 3).map((n) =>
        prComment(gh, '/claude review', 'alice', { target: n }),
      ) as [Comment, Comment, Comment];
      // Under 4 kB a body is a slice of Node's shared buffer pool (copied to the writer); over it,
      // a buffer of its own (moved). Both must arrive whole.
      const smallPayload = withoutApiLinks(small.payload);
      expect(JSON.stringify(smallPayload).length).toBeLessThan(4096);
      expect(JSON.stringify(large.payload).length).toBeGreaterThan(4096);
      const answers = await Promise.all([
        deliver(c.webhookUrl, 'issue_comment', smallPayload, { wait: false }),
        deliver(c.webhookUrl, 'issue_comment', large.payload, { wait: false }),
        deliver(c.webhookUrl, 'issue_comment', { ...edited.payload, action: 'edited' }, { wait: false }),
        deliver(c.webhookUrl, 'issue_comment', undefined, { wait: false, body: '{"action": "created", ' }),
      ]);
      expect(answers.map((a) => [a.status, JSON.parse(a.text)])).toEqual([
        [202, { ok: true }],
        [202, { ok: true }],
        [202, { ok: true, ignored: 'not a new comment' }],
        [400, { error: 'payload is not JSON' }],
      ]);
      // Exactly the two new comments are jobs, with their payloads as sent (less the API links).
      const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
      const byComment = new Map(
        jobs.map((j) => [(j.data as { payload: { comment: { id: number } } }).payload.comment.id, j.data]),
      );
      expect([...byComment.keys()].sort((a, b) => a - b)).toEqual([small.id, large.id].sort((a, b) => a - b));
      expect(byComment.get(large.id)).toEqual({
        id: answers[1]?.id,
        name: 'issue_comment',
        payload: withoutApiLinks(large.payload),
      });
      expect(byComment.get(small.id)).toMatchObject({ id: answers[0]?.id, payload: smallPayload });
      const deadline = Date.now() + 60_000;
      while (gh.state.dispatches.length < 2 && Date.now() < deadline) await sleep(100);
      await sleep(300);
      expect(gh.state.dispatches.map((d) => Number(d.inputs.comment_id)).sort((a, b) => a - b)).toEqual(
        [small.id, large.id].sort((a, b) => a - b),
      );
    } finally {
      await queue.close();
    }
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
  }, 120_000);

  it('a burst Redis refuses to store is answered 500, every delivery of it, and redelivered later it is handled once', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    const c = await spawnCompanion(gh, { REDIS_URL: redis.url, WRITE_SPACING_MS: '0' });
    processes.push(c);
    try {
      const prs = addPullRequests(gh, 10, 30);
      const deliveries = prs.map((n) => ({ n, ...prComment(gh, '/claude review', 'alice', { target: n }) }));
      // A full Redis (no eviction) refuses every write the jobs need, as a Redis out of memory does.
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      const refused = await Promise.all(
        deliveries.map((d) => deliver(c.webhookUrl, 'issue_comment', d.payload, { wait: false })),
      );
      await admin.config('SET', 'maxmemory', '0');
      // Not one acknowledged: each answer says the delivery was not queued, so GitHub shows it failed.
      expect(refused.map((r) => r.status)).toEqual(prs.map(() => 500));
      expect(new Set(refused.map((r) => JSON.parse(r.text).error))).toEqual(
        new Set(['the delivery could not be queued']),
      );
      // Redelivered (same delivery ids, as GitHub's "Redeliver" sends them): all queued and each
      // comment dispatched exactly once.
      const again = await Promise.all(
        deliveries.map((d, i) =>
          deliver(c.webhookUrl, 'issue_comment', d.payload, {
            wait: false,
            id: (refused[i] as { id: string }).id,
          }),
        ),
      );
      expect(again.map((r) => r.status)).toEqual(prs.map(() => 202));
      const deadline = Date.now() + 60_000;
      while (gh.state.dispatches.length < prs.length && Date.now() < deadline) await sleep(100);
      await sleep(500);
      expect(gh.state.dispatches.map((d) => Number(d.inputs.pr_number)).sort((a, b) => a - b)).toEqual(prs);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
    }
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.log()).toMatch(/a delivery could not be queued/);
  }, 120_000);

  it('stops on SIGTERM within DRAIN_TIMEOUT_MS when Redis has gone away, and logs the outage once per thread', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    // A Redis of its own, to stop under the companion.
    const own = await startRedis();
    if ('skip' in own) throw new Error(own.skip);
    const c = await spawnCompanion(gh, { REDIS_URL: own.url, DRAIN_TIMEOUT_MS: '2000' });
    processes.push(c);
    await own.stop();
    // Its clients have seen Redis go and are retrying to connect.
    const gone = Date.now() + 10_000;
    while (!/ECONNREFUSED|Connection is closed/.test(c.log()) && Date.now() < gone) await sleep(100);
    // Every client of both threads fails each reconnect attempt; the log says so once per thread.
    await sleep(3000);
    const redisErrors = c
      .log()
      .split('\n')
      .filter((l) => l.includes('"level":50') && l.includes('Redis'));
    expect(redisErrors.length).toBeGreaterThan(0);
    expect(redisErrors.length).toBeLessThanOrEqual(2);
    expect(redisErrors[0]).toContain('claude-relay companion: Redis: connect ECONNREFUSED');
    const sent = Date.now();
    c.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      c.exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('still running after 30 s'), 30_000);
      }),
    ]);
    clearTimeout(timer);
    const tookMs = Date.now() - sent;
    expect(code).toBe(0);
    // The drain's 2 s, then at most a second for each of Redis's clients to give up on QUIT. A
    // thread that did not stop would be stopped 5 s past the deadline: that would fail here too.
    expect(tookMs).toBeLessThan(6000);
    const stopped = c.log().slice(c.log().indexOf('SIGTERM'));
    expect(stopped).toContain('every acknowledged delivery was handled');
    expect(stopped).not.toMatch(/did not stop within/);
  }, 60_000);
});

describe('redisErrorLog', () => {
  it('logs each distinct message once a minute, then how often it recurred', () => {
    const lines: { fields: object; message: string }[] = [];
    let now = 0;
    const report = redisErrorLog(
      { error: (fields, message) => lines.push({ fields, message }) },
      60_000,
      () => now,
    );
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    for (let i = 0; i < 30; i++, now += 2000) report(refused); // a minute of reconnect attempts
    report(new Error('Connection is closed.'));
    expect(lines.map((l) => l.message)).toEqual([
      'claude-relay companion: Redis: connect ECONNREFUSED 127.0.0.1:6379',
      'claude-relay companion: Redis: Connection is closed.',
    ]);
    expect(lines[0]?.fields).toEqual({ err: refused });
    report(refused); // a minute after the first line
    expect(lines[2]).toEqual({
      fields: { repeated: 29 },
      message:
        'claude-relay companion: Redis: connect ECONNREFUSED 127.0.0.1:6379 (29 more times since it was last logged)',
    });
  });
});

describe('the built companion holds its work while it answers', () => {
  it.each([
    ['on Redis', true],
    ['without Redis', false],
  ])(
    '%s: no comment is worked on while a delivery is being read, all of them once it is done',
    async (_how, onRedis) => {
      if (onRedis && !redis) return void process.stdout.write(`skipped: ${skip}\n`);
      const c = await spawnCompanion(gh, {
        ...(onRedis && redis ? { REDIS_URL: redis.url } : {}),
        WRITE_SPACING_MS: '0',
      });
      processes.push(c);
      const url = new URL(c.webhookUrl);
      // A delivery still being read (its body half sent): the companion is answering.
      const slow = net.connect(Number(url.port), url.hostname);
      await new Promise((resolve) => slow.once('connect', resolve));
      slow.write(
        `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
          'x-github-event: issue_comment\r\nx-github-delivery: slow\r\nx-hub-signature-256: sha256=00\r\n' +
          'content-length: 100000\r\n\r\n{"action":',
      );
      const comments = addPullRequests(gh, 10, 3).map((n) =>
        prComment(gh, '/claude review', 'alice', { target: n }),
      );
      const eyes = () =>
        comments.filter((cm) => gh.state.reactionsOf(`issue_comment:${cm.id}`).length > 0).length;
      const answers = await Promise.all(
        comments.map((cm) => deliver(c.webhookUrl, 'issue_comment', cm.payload, { wait: false })),
      );
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
      // Acknowledged (and with Redis, written) but held: a hold lasts up to 1 s.
      await sleep(600);
      expect(eyes()).toBe(0);
      slow.destroy();
      const freed = Date.now();
      // Then all of them are worked on. How soon is not asserted: on a loaded machine the 👀 can take
      // longer than the hold would have, and that says nothing about what released the work.
      while (eyes() < comments.length && Date.now() - freed < 10_000) await sleep(20);
      expect(eyes()).toBe(comments.length);
      c.child.kill('SIGTERM');
      expect(await c.exited).toBe(0);
    },
    60_000,
  );
});

describe('write pacing on Redis', () => {
  it('keeps writing after the limiter keys vanish from Redis (FLUSHALL, a restart without persistence)', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    // Two replicas' limiters on one Redis.
    const throttles = [0, 1].map(() => clusteredThrottle(client, 10, () => {}));
    try {
      const [a, b] = throttles.map((t) => t.options.notifications as LimiterGroup) as [
        LimiterGroup,
        LimiterGroup,
      ];
      let ran = 0;
      const write = (g: LimiterGroup) => g.key('installation-1').schedule({}, () => ++ran);
      await Promise.all([write(a), write(b)]);
      await client.flushall();
      // Each write runs exactly once: the limiter is rebuilt before it starts, never repeated, and
      // one replica's rebuild does not break the other's.
      await Promise.all(Array.from({ length: 10 }, (_, i) => write(i % 2 ? a : b)));
      await client.flushall();
      await Promise.all(Array.from({ length: 10 }, (_, i) => write(i % 2 ? a : b)));
      expect(ran).toBe(22);
    } finally {
      await Promise.all(throttles.map((t) => t.close()));
      client.disconnect();
    }
  });
});

describe('in-process replicas on one Redis', () => {
  async function replicas(n: number): Promise<Companion[]> {
    const list = await Promise.all(
      Array.from({ length: n }, () => startCompanion(gh, { env: { REDIS_URL: (redis as TestRedis).url } })),
    );
    started.push(...list);
    return list;
  }

  it('six simultaneous comments on one PR: two dispatches, four "not queued", through the Redis lock', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const [a, b] = (await replicas(2)) as [Companion, Companion];
    const comments = Array.from({ length: 6 }, (_, i) => prComment(gh, `/claude review part ${i + 1}`));
    await Promise.all(
      comments.map((c, i) => deliver((i % 2 === 0 ? a : b).webhookUrl, 'issue_comment', c.payload)),
    );
    // Jobs go to whichever replica's worker is free: wait for both.
    const deadline = Date.now() + 60_000;
    while ([...a.outcomes, ...b.outcomes].length < 6 && Date.now() < deadline) await sleep(100);
    await Promise.all([a.settled(), b.settled()]);
    expect(gh.state.dispatches.filter((d) => d.inputs.pr_number === String(PR))).toHaveLength(2);
    const replies = gh.state.commentsOf(REPO, PR).filter((c) => c.user === APP_BOT);
    expect(replies.filter((c) => c.body.startsWith('⏳ Not queued:'))).toHaveLength(4);
    expect(replies).toHaveLength(4);
    // The Redis lock replaces the 🚀 reaction.
    expect(gh.state.reactionsOf(`issue:${REPO}#${PR}`)).toEqual([]);
  }, 120_000);

  it('one comment delivered to both replicas (two delivery ids) is one job and one dispatch', async () => {
    if (!redis) return void process.stdout.write(`skipped: ${skip}\n`);
    const [a, b] = (await replicas(2)) as [Companion, Companion];
    const { id, payload } = prComment(gh, '/claude review');
    await Promise.all([
      deliver(a.webhookUrl, 'issue_comment', payload),
      deliver(b.webhookUrl, 'issue_comment', payload),
    ]);
    const deadline = Date.now() + 30_000;
    while (gh.state.dispatches.length === 0 && Date.now() < deadline) await sleep(100);
    await Promise.all([a.settled(), b.settled()]);
    await sleep(500);
    expect(gh.state.dispatches.map((d) => d.inputs.comment_id)).toEqual([String(id)]);
    expect([...a.outcomes, ...b.outcomes].map((o) => o.kind)).toEqual(['dispatched']);
    // The job kept in Redis holds the payload without its API links (see payload.ts).
    const queue = deliveryQueue(redis as TestRedis);
    try {
      const jobs = await queue.getJobs(['completed']);
      expect(jobs).toHaveLength(1);
      const kept = JSON.stringify(jobs[0]?.data);
      expect(kept).toContain('"body":"/claude review"');
      expect(kept).not.toMatch(/"(?!html_url")(url|\w+_url)":"/);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
