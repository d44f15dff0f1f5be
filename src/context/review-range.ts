/**
 * Review scope on `synchronize`: only what changed since the head the relay last reviewed (read
 * from the relay's own records). `/claude review`, `opened`, `reopened` and `ready_for_review` get
 * a full review, and so does a push the last reviewed head is no longer an ancestor of (a rebase or
 * force-push) — the comment says which it was.
 */
import { findLastReviewedHead } from '../core/ledger';
import { describeGitHubError, type GitHub } from '../github/client';
import type { RelayRequest } from '../request/types';
import type { ChangedFile, PullRequestContext, RunContext } from './fetch';

export interface ReviewRange {
  /** The head the relay reviewed last, and the head reviewed now. */
  from: string;
  to: string;
  /** The files changed between them (what the diff in the prompt shows). */
  files: ChangedFile[];
}

export interface ReviewScope {
  range?: ReviewRange;
  /** One line for the comment: which range was reviewed, or why the whole PR was. */
  note?: string;
}

const short = (sha: string) => sha.slice(0, 7);

/** True for the automatic review of a push to the PR (the only case reviewed incrementally). */
export function isPushReview(req: RelayRequest): boolean {
  return req.command.name === 'review' && req.trigger === 'event' && req.action === 'synchronize';
}

export async function reviewScope(opts: {
  gh: GitHub;
  req: RelayRequest;
  pr: PullRequestContext;
  context: RunContext;
  selfLogins: string[];
}): Promise<ReviewScope> {
  const { gh, req, pr } = opts;
  if (!isPushReview(req)) return {};
  const comments = opts.context.comments.map((c) => ({
    id: c.id,
    body: c.body,
    authorLogin: c.author,
    authorType: c.authorType,
  }));
  const last = findLastReviewedHead(comments, opts.selfLogins);
  if (!last) return {};
  if (last === pr.headSha) {
    return {
      note: `Reviewed the whole pull request: ${short(last)} was reviewed before and the head has not moved.`,
    };
  }
  try {
    const { data } = await gh.rest.repos.compareCommitsWithBasehead({
      owner: req.owner,
      repo: req.repo,
      basehead: `${last}...${pr.headSha}`,
    });
    if (data.status !== 'ahead') {
      return {
        note: `Reviewed the whole pull request: the last reviewed head ${short(last)} is not an ancestor of ${short(pr.headSha)} (rebased or force-pushed).`,
      };
    }
    const files: ChangedFile[] = (data.files ?? []).map((f) => ({
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.changes,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
    }));
    return {
      range: { from: last, to: pr.headSha, files },
      note: `Reviewed the changes since the last review: ${short(last)}…${short(pr.headSha)} (${files.length} file${files.length === 1 ? '' : 's'}). \`/claude review\` reviews the whole pull request.`,
    };
  } catch (err) {
    return {
      note: `Reviewed the whole pull request: comparing with the last reviewed head ${short(last)} failed (${describeGitHubError(err)}).`,
    };
  }
}
