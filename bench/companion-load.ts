/**
 * The load generator of the companion benchmark, in its own process: the fake GitHub that the
 * servers under test call lives in the bench process, and its work must not delay the clock that
 * times their answers.
 *
 *   node --import tsx bench/companion-load.ts <job.json>
 *
 * job.json: `{ urls, concurrency, deliveries: [{ id, body, signature }] }`. Delivery i goes to
 * `urls[i % urls.length]` (a round-robin load balancer in front of the replicas). Prints one JSON
 * line: `{ acks, wallMs, failed, startedAt }` (ack times in ms, startedAt in epoch ms).
 */
import fs from 'node:fs';
import http from 'node:http';

interface Job {
  urls: string[];
  concurrency: number;
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

const acks: number[] = [];
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
    try {
      const status = await post(target, d);
      acks.push(performance.now() - t0);
      if (status >= 300) failed++;
    } catch {
      failed++;
    }
  }
};
await Promise.all(Array.from({ length: job.concurrency }, worker));
agent.destroy();
process.stdout.write(`${JSON.stringify({ acks, wallMs: performance.now() - started, failed, startedAt })}\n`);
