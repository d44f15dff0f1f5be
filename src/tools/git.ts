/**
 * The git CLI, always through execFile with an argument array (never a shell), hooks and other
 * repository-configured commands off, and no terminal prompts.
 */
import { execFile } from 'node:child_process';

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

/** Config for every call: no hooks, no fsmonitor, no signing prompts, no pager. */
const SAFE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'core.pager=cat',
];

export function git(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd: opts.cwd,
        env: {
          ...process.env,
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
