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

interface Job {
  urls: string[];
  concurrency: number;
  deliveries: { id: string; body: string; signature: string }[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: companion-load.ts <job.json>');
const job = JSON.parse(fs.readFileSync(file, 'utf8')) as Job;

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
    const url = job.urls[i % job.urls.length] as string;
    const t0 = performance.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/bench',
          'x-github-event': 'issue_comment',
          'x-github-delivery': d.id,
          'x-hub-signature-256': d.signature,
        },
        body: d.body,
      });
      await res.arrayBuffer();
      acks.push(performance.now() - t0);
      if (res.status >= 300) failed++;
    } catch {
      failed++;
    }
  }
};
await Promise.all(Array.from({ length: job.concurrency }, worker));
process.stdout.write(`${JSON.stringify({ acks, wallMs: performance.now() - started, failed, startedAt })}\n`);
