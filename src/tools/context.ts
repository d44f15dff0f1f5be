/**
 * What every relay tool shares: the fixed target (repository, PR or issue, head commit) decided when
 * the server is built, the changed files (fetched once), and the options the action passes.
 */
import { listChangedFiles, type ChangedFile, type PullRequestContext } from '../context/fetch';
import type { GitHub } from '../github/client';
import type { RelayRequest } from '../request/types';
import { ToolError } from './result';

export type RelayProfile = 'read-only' | 'edit';

/**
 * The PR as the gathered context fetched it — the one PR record the tools read (the event's
 * `req.pr` is what the trigger described, and may be stale or absent).
 */
export type ToolsPullRequest = Pick<
  PullRequestContext,
  'headSha' | 'baseSha' | 'headRef' | 'headRepo' | 'isFork'
> & {
  /** The changed files when the caller already fetched them (else fetched on first use). */
  files?: ChangedFile[];
};

export interface RelayToolsOptions {
  gh: GitHub;
  req: RelayRequest;
  /**
   * The PR (undefined for an issue). Its head is the one the run was authorized for: pushes refuse
   * when the remote moved past it; a fork PR gets nothing pushed.
   */
  pr?: ToolsPullRequest;
  /** The checkout (git working tree) the agent works in. */
  workspace: string;
  /** The workflow's `allow_config_writes`: protected configuration paths may be pushed. */
  allowConfigWrites?: boolean;
  profile: RelayProfile;
  /** Who asked: credited with a `Co-authored-by` trailer on commits. */
  requester: { login: string; id?: number };
  /** Rewrites the progress part of the relay's comment (CommentPublisher.updateProgress + renderer). */
  onProgress: (markdown: string) => Promise<void>;
  /** Base branch for a draft PR opened from an issue (default: the repository's default branch). */
  baseRef?: string;
  /** `branch_prefix`: issue branches are `<prefix>issue-<n>-<slug>` (default `claude/`). */
  branchPrefix?: string;
  git?: {
    /** Remote name to check and push to (default `origin`). */
    remote?: string;
    /** A URL to push to and ls-remote instead of the remote (tests, or an explicit token URL). */
    pushUrl?: string;
    /** Committer identity (default github-actions[bot]). */
    userName?: string;
    userEmail?: string;
    /** Extra environment for git (merged over process.env). */
    env?: Record<string, string>;
  };
  /** Applied to everything the tools post to GitHub (review comments, commit messages, PR text). */
  redact?: (s: string) => string;
  /** Diagnostics for the job log. */
  log?: (line: string) => void;
}

export interface PushRecord {
  branch: string;
  sha: string;
  commits: number;
  pullRequest?: { number: number; url: string };
}

export class ToolContext {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly isPull: boolean;
  /** The commit the tools look at: the authorized head, then whatever the relay pushed. */
  headSha?: string;
  pushed?: PushRecord;
  private filesPromise?: Promise<ChangedFile[]>;

  constructor(readonly opts: RelayToolsOptions) {
    this.owner = opts.req.owner;
    this.repo = opts.req.repo;
    this.number = opts.req.target.number;
    this.isPull = opts.req.target.kind === 'pull_request';
    this.headSha = opts.pr?.headSha;
    if (opts.pr?.files) this.filesPromise = Promise.resolve(opts.pr.files);
  }

  get gh(): GitHub {
    return this.opts.gh;
  }

  get target(): string {
    return `${this.owner}/${this.repo}#${this.number}`;
  }

  redact(s: string): string {
    return this.opts.redact ? this.opts.redact(s) : s;
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  /** Throws a readable ToolError when the run is not about a pull request. */
  requirePull(what: string): void {
    if (!this.isPull) {
      throw new ToolError(
        `${what} needs a pull request, and this run is about issue #${this.number}, which has no diff.`,
      );
    }
  }

  /** The PR's changed files (paged past 100; GitHub lists at most 3,000). */
  changedFiles(): Promise<ChangedFile[]> {
    this.requirePull('This tool');
    if (!this.filesPromise) {
      const { gh, owner, repo, number } = this;
      this.filesPromise = listChangedFiles(gh, owner, repo, number);
      // A failed fetch is retried on the next call.
      this.filesPromise.catch(() => (this.filesPromise = undefined));
    }
    return this.filesPromise;
  }
}
