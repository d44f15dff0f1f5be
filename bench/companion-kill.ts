/**
 * Two built companions (dist/companion/index.js) on one Redis take 200 `/claude` comments on 200
 * PRs spread across both; once 60 are dispatched, one replica is SIGKILLed. Measured: dispatches
 * per second before and after the kill, when the comments the dead replica had claimed were
 * dispatched by the other one, the time until the last dispatch, lost and duplicate dispatches.
 * Settings as in test/companion/redis.test.ts (QUEUE_LOCK_MS 2 s, 8 workers per replica, writes
 * spaced 100 ms). The baseline, in the same run: the same two replicas, nobody killed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FakeGitHub, RecordedRequest } from '../test/support/fake-github';
import { startRedis } from '../test/support/redis';
import {
  addPullRequests,
  deliver,
  prComment,
  spawnCompanion,
  startWorld,
  type CompanionProcess,
} from '../test/companion/harness';
import { median, ROOT } from './lib';

export interface KillRow {
  measure: string;
  value: string;
  baseline: string;
  compare: string;
  target: string;
}

interface KillResult {
  beforePerS: number;
  afterPerS: number;
  /** ms after the kill at which the dead replica's claimed comments were dispatched (max). */
  heldDispatchedMs: number;
  lastMs: number;
  lost: number;
  duplicates: number;
}

const COMMENTS = 200;
const KILL_AFTER = 60;

async function once(redisUrl: string, kill: boolean): Promise<KillResult> {
  const gh: FakeGitHub = await startWorld();
  const procs: CompanionProcess[] = [];
  try {
    const dispatchedAt: number[] = [];
    const push = gh.state.dispatches.push.bind(gh.state.dispatches);
    gh.state.dispatches.push = (...items) => {
      const now = performance.now();
      dispatchedAt.push(...items.map(() => now));
      return push(...items);
    };
    const requestAt = new Map<RecordedRequest, number>();
    const rpush = gh.requests.push.bind(gh.requests);
    gh.requests.push = (...items) => {
      for (const r of items) requestAt.set(r, performance.now());
      return rpush(...items);
    };
    const prs = addPullRequests(gh, 10, COMMENTS);
    const env = {
      REDIS_URL: redisUrl,
      WRITE_SPACING_MS: '100',
      QUEUE_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '8',
    };
    const [a, b] = await Promise.all([spawnCompanion(gh, env), spawnCompanion(gh, env)]);
    procs.push(a, b);
    const comments = prs.map((n) => prComment(gh, '/claude review', 'alice', { target: n }));
    const t0 = performance.now();
    let killedAt = NaN;
    const killer = (async () => {
      while (kill && gh.state.dispatches.length < KILL_AFTER) await new Promise((r) => setTimeout(r, 20));
      if (!kill) return;
      killedAt = performance.now();
      a.child.kill('SIGKILL');
    })();
    let next = 0;
    const sender = async () => {
      for (let i = next++; i < comments.length; i = next++) {
        const c = comments[i] as (typeof comments)[number];
        const target = i % 2 === 0 && Number.isNaN(killedAt) ? a : b;
        try {
          await deliver(target.webhookUrl, 'issue_comment', c.payload);
        } catch {
          await deliver(b.webhookUrl, 'issue_comment', c.payload);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    await killer;
    const deadline = performance.now() + 300_000;
    while (gh.state.dispatches.length < COMMENTS && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const per = new Map<string, number>();
    for (const d of gh.state.dispatches)
      per.set(String(d.inputs.comment_id), (per.get(String(d.inputs.comment_id)) ?? 0) + 1);
    const split = kill ? killedAt : (dispatchedAt[KILL_AFTER - 1] ?? NaN);
    const before = dispatchedAt.filter((x) => x <= split);
    const after = dispatchedAt.filter((x) => x > split);
    const last = dispatchedAt.at(-1) ?? NaN;
    // Claimed (👀) before the kill, dispatched after it: what the dead replica had in hand.
    const claimedBefore = gh.requests
      .filter((r) => r.method === 'POST' && /\/comments\/\d+\/reactions$/.test(r.path))
      .filter((r) => (requestAt.get(r) ?? Infinity) <= split)
      .map((r) => /\/comments\/(\d+)\//.exec(r.path)?.[1] as string);
    const dispatchTime = new Map(
      gh.state.dispatches.map((d, i) => [String(d.inputs.comment_id), dispatchedAt[i] ?? NaN]),
    );
    const held = claimedBefore.map((id) => (dispatchTime.get(id) ?? Infinity) - split).filter((x) => x > 0);
    return {
      beforePerS: before.length / ((split - t0) / 1000),
      afterPerS: after.length / ((last - split) / 1000),
      heldDispatchedMs: held.length ? Math.max(...held) : 0,
      lastMs: last - t0,
      lost: COMMENTS - per.size,
      duplicates: [...per.values()].reduce((x, y) => x + y, 0) - per.size,
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await gh.close();
  }
}

export async function benchCompanionKill(runs: number, log: (s: string) => void): Promise<KillRow[]> {
  const measure = `Companion, 2 replicas on Redis, ${COMMENTS} comments, one replica SIGKILLed after ${KILL_AFTER} dispatches: dispatches/s before / after the kill; the dead replica's claimed comments dispatched by; time until the last dispatch; lost / duplicate`;
  const skip = (why: string): KillRow[] => [
    { measure, value: `not measured: ${why}`, baseline: '', compare: '', target: '' },
  ];
  if (!fs.existsSync(path.join(ROOT, 'dist', 'companion', 'index.js')))
    return skip('dist/companion/index.js is missing (npm run build)');
  const redis = await startRedis();
  if ('skip' in redis) return skip(redis.skip);
  const killed: KillResult[] = [];
  const whole: KillResult[] = [];
  try {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      for (let i = 0; i < runs; i++) {
        for (const kill of [true, false]) {
          log(`companion kill: run ${i + 1}/${runs} (${kill ? 'one replica killed' : 'nobody killed'})`);
          await client.flushall();
          (kill ? killed : whole).push(await once(redis.url, kill));
        }
      }
    } finally {
      client.disconnect();
    }
  } finally {
    await redis.stop();
  }
  const m = (list: KillResult[], f: (r: KillResult) => number) => median(list.map(f));
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const perS = (x: number) => `${x.toFixed(1)}/s`;
  return [
    {
      measure,
      value: `${perS(m(killed, (r) => r.beforePerS))} / ${perS(m(killed, (r) => r.afterPerS))}; kill + ${s(m(killed, (r) => r.heldDispatchedMs))}; ${s(m(killed, (r) => r.lastMs))}; ${m(killed, (r) => r.lost)} / ${m(killed, (r) => r.duplicates)}`,
      baseline: `nobody killed: ${perS(m(whole, (r) => r.beforePerS))} / ${perS(m(whole, (r) => r.afterPerS))}; ${s(m(whole, (r) => r.lastMs))}; ${m(whole, (r) => r.lost)} / ${m(whole, (r) => r.duplicates)}`,
      compare: `${(m(killed, (r) => r.lastMs) / m(whole, (r) => r.lastMs)).toFixed(2)}× the time`,
      target: '0 / 0; claimed work resumed within QUEUE_LOCK_MS + a few s',
    },
  ];
}
