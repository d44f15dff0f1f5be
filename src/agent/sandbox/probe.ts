/**
 * Can the CLI's sandbox start on this machine? A PATH check is not enough: bubblewrap may be
 * installed but unable to create namespaces (AppArmor's unprivileged-userns restriction on Ubuntu
 * ≥ 24.04, containers without privileges), and a socat that cannot load its libraries makes the
 * CLI fail at the first command. So both programs are actually run, the way the CLI runs them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type ProbeCause = 'not-linux' | 'missing' | 'userns-restricted' | 'broken' | 'failed';

export interface ProbeResult {
  ok: boolean;
  cause?: ProbeCause;
  /** One line: what was found, or why the sandbox cannot start. */
  detail: string;
  ms: number;
}

export interface ProbeOptions {
  /** The PATH the CLI will get (it looks bwrap and socat up there). */
  pathVar: string;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
  /** Where kernel switches are read (tests point this at a fixture). */
  procSys?: string;
}

export function findOnPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface Ran {
  code: number | string;
  stderr: string;
}

function run(file: string, args: string[], pathVar: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { PATH: pathVar, LC_ALL: 'C' }, timeout: timeoutMs, encoding: 'utf8' },
      (err, _stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean }) | null;
        if (!e) return resolve({ code: 0, stderr: String(stderr) });
        const code = e.killed ? 'timeout' : typeof e.code === 'number' ? e.code : String(e.code ?? 'error');
        resolve({ code, stderr: `${String(stderr)}${typeof e.code === 'number' ? '' : e.message}` });
      },
    );
  });
}

function readSwitch(procSys: string, rel: string): string | undefined {
  try {
    return fs.readFileSync(path.join(procSys, rel), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  ).slice(0, 200);
}

/** Why bwrap could not create its namespaces, from its message and the kernel's switches. */
export function classifyBwrapFailure(
  stderr: string,
  procSys = '/proc/sys',
): { cause: ProbeCause; detail: string } {
  const msg = firstLine(stderr);
  if (/error while loading shared libraries|cannot execute|exec format error|ENOEXEC|EACCES/i.test(stderr)) {
    return { cause: 'broken', detail: `bwrap cannot run: ${msg}` };
  }
  const nsRefused = /namespace|uid map|Operation not permitted|Permission denied/i.test(stderr);
  if (nsRefused && readSwitch(procSys, 'kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return {
      cause: 'userns-restricted',
      detail: `bwrap cannot create user namespaces: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1): ${msg}`,
    };
  }
  if (
    nsRefused &&
    (readSwitch(procSys, 'kernel/unprivileged_userns_clone') === '0' ||
      readSwitch(procSys, 'user/max_user_namespaces') === '0')
  ) {
    return {
      cause: 'userns-restricted',
      detail: `bwrap cannot create user namespaces: the kernel disables them for unprivileged users: ${msg}`,
    };
  }
  return { cause: 'failed', detail: `bwrap cannot create its namespaces: ${msg || 'no message'}` };
}

export async function probeSandbox(opts: ProbeOptions): Promise<ProbeResult> {
  const started = Date.now();
  const done = (r: Omit<ProbeResult, 'ms'>): ProbeResult => ({ ...r, ms: Date.now() - started });
  const platform = opts.platform ?? process.platform;
  if (platform !== 'linux') {
    return done({
      ok: false,
      cause: 'not-linux',
      detail: `the command sandbox needs Linux (bubblewrap); this runner is ${platform}`,
    });
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const bwrap = findOnPath('bwrap', opts.pathVar);
  const socat = findOnPath('socat', opts.pathVar);
  const missing = [bwrap ? undefined : 'bwrap (bubblewrap)', socat ? undefined : 'socat'].filter(Boolean);
  if (!bwrap || !socat) {
    return done({ ok: false, cause: 'missing', detail: `${missing.join(' and ')} not found on PATH` });
  }
  const [b, s] = await Promise.all([
    // The namespaces the CLI asks for: a new session, PID and network namespace, a fresh /proc.
    run(
      bwrap,
      [
        '--new-session',
        '--die-with-parent',
        '--unshare-pid',
        '--unshare-net',
        '--ro-bind',
        '/',
        '/',
        '--dev',
        '/dev',
        '--proc',
        '/proc',
        '--',
        'true',
      ],
      opts.pathVar,
      timeoutMs,
    ),
    run(socat, ['-V'], opts.pathVar, timeoutMs),
  ]);
  if (b.code !== 0) return done({ ok: false, ...classifyBwrapFailure(b.stderr, opts.procSys) });
  if (s.code !== 0) {
    return done({
      ok: false,
      cause: 'broken',
      detail: `socat cannot run: ${firstLine(s.stderr) || `exit ${s.code}`}`,
    });
  }
  return done({ ok: true, detail: `bwrap (${bwrap}) creates its namespaces and socat (${socat}) runs` });
}
