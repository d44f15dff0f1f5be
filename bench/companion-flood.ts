/**
 * Companion memory under a flood of large POSTs with forged signatures: the companion (its own
 * process, bench/companion-server.ts) takes `concurrency` concurrent 24 MB comment deliveries with
 * a wrong signature plus a few chunked 300 MB ones, and its RSS is sampled every 25 ms. The
 * baseline is the same process idle, just before. A health check during the flood shows it still
 * answers; the oversize ones must be refused with 413.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { startFakeGitHub } from '../test/support/fake-github';
import { mb, median, ROOT, rssOf, sampleRss, startTsServer } from './lib';

export interface FloodRow {
  measure: string;
  value: string;
  baseline: string;
  compare: string;
  target: string;
}

const MB = 1024 * 1024;

/** One forged POST streaming `bytes` in 1 MB chunks; resolves with the status (0: connection cut). */
function forgedPost(url: string, bytes: number, declareLength: boolean): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    };
    if (declareLength) headers['content-length'] = bytes;
    const req = http.request(url, { method: 'POST', headers });
    let status = 0;
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
      res.on('error', () => resolve(status));
    });
    req.on('error', () => resolve(status));
    const chunk = Buffer.alloc(MB, 0x20);
    void (async () => {
      for (let sent = 0; sent < bytes && status === 0 && !req.destroyed; sent += MB) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      if (status === 0 && !req.destroyed) req.end();
    })();
  });
}

export async function benchCompanionFlood(
  runs: number,
  log: (s: string) => void,
  concurrency = 32,
): Promise<FloodRow[]> {
  const gh = await startFakeGitHub({});
  const key = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const server = await startTsServer(path.join(ROOT, 'bench', 'companion-server.ts'), ['companion'], {
    ...process.env,
    APP_ID: String(gh.state.app.id),
    PRIVATE_KEY: key,
    WEBHOOK_SECRET: 'flood-secret',
    GHE_HOST: new URL(gh.url).host,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'silent',
  });
  const pid = server.child.pid as number;
  const health = server.ready.replace(/\/api\/github\/webhooks$/, '/healthz');
  const results: {
    idle: number;
    peak: number;
    big: number;
    read401: number;
    busy503: number;
    healthy: boolean;
  }[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      log(`companion flood: run ${i + 1}/${runs}`);
      const idleSamples: number[] = [];
      for (let s = 0; s < 10; s++) {
        idleSamples.push(rssOf(pid));
        await new Promise((r) => setTimeout(r, 50));
      }
      const sampler = sampleRss(pid, 25);
      const flood = [
        ...Array.from({ length: concurrency }, () => forgedPost(server.ready, 24 * MB, true)),
        ...Array.from({ length: 4 }, () => forgedPost(server.ready, 300 * MB, false)),
      ];
      await new Promise((r) => setTimeout(r, 500));
      const healthy = await fetch(health).then(
        (r) => r.ok,
        () => false,
      );
      const statuses = await Promise.all(flood);
      const samples = sampler.stop();
      results.push({
        idle: median(idleSamples),
        peak: Math.max(...samples.map((s) => s.rss)),
        big: statuses.slice(concurrency).filter((s) => s === 413 || s === 503).length,
        read401: statuses.slice(0, concurrency).filter((s) => s === 401).length,
        busy503: statuses.slice(0, concurrency).filter((s) => s === 503).length,
        healthy,
      });
    }
  } finally {
    await server.stop();
    await gh.close();
  }
  const idle = median(results.map((r) => r.idle));
  const peak = median(results.map((r) => r.peak));
  return [
    {
      measure: `Companion peak RSS under a flood of forged-signature POSTs (${concurrency} × 24 MB at once + 4 × 300 MB chunked)`,
      value: `${mb(peak)} (+${mb(peak - idle)}); 24 MB ones read and refused 401 / turned away 503: ${median(results.map((r) => r.read401))} / ${median(results.map((r) => r.busy503))}; 300 MB ones refused (413/503): ${median(results.map((r) => r.big))}/4; /healthz during the flood: ${results.every((r) => r.healthy) ? 'ok' : 'failed'}`,
      baseline: `idle: ${mb(idle)}`,
      compare: `+${mb(peak - idle)}`,
      target: '≤ +100 MB budget + overhead; no crash',
    },
  ];
}
