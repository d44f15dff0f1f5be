/**
 * Ack latency of the companion: time from the start of a signed webhook POST to the 👀 reaction
 * request arriving at the (fake) GitHub, plus the webhook's own response time. 200 deliveries,
 * each a new `/claude review` comment on its own PR by a write user, against the companion as
 * shipped (src/companion/server.ts, default 1 s write spacing) in this process. Not a test:
 *
 *   npx tsx test/companion/ack-latency.bench.ts                      # sequential (one at a time)
 *   npx tsx test/companion/ack-latency.bench.ts --concurrency 16     # 16 deliveries in flight
 *   npx tsx test/companion/ack-latency.bench.ts --n 500 --spacing 0  # no write spacing
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { startCompanionServer } from '../../src/companion/server';
import { fakeSha, startFakeGitHub, type RecordedRequest } from '../support/fake-github';
import { issueComment } from '../support/payloads';
import { appPrivateKey, deliver, REPO, SECRET } from './harness';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    spacing: { type: 'string', default: '1000' },
  },
});
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);
const SPACING = Number(args.spacing);

const gh = await startFakeGitHub({ permissions: { [REPO]: { alice: 'write' } } });

// When each request reached the fake (the request log has no timestamps of its own).
const arrivedAt = new Map<RecordedRequest, number>();
const push = gh.requests.push.bind(gh.requests);
gh.requests.push = (...items: RecordedRequest[]) => {
  const now = performance.now();
  for (const r of items) arrivedAt.set(r, now);
  return push(...items);
};

const server = await startCompanionServer({
  env: {
    APP_ID: String(gh.state.app.id),
    PRIVATE_KEY: appPrivateKey(),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(gh.url).host,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'silent',
  },
  port: 0,
  host: '127.0.0.1',
  writeSpacingMs: SPACING,
});

function comment(i: number): { id: number; payload: unknown } {
  const number = i + 1;
  gh.state.addPullRequest({
    number,
    title: `Change ${number}`,
    user: 'alice',
    head: { ref: `change-${number}`, sha: fakeSha(`head-${number}`) },
    base: { ref: 'main', sha: fakeSha('base') },
  });
  const c = gh.state.addIssueComment({ issue_number: number, body: '/claude review', user: 'alice' });
  const payload = issueComment(
    '/claude review',
    {
      comment: { id: c.id, user: { login: 'alice', type: 'User', id: 1001 } },
      issue: { number, title: `Change ${number}` },
      sender: { login: 'alice', type: 'User', id: 1001 },
      installation: { id: gh.state.installation.id },
      repository: { default_branch: 'main', html_url: `https://github.com/${REPO}` },
    },
    { onPullRequest: true },
  );
  return { id: c.id, payload };
}

const ackOf = (commentId: number): number | undefined => {
  const path = `/repos/${REPO}/issues/comments/${commentId}/reactions`;
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
const warm = comment(N + 1000);
await deliver(server.webhookUrl, 'issue_comment', warm.payload, { id: randomUUID() });

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
      const res = await deliver(server.webhookUrl, 'issue_comment', item.payload);
      const t1 = performance.now();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      responses.push(t1 - t0);
      const at = ackOf(item.id);
      if (at !== undefined) acks.push(at - t0);
    }
  }),
);
const wall = performance.now() - started;

const dispatched = new Set(gh.state.dispatches.map((d) => d.inputs.comment_id));
const f = (ms: number) => `${ms.toFixed(1)} ms`;
process.stdout.write(
  [
    `companion ack latency: ${N} signed deliveries, concurrency ${CONCURRENCY}, write spacing ${SPACING} ms`,
    `  ack (POST → 👀 at GitHub):   median ${f(percentile(acks, 50))}, p99 ${f(percentile(acks, 99))}, max ${f(Math.max(...acks))} (${acks.length} acks)`,
    `  webhook response time:      median ${f(percentile(responses, 50))}, p99 ${f(percentile(responses, 99))}, max ${f(Math.max(...responses))}`,
    `  responses: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; dispatches: ${dispatched.size - 1}/${N}; wall ${f(wall)}`,
    '',
  ].join('\n'),
);

// Deliveries still waiting for their write slot are abandoned, as on a replica's shutdown.
await server.close(0);
await gh.close();
process.exit(0);
