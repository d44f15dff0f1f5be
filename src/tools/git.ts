/**
 * The one way the action runs git (config root, context, checkout, push): execFile with an
 * argument array (never a shell), hooks and fsmonitor off — a workspace kept from an earlier job
 * may have planted them — no `ext::` transport and no `file://` reached indirectly (submodules),
 * no terminal prompts, and an environment without the step's secrets (INPUT_*, ACTIONS_*, tokens).
 */
import { execFile } from 'node:child_process';
import { NETWORK_ENV } from '../core/network-env';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to git's stdin. */
  input?: string;
  timeoutMs?: number;
}

/** Config for every call: no hooks, no fsmonitor, no risky transports, no signing prompts, no pager. */
export const SAFE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'core.pager=cat',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'protocol.file.allow=user',
];

/** What git may see of the action's environment: locale, proxies, certificates, ssh agent. */
const PASS_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'TZ',
  'TMPDIR',
  ...NETWORK_ENV,
  'GIT_SSH_COMMAND',
  'SSH_AUTH_SOCK',
  'XDG_CONFIG_HOME',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_NOSYSTEM',
];

/** The environment git runs with: the pass-list above and nothing else of the parent's. */
export function gitEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export function git(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd: opts.cwd,
        env: {
          ...gitEnv(),
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '',
          SSH_ASKPASS: '',
          GIT_EDITOR: 'true',
          LC_ALL: 'C',
          ...opts.env,
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : -1;
        const extra = e && typeof e.code !== 'number' ? `${e.message}\n` : '';
        resolve({ code, stdout: String(stdout), stderr: extra + String(stderr) });
      },
    );
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

/** Credentials in URLs (`https://user:token@host`) never reach a message. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** The last meaningful lines of git's stderr, for an error message. */
export function gitError(r: GitResult): string {
  const lines = stripUrlCredentials(r.stderr || r.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-4).join(' / ').slice(0, 600) || `git exited with code ${r.code}`;
}
