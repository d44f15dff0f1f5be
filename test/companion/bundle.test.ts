/**
 * The built companion (`dist/companion/index.js`, what `npm run companion` and the Docker image
 * run) as a subprocess: it starts from the environment alone, answers a signed webhook against the
 * fake GitHub, refuses to start without a webhook secret, and exits cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DIST_NODE, distPath, ROOT } from '../support/runner';
import type { FakeGitHub } from '../support/fake-github';
import { companionEnv, deliver, prComment, startWorld } from './harness';

const ENTRY = path.join(ROOT, 'dist', 'companion', 'index.js');

interface Child {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: NodeJS.ProcessEnv): Child {
  const proc = spawn(DIST_NODE, [ENTRY], {
    env: { PATH: distPath(process.env.PATH ?? ''), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function listeningUrl(child: Child, timeoutMs = 20000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/\S+?)(?:"|\s|$)/.exec(child.output());
    if (m?.[1]) return m[1];
    if (child.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the companion did not start:\n${child.output()}`);
}

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startWorld();
});
afterEach(async () => {
  await gh.close();
});

it('is built (npm run build)', () => {
  expect(fs.existsSync(ENTRY)).toBe(true);
});

it('starts from the environment and answers a signed webhook', async () => {
  const child = start(
    companionEnv(gh, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json' }),
  );
  try {
    const webhookUrl = await listeningUrl(child);
    expect(webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks$/);

    const { id, payload } = prComment(gh, '/claude review');
    const res = await deliver(webhookUrl, 'issue_comment', payload);
    expect(res.status).toBe(202);
    // Acknowledged first, handled right after.
    for (let i = 0; i < 100 && gh.state.dispatches.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(gh.state.reactionsOf(`issue_comment:${id}`)).toHaveLength(1);
    expect(gh.state.dispatches.map((d) => d.inputs.comment_id)).toEqual([String(id)]);

    const unsigned = await deliver(webhookUrl, 'issue_comment', payload, { signature: null });
    expect(unsigned.status).toBe(400);

    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('claude-relay: dispatched');
    // The private key and the secret never reach the log.
    expect(child.output()).not.toContain('PRIVATE KEY');
    expect(child.output()).not.toContain('webhook-secret-for-tests');
  } finally {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
});

it('logs the outcome of every delivery it drains on SIGTERM, even while stdout is slow to read', async () => {
  // The work thread's log lines reach stdout on their own; a line still waiting to be written when
  // the thread is stopped would be lost. Stop reading the child's stdout, so that the log piles up
  // in the pipe until writes would block, then stop the companion and read again.
  const child = start(
    companionEnv(gh, {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      WRITE_SPACING_MS: '0',
    }),
  );
  try {
    const webhookUrl = await listeningUrl(child);
    child.proc.stdout?.pause();
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const { payload } = prComment(gh, `/claude review ${'x'.repeat(2000)}`);
      const res = await deliver(webhookUrl, 'issue_comment', payload);
      expect(res.status).toBe(202);
      ids.push(res.id);
    }
    // Every delivery ends with a dispatch or a reply. A companion that does not wait for its log
    // finishes them all while stdout is not read; one that does stops until it is read again.
    // Either way SIGTERM comes while stdout is still not read: once all are done or none for 1 s.
    const lastWrites = () => gh.requestsTo('POST', /\/(dispatches|comments)$/).length;
    for (let before = -1; lastWrites() < ids.length && lastWrites() > before;) {
      before = lastWrites();
      await new Promise((r) => setTimeout(r, 1000));
    }
    child.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    child.proc.stdout?.resume();
    expect(await child.exited).toBe(0);
    const outcomes = child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; delivery?: string })
      .filter((l) => l.delivery && l.msg?.startsWith('claude-relay: '));
    expect(child.output()).toContain('every acknowledged delivery was handled');
    expect(outcomes.map((l) => l.delivery).sort()).toEqual([...ids].sort());
    expect(lastWrites()).toBe(ids.length);
  } finally {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
}, 60_000);

it('refuses to start without WEBHOOK_SECRET and says why', async () => {
  const env = companionEnv(gh);
  delete env.WEBHOOK_SECRET;
  const child = start(env);
  expect(await child.exited).toBe(1);
  expect(child.output()).toContain('WEBHOOK_SECRET');
  expect(gh.requests).toEqual([]);
});
