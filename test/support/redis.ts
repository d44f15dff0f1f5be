/**
 * A throwaway real Redis for tests: `redis-server` on a free loopback port, no persistence, its
 * own temp dir. `startRedis()` resolves to undefined (with the reason) when redis-server is not
 * installed, so suites can skip with a printed reason instead of failing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = found.stdout.trim();
  return found.status === 0 && p ? p : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis | { skip: string }> {
  const bin = redisServerPath();
  if (!bin) return { skip: 'redis-server is not installed (apt-get install redis-server; .ci/run does)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)),
      15_000,
    );
    const check = setInterval(() => {
      if (/Ready to accept connections/i.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`redis-server exited ${code}: ${out.slice(-500)}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        if (child.exitCode !== null) {
          fs.rmSync(dir, { recursive: true, force: true });
          return resolve();
        }
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGKILL');
      }),
  };
}

/**
 * A Redis for the calling test file: started before its tests and stopped after them. `set` gets
 * the server, or why there is none (the reason is printed once, and the Redis cases skip).
 */
export function useRedis(label: string, set: (r: { redis?: TestRedis; skip?: string }) => void): void {
  let started: TestRedis | undefined;
  beforeAll(async () => {
    const r = await startRedis();
    if ('skip' in r) {
      process.stdout.write(`SKIPPED ${label}: ${r.skip}\n`);
      set({ skip: r.skip });
    } else set({ redis: (started = r) });
  });
  afterAll(async () => {
    await started?.stop();
  });
}
