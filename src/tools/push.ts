/**
 * commit_and_push (edit profile): commits the working tree and pushes it, without force, to
 *  - the PR's head branch: same-repository PRs only, and only while the remote branch is still at
 *    the head the run was authorized for (or at what this run pushed since);
 *  - for an issue: a new `<branch_prefix>issue-<n>-<slug>` branch (default prefix `claude/`), then a draft PR that closes the issue.
 * Protected paths (agent configuration, workflows, hooks, `.git`) and nested repositories are not
 * pushed (the configuration only with `allow_config_writes: true`). The
 * requester is credited with a `Co-authored-by` trailer.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { stripMarkers } from '../core/ledger';
import { describeGitHubError } from '../github/client';
import { protectedPath } from '../policy/paths';
import type { PushRecord, ToolContext } from './context';
import { git, gitError, type GitResult } from './git';
import { guarded, ok, ToolError } from './result';

export const DEFAULT_GIT_USER = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};
export const MAX_MESSAGE_CHARS = 5000;

/** `<prefix>issue-<n>-<slug>`: the slug is the title in lowercase a-z0-9 and dashes, at most 40 chars. */
export function issueSlug(title: string | undefined): string {
  const slug = (title ?? '')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'changes';
}

/** `<prefix>issue-<n>-<slug>`; the prefix is `branch_prefix` (default `claude/`, validated as an input). */
export function issueBranch(
  issueNumber: number,
  title: string | undefined,
  prefix = DEFAULT_BRANCH_PREFIX,
): string {
  return `${prefix}issue-${issueNumber}-${issueSlug(title)}`;
}

export const DEFAULT_BRANCH_PREFIX = 'claude/';

/**
 * Why a changed path may not be pushed, or undefined: the protected list (agent configuration,
 * workflows, hooks, submodules, `.git`) from the policy, the one definition Write/Edit use too.
 */
export function protectedPushPath(
  path: string,
  opts: { allowConfigWrites?: boolean } = {},
): string | undefined {
  const what = protectedPath(path, opts);
  if (what === undefined) return undefined;
  return opts.allowConfigWrites
    ? `${what} is never pushed`
    : `${what} is not changed by the relay unless the workflow sets allow_config_writes: true`;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/** `Co-authored-by: login <id+login@users.noreply.github.com>` (without an id: login@…). */
export function coAuthorTrailer(requester: { login: string; id?: number }): string | undefined {
  if (!LOGIN.test(requester.login)) return undefined;
  const email = requester.id
    ? `${requester.id}+${requester.login}@users.noreply.github.com`
    : `${requester.login}@users.noreply.github.com`;
  return `Co-authored-by: ${requester.login} <${email}>`;
}

/** The commit message: control characters and attribution trailers removed, the requester credited. */
export function commitMessage(message: string, requester: { login: string; id?: number }): string {
  const cleaned = message
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .split('\n')
    .filter((l) => !/^\s*(co-authored-by|signed-off-by)\s*:/i.test(l))
    .join('\n')
    .replace(/^\s*\n+/, '')
    .replace(/\s+$/, '');
  if (!cleaned) throw new ToolError('The commit message is empty.');
  const trailer = coAuthorTrailer(requester);
  return trailer ? `${cleaned}\n\n${trailer}\n` : `${cleaned}\n`;
}

interface Staged {
  path: string;
  newMode: string;
}

/** `git diff --cached --raw -z --no-renames` → the staged paths with their new modes. */
function parseRaw(out: string): Staged[] {
  const parts = out.split('\0');
  const staged: Staged[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] ?? '';
    const path = parts[i + 1] ?? '';
    if (!meta.startsWith(':')) break;
    const fields = meta.slice(1).split(' ');
    staged.push({ path, newMode: fields[1] ?? '' });
  }
  return staged;
}

export class Pusher {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private ctx: ToolContext) {}

  /** Calls run one at a time. */
  run(message: string): Promise<string> {
    const next = this.queue.then(() => this.commitAndPush(message));
    this.queue = next.catch(() => {});
    return next;
  }

  private g(
    args: string[],
    input?: string,
    timeoutMs?: number,
    env?: Record<string, string>,
  ): Promise<GitResult> {
    return git(args, {
      cwd: this.ctx.opts.workspace,
      env: { ...this.ctx.opts.git?.env, ...env },
      ...(input !== undefined ? { input } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  private async must(
    args: string[],
    what: string,
    input?: string,
    env?: Record<string, string>,
  ): Promise<string> {
    const r = await this.g(args, input, undefined, env);
    if (r.code !== 0) throw new ToolError(`${what} failed: ${this.ctx.redact(gitError(r))}`);
    return r.stdout;
  }

  private get remote(): string {
    return this.ctx.opts.git?.pushUrl ?? this.ctx.opts.git?.remote ?? 'origin';
  }

  /** The remote branch's sha, or undefined when it does not exist. */
  private async remoteSha(branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    const out = await this.must(['ls-remote', this.remote, ref], `Reading ${ref} on the remote`);
    for (const line of out.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (name === ref && sha) return sha;
    }
    return undefined;
  }

  private async target(): Promise<{ branch: string; expected?: string }> {
    const { ctx } = this;
    if (ctx.pushed) return { branch: ctx.pushed.branch, expected: ctx.pushed.sha };
    if (ctx.isPull) {
      const pr = ctx.opts.pr;
      if (pr?.isFork) {
        const from = pr.headRepo ? ` (${pr.headRepo})` : '';
        throw new ToolError(
          `This pull request comes from a fork${from}: the relay only pushes to branches of ${ctx.owner}/${ctx.repo}. Nothing was pushed. Describe the change in your final message, or propose it with add_inline_comment suggestions.`,
        );
      }
      const branch = pr?.headRef;
      const expected = pr?.headSha;
      if (!branch || !expected)
        throw new ToolError(
          'The head branch or the authorized head commit of this pull request is unknown; nothing was pushed.',
        );
      return { branch, expected };
    }
    let title = ctx.opts.req.target.title;
    if (title === undefined) {
      const { data } = await ctx.gh.rest.issues.get({
        owner: ctx.owner,
        repo: ctx.repo,
        issue_number: ctx.number,
      });
      title = data.title;
    }
    const base = issueBranch(ctx.number, title, ctx.opts.branchPrefix);
    for (let i = 1; i <= 20; i++) {
      const branch = i === 1 ? base : `${base}-${i}`;
      if ((await this.remoteSha(branch)) === undefined) return { branch };
    }
    throw new ToolError(`Branches ${base} … ${base}-20 all exist already; nothing was pushed.`);
  }

  private async commitAndPush(rawMessage: string): Promise<string> {
    const { ctx } = this;
    const message = commitMessage(ctx.redact(rawMessage), ctx.opts.requester);
    const top = await this.g(['rev-parse', '--show-toplevel']);
    if (top.code !== 0) throw new ToolError(`The workspace is not a git checkout: ${gitError(top)}`);

    const { branch, expected } = await this.target();
    const head = (await this.must(['rev-parse', 'HEAD'], 'Reading HEAD')).trim();
    if (expected && head !== expected) {
      throw new ToolError(
        `The checkout is at ${head.slice(0, 12)}, not at ${expected.slice(0, 12)}, the head of ${branch} this run may build on (was it checked out at a merge commit, or were other commits made?). Nothing was pushed.`,
      );
    }

    const status = await this.must(['status', '--porcelain=v1', '-z', '--untracked-files=all'], 'git status');
    if (status.replace(/\0/g, '').trim() === '') {
      if (!ctx.isPull && ctx.pushed && !ctx.pushed.pullRequest) return this.openDraftPr(ctx.pushed, message);
      throw new ToolError('There are no changes in the working tree to commit; edit files first.');
    }

    await this.must(['add', '--all'], 'git add');
    let staged: Staged[];
    try {
      staged = parseRaw(
        await this.must(
          ['diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev'],
          'git diff --cached',
        ),
      );
      const refused: string[] = [];
      for (const s of staged) {
        const why =
          protectedPushPath(s.path, { allowConfigWrites: ctx.opts.allowConfigWrites }) ??
          (s.newMode === '160000' ? 'nested git repositories (submodules) are never pushed' : undefined);
        if (why) refused.push(`${s.path}: ${why}`);
      }
      if (staged.length === 0) throw new ToolError('There are no changes to commit; edit files first.');
      if (refused.length > 0) {
        const list = refused
          .slice(0, 20)
          .map((r) => `- ${r}`)
          .join('\n');
        throw new ToolError(
          `Refused: the change touches paths the relay never pushes. Nothing was committed or pushed.\n${list}\nUndo the changes to these paths (or explain them in your final message) and call commit_and_push again.`,
        );
      }

      // The authorization check: the remote branch is where this run may build on, or absent (new branch).
      const remote = await this.remoteSha(branch);
      if (remote !== expected) {
        throw new ToolError(
          expected === undefined
            ? `The branch ${branch} appeared on the remote meanwhile; nothing was pushed.`
            : remote === undefined
              ? `The branch ${branch} no longer exists on the remote; nothing was pushed.`
              : `The branch ${branch} moved on the remote since this run was authorized (now ${remote.slice(0, 12)}, authorized ${expected.slice(0, 12)}): someone pushed meanwhile. Nothing was pushed; the relay never force-pushes. Ask for a new run on the new head.`,
        );
      }

      const user = {
        name: ctx.opts.git?.userName ?? DEFAULT_GIT_USER.name,
        email: ctx.opts.git?.userEmail ?? DEFAULT_GIT_USER.email,
      };
      await this.must(
        [
          '-c',
          `user.name=${user.name}`,
          '-c',
          `user.email=${user.email}`,
          'commit',
          '--no-verify',
          '--quiet',
          '--file=-',
        ],
        'git commit',
        message,
        // The environment would override -c user.*: pin both to the same identity.
        {
          GIT_AUTHOR_NAME: user.name,
          GIT_AUTHOR_EMAIL: user.email,
          GIT_COMMITTER_NAME: user.name,
          GIT_COMMITTER_EMAIL: user.email,
        },
      );
    } catch (err) {
      // Nothing committed: leave the index as it was (the changes stay in the working tree).
      await this.g(['reset', '-q']);
      throw err;
    }
    const sha = (await this.must(['rev-parse', 'HEAD'], 'Reading HEAD')).trim();
    const push = await this.g(
      ['push', '--no-verify', '--porcelain', this.remote, `HEAD:refs/heads/${branch}`],
      undefined,
      300_000,
    );
    if (push.code !== 0) {
      // Leave the work in the working tree, as it was before the call.
      await this.g(['reset', '-q', '--mixed', head]);
      throw new ToolError(
        `Pushing to ${branch} failed, nothing was pushed (the changes are still in the working tree): ${ctx.redact(gitError(push))}`,
      );
    }
    const record: PushRecord = {
      branch,
      sha,
      commits: (ctx.pushed?.commits ?? 0) + 1,
      ...(ctx.pushed?.pullRequest ? { pullRequest: ctx.pushed.pullRequest } : {}),
    };
    ctx.pushed = record;
    ctx.headSha = sha;
    ctx.log(`Pushed ${sha.slice(0, 12)} to ${branch}`);
    const files = `${staged.length} file${staged.length === 1 ? '' : 's'}`;
    if (!ctx.isPull && !record.pullRequest) return this.openDraftPr(record, message, files);
    return `Committed ${files} as ${sha.slice(0, 12)} and pushed it to ${branch}${record.pullRequest ? ` (draft PR #${record.pullRequest.number})` : ''}.`;
  }

  private async openDraftPr(record: PushRecord, message: string, files?: string): Promise<string> {
    const { ctx } = this;
    const pushed = `${files ? `Committed ${files} as ${record.sha.slice(0, 12)} and pushed` : `Pushed ${record.sha.slice(0, 12)}`} to ${record.branch}`;
    const lines = message.split('\n');
    const subject = (lines[0] ?? '').trim().slice(0, 200) || `Changes for #${ctx.number}`;
    const rest = lines
      .slice(1)
      .filter((l) => !/^co-authored-by:/i.test(l))
      .join('\n')
      .trim();
    const who = ctx.opts.requester.login;
    const body = [
      `Closes #${ctx.number}`,
      rest,
      `---\nDraft opened by claude-relay for @${who} from issue #${ctx.number}. Review the change before marking it ready.`,
    ]
      .filter(Boolean)
      .join('\n\n');
    try {
      const base =
        ctx.opts.baseRef ??
        (await ctx.gh.rest.repos.get({ owner: ctx.owner, repo: ctx.repo })).data.default_branch;
      const { data } = await ctx.gh.rest.pulls.create({
        owner: ctx.owner,
        repo: ctx.repo,
        head: record.branch,
        base,
        title: ctx.redact(stripMarkers(subject)),
        body: ctx.redact(stripMarkers(body)),
        draft: true,
      });
      record.pullRequest = { number: data.number, url: data.html_url };
      return `${pushed} and opened draft pull request #${data.number} (${data.html_url}), which closes #${ctx.number}.`;
    } catch (err) {
      throw new ToolError(
        `${pushed}, but opening the draft pull request failed: ${describeGitHubError(err)}. The branch is on GitHub; call commit_and_push again to retry opening the PR, or mention the branch in your final message.`,
      );
    }
  }
}

export function pushTools(ctx: ToolContext, pusher: Pusher) {
  const target = ctx.isPull
    ? "the pull request's head branch"
    : `a new branch ${ctx.opts.branchPrefix ?? DEFAULT_BRANCH_PREFIX}issue-${ctx.number}-… and opens a draft pull request that closes the issue`;
  return [
    tool(
      'commit_and_push',
      `Commit every change in the working tree and push it to ${target}. Never force-pushes; refuses changes to .github/workflows/, .git and .claude/, pull requests from forks, and a branch that moved since the run was authorized. Call it once your edits are done (again for follow-up commits).`,
      {
        message: z
          .string()
          .min(1)
          .max(MAX_MESSAGE_CHARS)
          .describe('The commit message: a short subject line, then optionally a blank line and details.'),
      },
      guarded('commit_and_push', async ({ message }) => ok(await pusher.run(message))),
      {
        annotations: {
          title: 'Commit and push',
          readOnlyHint: false,
          destructiveHint: false,
          openWorldHint: false,
        },
      },
    ),
  ];
}
