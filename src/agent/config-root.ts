/**
 * Which project settings the agent may use. A PR from a fork, by an author without write
 * access, or any `pull_request_target` run is an untrusted checkout: its `.claude/` (hooks,
 * permissions, env, MCP servers, skills, agents), `.mcp.json` and `CLAUDE.md` must not configure
 * the agent. For those, the trusted config root is a worktree of the PR's base commit.
 *
 * The CLI reads CLAUDE.md from cwd even with a separate config root, so for untrusted checkouts
 * CLAUDE.md loading is switched off and the base's CLAUDE.md is passed in the system prompt.
 */
import { permissionOf } from '../core/identity';
import fs from 'node:fs';
import path from 'node:path';
import type { PullRequestContext } from '../context/fetch';
import type { GitHub } from '../github/client';
import type { RelayRequest } from '../request/types';
import { git as safeGit, gitError } from '../tools/git';

export interface ConfigRoot {
  /** projectConfigRoot for the SDK; undefined = the checkout itself is trusted. */
  root?: string;
  trusted: 'checkout' | 'base' | 'none';
  /** One line for the job log: which root and why. */
  reason: string;
  /** The trusted CLAUDE.md text to put in the system prompt (untrusted checkouts only). */
  claudeMd?: string;
  cleanup(): Promise<void>;
}

async function authorCanWrite(gh: GitHub, req: RelayRequest, login: string): Promise<boolean> {
  try {
    return (await permissionOf(gh, req.owner, req.repo, login)).canWrite;
  } catch {
    return false; // unknown → untrusted
  }
}

export async function whyUntrusted(
  gh: GitHub,
  req: RelayRequest,
  pr: PullRequestContext | undefined,
): Promise<string | undefined> {
  if (req.isPullRequestTarget) return 'pull_request_target runs use the base branch configuration';
  if (!pr) return undefined;
  if (pr.isFork) return `PR #${pr.number} comes from the fork ${pr.headRepo}`;
  if (!(await authorCanWrite(gh, req, pr.author)))
    return `PR #${pr.number} is by @${pr.author}, who has no write access`;
  return undefined;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const r = await safeGit(args, { cwd });
  if (r.code !== 0) throw new Error(gitError(r));
  return r.stdout;
}

/** The line of git's stderr that says why ("fatal: …"), else the first line of the error. */
function gitFailure(err: unknown): string {
  const e = err as { stderr?: unknown; message?: string };
  const stderr = typeof e.stderr === 'string' ? e.stderr : '';
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find((l) => /^(fatal|error):/.test(l)) ??
    lines.at(-1) ??
    (e.message ?? 'git failed').split('\n')[0] ??
    'git failed'
  );
}

function readIfFile(p: string): string | undefined {
  try {
    const st = fs.lstatSync(p);
    return st.isFile() ? fs.readFileSync(p, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

export async function resolveConfigRoot(opts: {
  gh: GitHub;
  req: RelayRequest;
  pr?: PullRequestContext;
  workspace: string;
  runDir: string;
}): Promise<ConfigRoot> {
  const untrusted = await whyUntrusted(opts.gh, opts.req, opts.pr);
  const noop = async () => {};
  if (!untrusted) {
    return {
      trusted: 'checkout',
      reason: 'project settings from the checkout (trusted: same repository, author with write access)',
      cleanup: noop,
    };
  }
  const baseSha = opts.pr?.baseSha;
  const root = path.join(opts.runDir, 'base-config');
  if (baseSha && /^[0-9a-f]{40}$/i.test(baseSha)) {
    try {
      const have = await git(opts.workspace, ['cat-file', '-t', baseSha]).then(
        (t) => t.trim() === 'commit',
        () => false,
      );
      if (!have) await git(opts.workspace, ['fetch', '--no-tags', '--depth=1', 'origin', baseSha]);
      await git(opts.workspace, ['worktree', 'add', '--detach', root, baseSha]);
      const claudeMd = [
        readIfFile(path.join(root, 'CLAUDE.md')),
        readIfFile(path.join(root, '.claude', 'CLAUDE.md')),
      ]
        .filter((x): x is string => Boolean(x))
        .join('\n\n');
      return {
        root,
        trusted: 'base',
        reason: `project settings from the base commit ${baseSha.slice(0, 7)}: ${untrusted}`,
        claudeMd: claudeMd || undefined,
        cleanup: async () => {
          await git(opts.workspace, ['worktree', 'remove', '--force', root]).catch(() =>
            fs.rmSync(root, { recursive: true, force: true }),
          );
        },
      };
    } catch (err) {
      const why = gitFailure(err);
      fs.mkdirSync(root, { recursive: true });
      return {
        root,
        trusted: 'none',
        reason: `no project settings: ${untrusted}, and the base commit could not be checked out (${why.slice(0, 160)})`,
        cleanup: async () => fs.rmSync(root, { recursive: true, force: true }),
      };
    }
  }
  fs.mkdirSync(root, { recursive: true });
  return {
    root,
    trusted: 'none',
    reason: `no project settings: ${untrusted}`,
    cleanup: async () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
