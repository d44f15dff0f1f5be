/**
 * The companion's request limits over real HTTP: oversized bodies are refused before they are
 * kept, slow clients time out, the bodies held at once share a budget, and the server keeps
 * answering valid deliveries afterwards.
 */
import http from 'node:http';
import net from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import type { FakeGitHub } from '../support/fake-github';
import { SECRET, deliver, prComment, startCompanion, startWorld, type Companion } from './harness';

let gh: FakeGitHub;
const started: Companion[] = [];

beforeEach(async () => {
  gh = await startWorld();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close(1000)));
  await gh.close();
});

async function companion(limits: Parameters<typeof startCompanion>[1] = {}): Promise<Companion> {
  const c = await startCompanion(gh, limits);
  started.push(c);
  return c;
}

interface RawAnswer {
  status: number;
  body: string;
  /** Bytes the client had written when the answer arrived. */
  written: number;
}

/**
 * A POST whose body is written by `feed` (it may write slowly or forever); resolves with the first
 * answer. Write errors after the server closed the connection are expected and ignored.
 */
function rawPost(
  url: string,
  headers: Record<string, string | number>,
  feed: (req: http.ClientRequest, stopped: () => boolean) => Promise<void>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let written = 0;
    const req = http.request(url, { method: 'POST', headers });
    const write = req.write.bind(req);
    req.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
      written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof req.write;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body, written }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    feed(req, () => answered || req.destroyed).catch(() => {});
  });
}

const hookHeaders = (event = 'issue_comment', extra: Record<string, string | number> = {}) => ({
  'content-type': 'application/json',
  'x-github-event': event,
  'x-github-delivery': `d-${Math.random().toString(36).slice(2)}`,
  'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
  ...extra,
});

const MB = 1024 * 1024;

/** Writes `total` bytes in 1 MB chunks, honouring back-pressure, until done or answered. */
async function stream(req: http.ClientRequest, stopped: () => boolean, total: number): Promise<void> {
  const chunk = Buffer.alloc(MB, 0x20);
  for (let sent = 0; sent < total && !stopped(); sent += MB) {
    if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
  }
  if (!stopped()) req.end();
}

async function stillDispatches(c: Companion): Promise<void> {
  const before = gh.state.dispatches.length;
  const res = await deliver(c.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
  expect(res.status).toBe(202);
  expect(gh.state.dispatches).toHaveLength(before + 1);
}

describe('body size', () => {
  it('refuses a declared length over 25 MB with 413 before reading the body', async () => {
    const c = await companion();
    const answer = await rawPost(
      c.webhookUrl,
      hookHeaders('issue_comment', { 'content-length': 26 * MB }),
      async (req) => {
        req.write('{"action":"created"');
        // The rest never comes: the answer must not wait for it.
      },
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('limit');
    expect(answer.written).toBeLessThan(1024);
    await stillDispatches(c);
  });

  it('stops a chunked 600 MB body at 25 MB with 413 and keeps serving', async () => {
    const c = await companion();
    const answer = await rawPost(c.webhookUrl, hookHeaders(), (req, stopped) =>
      stream(req, stopped, 600 * MB),
    );
    expect(answer.status).toBe(413);
    // The server answered once the limit was passed, long before the 600 MB were sent.
    expect(answer.written).toBeLessThan(200 * MB);
    await stillDispatches(c);
  });

  it('lets a client still sending after the 413 finish reading it, rather than reset it', async () => {
    const c = await companion();
    const { hostname, port, pathname } = new URL(c.webhookUrl);
    // A client that notices the answer (and the server's FIN) late: it goes on sending for 300 ms
    // after the answer arrived. A server that closes at once resets it: EPIPE on its next write.
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    let received = '';
    let answeredAt = 0;
    let failure: Error | undefined;
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      answeredAt ||= Date.now();
    });
    socket.on('error', (err) => (failure ??= err));
    const headers = Object.entries(hookHeaders())
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ntransfer-encoding: chunked\r\n${headers}\r\n`,
    );
    const size = 256 * 1024;
    const chunk = Buffer.concat([
      Buffer.from(`${size.toString(16)}\r\n`),
      Buffer.alloc(size, 0x20),
      Buffer.from('\r\n'),
    ]);
    const deadline = Date.now() + 20_000;
    while (
      !failure &&
      !socket.destroyed &&
      Date.now() < deadline &&
      !(answeredAt && Date.now() - answeredAt > 300)
    ) {
      const flushed = socket.write(chunk);
      await new Promise((resolve) => (flushed ? setImmediate(resolve) : setTimeout(resolve, 5)));
    }
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(failure?.message).toBeUndefined();
    await stillDispatches(c);
  });

  it('refuses an unsigned POST at once, without reading its body', async () => {
    const c = await companion();
    const headers: Record<string, string | number> = hookHeaders('issue_comment', {
      'content-length': 20 * MB,
    });
    delete headers['x-hub-signature-256'];
    const answer = await rawPost(c.webhookUrl, headers, async (req) => {
      req.write('{');
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('x-hub-signature-256');
  });

  it('shares one budget between the bodies held at once: beyond it, 503', async () => {
    const c = await companion({ limits: { maxBufferedBytes: 3 * MB } });
    // One request holds 2 MB and does not finish.
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    const first = rawPost(c.webhookUrl, hookHeaders(), async (req) => {
      req.write(Buffer.alloc(2 * MB, 0x20));
      await holding;
      req.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await rawPost(c.webhookUrl, hookHeaders(), (req, stopped) => stream(req, stopped, 4 * MB));
    expect(second.status).toBe(503);
    release();
    await first.catch(() => undefined);
    await stillDispatches(c);
  });

  it('verifies events it does not handle without keeping them (a 5 MB push over a 1 MB budget)', async () => {
    const c = await companion({ limits: { maxBufferedBytes: MB } });
    const body = JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(5 * MB) });
    const ok = await deliver(c.webhookUrl, 'push', undefined, { body });
    expect(ok.status).toBe(202);
    expect(ok.text).toContain('not handled');
    const forged = await deliver(c.webhookUrl, 'push', undefined, { body, secret: 'wrong' });
    expect(forged.status).toBe(401);
    expect(c.outcomes).toEqual([]);
  });
});

describe('slow clients', () => {
  it('times out a body that trickles in (408) and keeps serving', async () => {
    const c = await companion({ limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } });
    const payload = JSON.stringify(prComment(gh, '/claude review').payload);
    const signature = await sign(SECRET, payload);
    const t0 = Date.now();
    const answer = await rawPost(
      c.webhookUrl,
      hookHeaders('issue_comment', { 'x-hub-signature-256': signature }),
      async (req, stopped) => {
        for (let i = 0; i < payload.length && !stopped() && Date.now() - t0 < 20_000; i += 10) {
          req.write(payload.slice(i, i + 10));
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    );
    expect(answer.status).toBe(408);
    expect(gh.state.dispatches).toEqual([]);
    await stillDispatches(c);
  });

  it('closes a connection whose headers never finish', async () => {
    const c = await companion({ limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } });
    const { port } = new URL(c.url);
    const net = await import('node:net');
    const closed = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issue_comment\r\n');
      });
      let got = '';
      socket.setEncoding('utf8').on('data', (d: string) => (got += d));
      socket.on('close', () => resolve(got));
      setTimeout(() => socket.destroy(), 20_000).unref();
    });
    expect(closed).toMatch(/^HTTP\/1\.1 408/);
  });
});
