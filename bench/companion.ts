/**
 * The companion under load: `count` signed `issue_comment.created` deliveries (10% redeliveries),
 * `concurrency` in flight, against
 *
 *   - the companion without Redis, one replica (the embedded default);
 *   - the companion with REDIS_URL, one replica;
 *   - the companion with REDIS_URL, two replicas, deliveries spread round-robin across both;
 *
 * each beside, in the same run, a bare Probot app that only answers (the ack baseline) and a bare
 * Probot app doing 👀 + dispatch (the dispatch baseline); the two-replica variant also beside two
 * bare apps that only answer, round-robin (the same deployment without the work). Every server is its own process
 * (bench/companion-server.ts), and so is the load generator (bench/companion-load.ts), so the fake
 * GitHub's work in this process does not delay the clock that times the answers. Redis is a
 * throwaway redis-server on a free loopback port, one database per variant, flushed before every
 * run; without redis-server the Redis rows say so.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { fakeSha, startFakeGitHub, type FakeGitHub } from '../test/support/fake-github';
import type { DispatchRecord } from '../test/support/fake-github/state';
import { issueComment } from '../test/support/payloads';
import { startRedis, type TestRedis } from '../test/support/redis';
import { median, ms, percentile, ratio, ROOT, runTsChild, startTsServer, tempDir } from './lib';

export interface CompanionRow {
  measure: string;
  value: string;
  baseline: string;
  compare: string;
  target: string;
}

const SECRET = 'bench-webhook-secret';
const REPO = 'octo-org/octo-repo';

interface Delivery {
  id: string;
  body: string;
  signature: string;
  commentId: number;
  redelivery: boolean;
}

/**
 * A fake GitHub with `prs` open PRs by alice (write access). Dispatched runs finish 2 s later: long
 * enough that the companion still sees the run it dispatched listed as queued (it waits for that
 * before releasing the PR's lock), short enough that run listings stay as short as on a
 * repository whose runs complete. The time each dispatch arrived is recorded.
 */
async function companionWorld(prs: number) {
  const gh = await startFakeGitHub({ defaultRepo: REPO, permissions: { [REPO]: { alice: 'write' } } });
  for (let number = 1; number <= prs; number++) {
    gh.state.addPullRequest({
      number,
      title: `Change ${number}`,
      user: 'alice',
      head: { ref: `change-${number}`, sha: fakeSha(`head-${number}`) },
      base: { ref: 'main', sha: fakeSha('base') },
    });
  }
  const dispatchedAt = new Map<DispatchRecord, number>();
  const push = gh.state.dispatches.push.bind(gh.state.dispatches);
  gh.state.dispatches.push = (...items: DispatchRecord[]) => {
    const now = Date.now();
    for (const d of items) dispatchedAt.set(d, now);
    return push(...items);
  };
  const createdAt = new Map<number, number>();
  const finisher = setInterval(() => {
    const now = Date.now();
    for (const run of gh.state.runs.values()) {
      if (run.status === 'completed') continue;
      const at = createdAt.get(run.id) ?? now;
      createdAt.set(run.id, at);
      if (now - at >= 2000) {
        Object.assign(run, { status: 'completed', conclusion: 'success' });
        createdAt.delete(run.id);
      }
    }
  }, 50);
  return { gh, dispatchedAt, stop: () => clearInterval(finisher) };
}

/**
 * One fresh `/claude review` comment on each of PRs 1…n and its signed `issue_comment.created`
 * delivery, plus 10% redeliveries (same id and body, as GitHub resends them) later in the stream.
 */
async function makeDeliveries(gh: FakeGitHub, count: number): Promise<Delivery[]> {
  const redeliveries = Math.round(count * 0.1);
  const originals = count - redeliveries;
  const list: Delivery[] = [];
  for (let number = 1; number <= originals; number++) {
    const body = '/claude review';
    const c = gh.state.addIssueComment({ issue_number: number, body, user: 'alice' });
    const payload = issueComment(
      body,
      {
        comment: { id: c.id, user: { login: 'alice', type: 'User', id: 1001 } },
        issue: { number, title: `Change ${number}` },
        sender: { login: 'alice', type: 'User', id: 1001 },
        installation: { id: gh.state.installation.id },
        repository: { default_branch: 'main', html_url: `https://github.com/${REPO}` },
      },
      { onPullRequest: true },
    );
    const text = JSON.stringify(payload);
    list.push({
      id: randomUUID(),
      body: text,
      signature: await sign(SECRET, text),
      commentId: c.id,
      redelivery: false,
    });
  }
  const order = [...list];
  for (let r = 0; r < redeliveries; r++) {
    const original = list[(r * 7919) % originals] as Delivery;
    const at = Math.min(order.length, order.indexOf(original) + 128 + ((r * 31) % 256));
    order.splice(at, 0, { ...original, redelivery: true });
  }
  return order;
}

interface Fired {
  /** Ack times of the deliveries after the warm-up (see companion-load.ts). */
  acks: number[];
  warmupAcks: number[];
  wallMs: number;
  failed: number;
  /** Epoch ms when the first delivery was sent. */
  startedAt: number;
}

/** Fires the deliveries from the load-generator process; delivery i goes to urls[i % urls.length]. */
async function fire(urls: string[], deliveries: Delivery[], concurrency: number, warmup = 0): Promise<Fired> {
  const dir = tempDir('bench-companion-load-');
  const file = path.join(dir, 'job.json');
  try {
    fs.writeFileSync(
      file,
      JSON.stringify({
        urls,
        concurrency,
        warmup,
        deliveries: deliveries.map(({ id, body, signature }) => ({ id, body, signature })),
      }),
    );
    return (await runTsChild(
      path.join(ROOT, 'bench', 'companion-load.ts'),
      [file],
      process.env,
      600_000,
    )) as Fired;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface LoadResult extends Fired {
  dispatches: number;
  lost: number;
  duplicates: number;
  /** From the first delivery sent to the last dispatch of a measured comment (NaN: none). */
  lastDispatchMs: number;
}

type Mode = 'noop' | 'noop2' | 'bare' | 'companion' | 'redis1' | 'redis2';

const isNoop = (mode: Mode) => mode === 'noop' || mode === 'noop2';

const VARIANTS: { mode: Mode; label: string }[] = [
  { mode: 'companion', label: 'no Redis, 1 replica' },
  { mode: 'redis1', label: 'Redis, 1 replica' },
  { mode: 'redis2', label: 'Redis, 2 replicas (round-robin)' },
];

/** The webhook server(s) of one variant and their fake GitHub, reused by every run of the variant. */
async function startTarget(
  mode: Mode,
  prs: number,
  key: string,
  log: (s: string) => void,
  redisUrl?: string,
) {
  const world = await companionWorld(prs);
  const replicas = mode === 'redis2' || mode === 'noop2' ? 2 : 1;
  const serverMode = isNoop(mode) ? 'noop' : mode === 'bare' ? 'bare' : 'companion';
  const servers = await Promise.all(
    Array.from({ length: replicas }, () =>
      startTsServer(path.join(ROOT, 'bench', 'companion-server.ts'), [serverMode], {
        ...process.env,
        APP_ID: String(world.gh.state.app.id),
        PRIVATE_KEY: key,
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: new URL(world.gh.url).host,
        GHE_PROTOCOL: 'http',
        LOG_LEVEL: 'silent',
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      }),
    ),
  );
  const urls = servers.map((s) => s.ready);
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 3 }) : undefined;
  const dispatchesOf = (wanted: Set<number>) => {
    const perComment = new Map<number, number>();
    let last = NaN;
    for (const d of world.gh.state.dispatches) {
      const id = Number(d.inputs.comment_id);
      if (!wanted.has(id)) continue;
      perComment.set(id, (perComment.get(id) ?? 0) + 1);
      const at = world.dispatchedAt.get(d) ?? NaN;
      if (!(at <= last)) last = at;
    }
    return { perComment, last };
  };
  /**
   * Until every wanted comment is dispatched, or no new one for `quietMs` (four times that before
   * the first: a backlog may take a while to start), at most `maxMs`.
   */
  const settle = async (wanted: Set<number>, quietMs: number, maxMs: number) => {
    let seen = dispatchesOf(wanted);
    for (
      let still = 0, waited = 0;
      !isNoop(mode) &&
      still < (seen.perComment.size > 0 ? quietMs : 4 * quietMs) &&
      waited < maxMs &&
      seen.perComment.size < wanted.size;
      waited += 100
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = dispatchesOf(wanted);
      still = next.perComment.size === seen.perComment.size ? still + 100 : 0;
      seen = next;
    }
    return seen;
  };
  return {
    mode,
    async run(count: number, concurrency: number): Promise<LoadResult> {
      const gh = world.gh;
      // A clean queue for every run (the jobs of earlier runs are finished by now).
      await redis?.flushdb();
      const deliveries = await makeDeliveries(gh, count);
      // One delivery per replica outside the measurement (App token, JIT warm-up), settled first.
      const warm = deliveries.filter((d) => !d.redelivery).slice(0, replicas);
      await fire(
        urls,
        warm.map((d) => ({ ...d, id: randomUUID() })),
        replicas,
      );
      await settle(new Set(warm.map((d) => d.commentId)), 5000, 15_000);
      const warmIds = new Set(warm.map((d) => d.commentId));
      const measured = deliveries.filter((d) => !warmIds.has(d.commentId));
      // The first two rounds of the measured burst warm up the load generator's connections and
      // code (and the servers'); their answers are sent and dispatched like the rest, timed apart.
      const r = await fire(urls, measured, concurrency, 2 * concurrency);
      const wanted = new Set(measured.map((d) => d.commentId));
      // The companion acknowledges first and works after: wait until its dispatches settle (all
      // dispatched, or none new for 15 s; at most 400 s) before counting lost and duplicate ones.
      const { perComment, last } = await settle(wanted, 15_000, 400_000);
      const dispatched = [...perComment.values()].reduce((a, b) => a + b, 0);
      const jobs = redis
        ? ` jobs ${JSON.stringify(await new Queue('claude-relay-deliveries', { connection: redis, prefix: 'claude-relay' }).getJobCounts())}`
        : '';
      const firstAcks =
        r.warmupAcks.length > 0
          ? `, the first ${r.warmupAcks.length} p99 ${ms(percentile(r.warmupAcks, 99))}`
          : '';
      log(
        `  ${mode}: acks p50 ${ms(percentile(r.acks, 50))} p99 ${ms(percentile(r.acks, 99))}${firstAcks}; ${perComment.size}/${wanted.size} dispatched, ${dispatched - perComment.size} duplicates, last after ${Math.round(last - r.startedAt)} ms${jobs}`,
      );
      return {
        ...r,
        dispatches: dispatched,
        lost: isNoop(mode) ? 0 : wanted.size - perComment.size,
        duplicates: dispatched - perComment.size,
        lastDispatchMs: last - r.startedAt,
      };
    },
    async stop() {
      redis?.disconnect();
      await Promise.all(servers.map((s) => s.stop()));
      world.stop();
      await world.gh.close();
    },
  };
}

export async function benchCompanion(
  runs: number,
  log: (s: string) => void,
  count = 2000,
  concurrency = 64,
  /** Which companion variants to measure (companion, redis1, redis2); the baselines always run. */
  only?: Set<string>,
): Promise<CompanionRow[]> {
  const serverFile = path.join(ROOT, 'src', 'companion', 'server.ts');
  if (!fs.existsSync(serverFile)) {
    return [
      {
        measure: 'Companion under load',
        value: 'companion not built yet',
        baseline: '',
        compare: '',
        target: '',
      },
    ];
  }
  const key = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const redisServer: TestRedis | { skip: string } = await startRedis().catch((err: unknown) => ({
    skip: `redis-server did not start: ${err instanceof Error ? err.message : String(err)}`,
  }));
  const redisUrl = (db: number) => ('url' in redisServer ? `${redisServer.url}/${db}` : undefined);
  const all: Mode[] = [
    'noop',
    'bare',
    'companion',
    ...('url' in redisServer ? (['redis1', 'noop2', 'redis2'] as const) : []),
  ];
  // The two-replica baseline (two bare apps, round-robin) runs only beside the two-replica variant.
  const wants = (m: Mode) => m === 'noop' || m === 'bare' || !only || only.has(m === 'noop2' ? 'redis2' : m);
  const modes = all.filter(wants);
  const results = new Map<Mode, LoadResult[]>(modes.map((m) => [m, []]));
  const originals = count - Math.round(count * 0.1);
  const targets: Awaited<ReturnType<typeof startTarget>>[] = [];
  try {
    for (const [i, mode] of modes.entries())
      targets.push(
        await startTarget(mode, originals, key, log, mode.startsWith('redis') ? redisUrl(i) : undefined),
      );
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift on the machine affects every variant alike.
      for (const t of targets) {
        log(`companion: run ${i + 1}/${runs} (${t.mode})`);
        (results.get(t.mode) as LoadResult[]).push(await t.run(count, concurrency));
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    if ('stop' in redisServer) await redisServer.stop();
  }

  const m = (mode: Mode, f: (r: LoadResult) => number) => median((results.get(mode) ?? []).map(f));
  const p50 = (r: LoadResult) => percentile(r.acks, 50);
  const p99 = (r: LoadResult) => percentile(r.acks, 99);
  const perS = (r: LoadResult) => (r.acks.length / r.wallMs) * 1000;
  const s = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)} s` : 'n/a');
  const first99 = (r: LoadResult) => percentile(r.warmupAcks, 99);
  const acksOf = (mode: Mode) => ({
    p50: m(mode, p50),
    p99: m(mode, p99),
    tput: m(mode, perS),
    first: m(mode, first99),
  });
  const n = acksOf('noop');
  const bare = {
    last: m('bare', (r) => r.lastDispatchMs),
    lost: m('bare', (r) => r.lost),
    dup: m('bare', (r) => r.duplicates),
  };
  const what =
    `${count.toLocaleString('en-US')} signed deliveries (10% redeliveries), ${concurrency} concurrent; ` +
    `acks timed after the first ${2 * concurrency}, which warm up the connections`;
  const rows: CompanionRow[] = [];
  for (const { mode, label } of VARIANTS) {
    if (only && !only.has(mode)) continue;
    if (!results.has(mode)) {
      rows.push({
        measure: `Companion — ${label}`,
        value: `not measured: ${'skip' in redisServer ? redisServer.skip : 'no results'}`,
        baseline: '',
        compare: '',
        target: '',
      });
      continue;
    }
    const c = acksOf(mode);
    const last = m(mode, (r) => r.lastDispatchMs);
    const acks = (x: typeof c) =>
      `${ms(x.p50)} / ${ms(x.p99)} (${Math.round(x.tput)}/s; the first ${2 * concurrency}: p99 ${ms(x.first)})`;
    // Two replicas compare like for like: with two bare apps deployed the same way (the one-app
    // ratio is shown too; on a small machine two processes share its cores with the load).
    const n2 = mode === 'redis2' ? acksOf('noop2') : undefined;
    rows.push(
      {
        measure: `Companion webhook ack p50 / p99 (answered per second) — ${label}${mode === 'companion' ? `; ${what}` : ''}`,
        value: acks(c),
        baseline: n2
          ? `two bare Probot apps that only answer, round-robin: ${acks(n2)}; one: ${acks(n)}`
          : `bare Probot app that only answers: ${acks(n)}`,
        compare: n2
          ? `${ratio(c.p50, n2.p50)} / ${ratio(c.p99, n2.p99)} (against one: ${ratio(c.p50, n.p50)} / ${ratio(c.p99, n.p99)})`
          : `${ratio(c.p50, n.p50)} / ${ratio(c.p99, n.p99)}`,
        target: '≤ 1.3× (p99 < 10 s)',
      },
      {
        measure: `Companion time until the last dispatch; lost / duplicate dispatches (non-2xx acks) — ${label}`,
        value: `${s(last)}; ${m(mode, (r) => r.lost)} / ${m(mode, (r) => r.duplicates)} (${m(mode, (r) => r.failed)})`,
        baseline: `bare Probot app doing 👀 + dispatch: ${s(bare.last)}; ${bare.lost} / ${bare.dup}`,
        compare: ratio(last, bare.last),
        target: '0 / 0',
      },
    );
  }
  return rows;
}
