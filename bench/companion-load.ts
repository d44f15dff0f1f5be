/**
 * The load generator of the companion benchmark, in its own process: the fake GitHub that the
 * servers under test call lives in the bench process, and its work must not delay the clock that
 * times their answers.
 *
 *   node --import tsx bench/companion-load.ts <job.json>
 *
 * job.json: `{ urls, concurrency, warmup, deliveries: [{ id, body, signature }] }`. Delivery i goes
 * to `urls[i % urls.length]` (a round-robin load balancer in front of the replicas). Prints one
 * JSON line: `{ acks, warmupAcks, wallMs, failed, startedAt }` (ack times in ms, startedAt in
 * epoch ms). The first `warmup` deliveries are sent like the others but timed apart (`warmupAcks`):
 * while this process opens its connections and its code (and the servers' code) warms up, their
 * answers wait for that more than for the server. `wallMs` runs from the first delivery after them.
 */
import fs from 'node:fs';
import http from 'node:http';

interface Job {
  urls: string[];
  concurrency: number;
  warmup?: number;
  deliveries: { id: string; body: string; signature: string }[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: companion-load.ts <job.json>');
const job = JSON.parse(fs.readFileSync(file, 'utf8')) as Job;

// node:http with kept-alive sockets, not fetch: the generator shares the machine's cores with the
// servers it measures, and fetch cost it about 1.6 ms of CPU per delivery (43% of two cores
// during a burst), which the servers' answers then waited for.
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const targets = job.urls.map((u) => new URL(u));

/** POSTs one delivery; resolves with the status once the whole answer is read. */
function post(target: URL, d: Job['deliveries'][number]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(d.body),
          'user-agent': 'GitHub-Hookshot/bench',
          'x-github-event': 'issue_comment',
          'x-github-delivery': d.id,
          'x-hub-signature-256': d.signature,
        },
      },
      (res) => {
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(d.body);
  });
}

const warmup = job.warmup ?? 0;
const acks: number[] = [];
const warmupAcks: number[] = [];
let measuredFrom = NaN;
let failed = 0;
let next = 0;
const startedAt = Date.now();
const started = performance.now();
const worker = async () => {
  for (;;) {
    const i = next++;
    const d = job.deliveries[i];
    if (!d) return;
    const target = targets[i % targets.length] as URL;
    const t0 = performance.now();
    if (i === warmup) measuredFrom = t0;
    try {
      const status = await post(target, d);
      (i < warmup ? warmupAcks : acks).push(performance.now() - t0);
      if (status >= 300) failed++;
    } catch {
      failed++;
    }
  }
};
await Promise.all(Array.from({ length: job.concurrency }, worker));
agent.destroy();
const wallMs = performance.now() - (Number.isNaN(measuredFrom) ? started : measuredFrom);
process.stdout.write(`${JSON.stringify({ acks, warmupAcks, wallMs, failed, startedAt })}\n`);
