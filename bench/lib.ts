/** Small helpers for the benchmarks: statistics, formatting, child processes, RSS sampling. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100); NaN for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : 'n/a');
export const mb = (bytes: number) =>
  Number.isFinite(bytes) ? `${Math.round(bytes / 1024 / 1024)} MB` : 'n/a';
export const ratio = (a: number, b: number) =>
  b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : 'n/a';
export const signedMs = (x: number) => `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}`;

/** The machine the numbers were measured on. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (nproc), ${cpu}, ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM, node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`;
}

/** RSS of a process from /proc (Linux); NaN elsewhere or once it has exited. */
export function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs = 25, tag: () => number = () => 0) {
  const samples: { at: number; rss: number; tag: number }[] = [];
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (Number.isFinite(rss)) samples.push({ at: performance.now(), rss, tag: tag() });
  }, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/** `node --import tsx <file> …args`, with JSON on the last stdout line as the result. */
export function runTsChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0)
        return reject(new Error(`${path.basename(file)} exited ${code}: ${err.trim().slice(-800)}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(
          new Error(`${path.basename(file)} printed no JSON result: ${out.slice(-400)} ${err.slice(-400)}`),
        );
      }
    });
  });
}

/** Starts a long-running tsx child that prints `READY <value>` once listening. */
export function startTsServer(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; ready: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /^READY (\S+)$/m.exec(out);
      if (m?.[1]) {
        resolve({
          child,
          ready: m[1],
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('close', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    });
    child.on('close', (code) =>
      reject(new Error(`${path.basename(file)} exited ${code} before READY: ${err.slice(-800)}`)),
    );
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
