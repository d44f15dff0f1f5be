/**
 * Ack latency of the companion: time from the start of a signed webhook POST to the 👀 reaction
 * request arriving at the (fake) GitHub, plus the webhook's own response time. 200 deliveries,
 * each a new `/claude review` comment on its own PR by a write user, against the built companion
 * (`dist/companion/index.js`, its own process, as `npm run companion` runs it). Not a test:
 *
 *   npm run build                                                   # or the ncc line for the companion
 *   npx tsx test/companion/ack-latency.bench.ts                      # one delivery at a time
 *   npx tsx test/companion/ack-latency.bench.ts --concurrency 16     # 16 deliveries in flight
 *   npx tsx test/companion/ack-latency.bench.ts --spacing 0          # WRITE_SPACING_MS=0
 *   npx tsx test/companion/ack-latency.bench.ts --repos same         # all comments in one repository
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fakeSha, startFakeGitHub, type RecordedRequest } from '../support/fake-github';
import { issueComment } from '../support/payloads';
import { ROOT } from '../support/runner';
import { appPrivateKey, deliver, REPO, SECRET } from './harness';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    spacing: { type: 'string', default: '1000' },
    // `distinct`: every comment in its own repository, so every delivery reads the config (the
    // cold path); `same`: one repository, config reads shared for 10 s (a busy repository).
    repos: { type: 'string', default: 'distinct' },
  },
});
const DISTINCT = args.repos !== 'same';
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);
const SPACING = Number(args.spacing);
const ENTRY = path.join(ROOT, 'dist', 'companion', 'index.js');
if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first`);

const gh = await startFakeGitHub({ permissions: { [REPO]: { alice: 'write' } } });

// When each request reached the fake (the request log has no timestamps of its own).
const arrivedAt = new Map<RecordedRequest, number>();
const push = gh.requests.push.bind(gh.requests);
gh.requests.push = (...items: RecordedRequest[]) => {
  const now = performance.now();
  for (const r of items) arrivedAt.set(r, now);
  return push(...items);
};

const child = spawn(process.execPath, [ENTRY], {
  env: {
    PATH: process.env.PATH ?? '',
    APP_ID: String(gh.state.app.id),
    PRIVATE_KEY: appPrivateKey(),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(gh.url).host,
    GHE_PROTOCOL: 'http',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    WRITE_SPACING_MS: String(SPACING),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const webhookUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/\S+?)(?:"|\s|$)/.exec(out);
    if (m?.[1]) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`the companion exited (${code}):\n${out}`)));
});

function comment(i: number): { id: number; path: string; payload: unknown } {
  const repo = DISTINCT ? `octo-org/bench-${i}` : REPO;
  const number = DISTINCT ? 1 : i + 1;
  if (DISTINCT) {
    gh.state.addRepo(repo);
    gh.state.addWorkflow('claude.yml', repo);
    gh.state.setPermission(repo, 'alice', 'write');
  }
  gh.state.addPullRequest({
    repo,
    number,
    title: `Change ${number}`,
    user: 'alice',
    head: { ref: `change-${number}`, sha: fakeSha(`head-${number}`) },
    base: { ref: 'main', sha: fakeSha('base') },
  });
  const c = gh.state.addIssueComment({ repo, issue_number: number, body: '/claude review', user: 'alice' });
  const name = repo.split('/')[1] ?? '';
  const payload = issueComment(
    '/claude review',
    {
      comment: { id: c.id, user: { login: 'alice', type: 'User', id: 1001 } },
      issue: { number, title: `Change ${number}` },
      sender: { login: 'alice', type: 'User', id: 1001 },
      installation: { id: gh.state.installation.id },
      repository: { name, full_name: repo, default_branch: 'main', html_url: `https://github.com/${repo}` },
    },
    { onPullRequest: true },
  );
  return { id: c.id, path: `/repos/${repo}/issues/comments/${c.id}/reactions`, payload };
}

const ackOf = (path: string): number | undefined => {
  const r = gh.requests.find((x) => x.method === 'POST' && x.path === path);
  return r ? arrivedAt.get(r) : undefined;
};

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank] as number;
}

// Warm-up outside the measurement (installation token, JIT).
const warm = comment(N);
await deliver(webhookUrl, 'issue_comment', warm.payload);

const items = Array.from({ length: N }, (_, i) => comment(i));
const acks: number[] = [];
const responses: number[] = [];
const statuses = new Map<number, number>();
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const item = items[next++];
      if (!item) return;
      const t0 = performance.now();
      const res = await deliver(webhookUrl, 'issue_comment', item.payload);
      const t1 = performance.now();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      responses.push(t1 - t0);
      const at = ackOf(item.path);
      if (at !== undefined) acks.push(at - t0);
    }
  }),
);
const wall = performance.now() - started;

const dispatched = new Set(gh.state.dispatches.map((d) => d.inputs.comment_id));
const f = (ms: number) => `${ms.toFixed(1)} ms`;
process.stdout.write(
  [
    `companion ack latency: ${N} signed deliveries, concurrency ${CONCURRENCY}, WRITE_SPACING_MS=${SPACING}, ${DISTINCT ? 'one repository per comment (config read each time)' : 'one repository (config reads shared)'}`,
    `  ack (POST → 👀 at GitHub):   median ${f(percentile(acks, 50))}, p99 ${f(percentile(acks, 99))}, max ${f(Math.max(...acks))} (${acks.length} acks)`,
    `  webhook response time:      median ${f(percentile(responses, 50))}, p99 ${f(percentile(responses, 99))}, max ${f(Math.max(...responses))}`,
    `  responses: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; dispatched by the end: ${dispatched.size - 1}/${N}; wall ${f(wall)}`,
    '',
  ].join('\n'),
);

// Deliveries still waiting for their write slot are abandoned, as on a replica's shutdown.
child.kill('SIGKILL');
await gh.close();
process.exit(0);
