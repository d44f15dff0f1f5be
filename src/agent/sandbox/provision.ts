/**
 * Makes the command sandbox work where the runner lets us: GitHub-hosted runners have
 * passwordless sudo but no bubblewrap, and Ubuntu ≥ 24.04 blocks the unprivileged user namespaces
 * bubblewrap needs. With root (or `sudo -n`), install bubblewrap + socat and lift the AppArmor
 * restriction for this job's machine, then probe again. Everything done is logged with its time.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { findOnPath, type ProbeResult } from './probe';

export interface Ran {
  code: number;
  output: string;
}

/** The system calls provisioning makes: small, so tests can fake them (e.g. a fake `sudo` on PATH). */
export interface Provisioner {
  /** How to run a command as root: [] when already root, ['sudo', '-n'] with passwordless sudo; undefined when neither. */
  privilege(): Promise<string[] | undefined>;
  run(argv: string[], timeoutMs: number): Promise<Ran>;
  /** Ubuntu's VERSION_ID ('24.04'), undefined on other systems. */
  ubuntuVersion(): string | undefined;
  has(program: string): boolean;
}

function exec(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    execFile(
      file as string,
      args,
      { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : -1;
        resolve({
          code,
          output: `${String(stdout)}${String(stderr)}${e && typeof e.code !== 'number' ? e.message : ''}`,
        });
      },
    );
  });
}

export function systemProvisioner(opts: { pathVar: string; uid?: number; osRelease?: string }): Provisioner {
  const env: NodeJS.ProcessEnv = { PATH: opts.pathVar, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
  return {
    async privilege() {
      if ((opts.uid ?? process.getuid?.()) === 0) return [];
      if (!findOnPath('sudo', opts.pathVar)) return undefined;
      const r = await exec(['sudo', '-n', 'true'], env, 10_000);
      return r.code === 0 ? ['sudo', '-n'] : undefined;
    },
    run: (argv, timeoutMs) => exec(argv, env, timeoutMs),
    ubuntuVersion() {
      let text = '';
      try {
        text = fs.readFileSync(opts.osRelease ?? '/etc/os-release', 'utf8');
      } catch {
        return undefined;
      }
      const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
      return field('ID') === 'ubuntu' ? field('VERSION_ID') : undefined;
    },
    has: (program) => findOnPath(program, opts.pathVar) !== undefined,
  };
}

export interface ProvisionStep {
  what: string;
  ms: number;
  ok: boolean;
}

export interface ProvisionResult {
  probe: ProbeResult;
  /** What was done (empty when nothing could or needed to be done). */
  steps: ProvisionStep[];
  /** Why nothing was tried, when nothing was. */
  skipped?: string;
  ms: number;
}

const INSTALL_TIMEOUT_MS = 5 * 60_000;

function ubuntuAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/**
 * After a failed probe: install what is missing or broken, allow user namespaces where AppArmor
 * restricts them, and probe again. Never throws; the caller decides what a failure means.
 */
export async function provisionSandbox(
  first: ProbeResult,
  p: Provisioner,
  probe: () => Promise<ProbeResult>,
  log: (line: string) => void,
): Promise<ProvisionResult> {
  const started = Date.now();
  const steps: ProvisionStep[] = [];
  const result = (probeResult: ProbeResult, skipped?: string): ProvisionResult => ({
    probe: probeResult,
    steps,
    ...(skipped ? { skipped } : {}),
    ms: Date.now() - started,
  });
  if (first.cause === 'not-linux') return result(first, 'not a Linux runner');
  const as = await p.privilege();
  if (!as) return result(first, 'no root and no passwordless sudo on this runner');
  const step = async (what: string, argv: string[], timeoutMs = INSTALL_TIMEOUT_MS) => {
    const t = Date.now();
    const r = await p.run([...as, ...argv], timeoutMs);
    const s = { what, ms: Date.now() - t, ok: r.code === 0 };
    steps.push(s);
    log(
      `  ${s.ok ? '✓' : '✗'} ${what} (${(s.ms / 1000).toFixed(1)} s)${s.ok ? '' : `: ${lastLine(r.output)}`}`,
    );
    return s.ok;
  };

  if (first.cause === 'missing' || first.cause === 'broken') {
    if (!p.has('apt-get'))
      return result(first, 'bubblewrap/socat are missing and this runner has no apt-get');
    const install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', 'bubblewrap', 'socat'];
    if (first.cause === 'broken') install.splice(2, 0, '--reinstall');
    // The package lists of a fresh runner image may be stale: update only when the install fails.
    if (!(await step('apt-get install bubblewrap socat', install))) {
      if (await step('apt-get update', ['apt-get', 'update', '-q'])) {
        await step('apt-get install bubblewrap socat (after update)', install);
      }
    }
  }
  let again = steps.length > 0 ? await probe() : first;
  const restricted =
    again.cause === 'userns-restricted' || (!again.ok && ubuntuAtLeast(p.ubuntuVersion(), 24, 4));
  if (!again.ok && restricted && p.has('sysctl')) {
    await step(
      'sysctl kernel.apparmor_restrict_unprivileged_userns=0',
      ['sysctl', '-w', 'kernel.apparmor_restrict_unprivileged_userns=0'],
      30_000,
    );
    again = await probe();
  }
  if (steps.length === 0) return result(first, `nothing to install or allow for: ${first.detail}`);
  return result(again);
}

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? 'no output').slice(0, 200);
}
