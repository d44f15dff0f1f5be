/**
 * Reads what the prompt needs from the GitHub API: the PR (or issue), its changed files paged
 * past 100 (GitHub stops at 3,000), the issue comments, review comments and reviews, all paged.
 */
import { isForkPullRequest } from '../core/identity';
import type { GitHub } from '../github/client';
import type { RelayRequest } from '../request/types';

export interface ChangedFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
  previous_filename?: string;
}

export interface PullRequestContext {
  number: number;
  title: string;
  body: string;
  author: string;
  authorAssociation: string;
  headRef: string;
  headSha: string;
  headRepo: string;
  baseRef: string;
  baseSha: string;
  isFork: boolean;
  draft: boolean;
  labels: string[];
  changedFiles: number;
  additions: number;
  deletions: number;
  files: ChangedFile[];
}

export interface IssueContext {
  number: number;
  title: string;
  body: string;
  author: string;
  labels: string[];
  state: string;
}

export interface DiscussionComment {
  id: number;
  author: string;
  /** Account type of the author (User, Bot, …): markers are trusted only from the relay's own bot. */
  authorType?: string;
  body: string;
  createdAt: string;
}

export interface ReviewComment extends DiscussionComment {
  path: string;
  line?: number;
  inReplyTo?: number;
}

export interface RunContext {
  issue: IssueContext;
  pr?: PullRequestContext;
  /** A push review: only the changes between these heads are in the prompt's diff. */
  reviewRange?: { from: string; to: string; files: ChangedFile[] };
  comments: DiscussionComment[];
  reviewComments: ReviewComment[];
  reviews: DiscussionComment[];
}

/** GitHub lists at most 3,000 files for a pull request. */
export const GITHUB_FILE_LIMIT = 3000;

export async function fetchPullRequest(gh: GitHub, owner: string, repo: string, number: number) {
  const { data } = await gh.rest.pulls.get({ owner, repo, pull_number: number });
  return data;
}

export function toPullRequestContext(
  data: Awaited<ReturnType<typeof fetchPullRequest>>,
  owner: string,
  repo: string,
  files: ChangedFile[],
): PullRequestContext {
  const headRepo = data.head.repo?.full_name ?? '(deleted fork)';
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    author: data.user?.login ?? 'ghost',
    authorAssociation: data.author_association,
    headRef: data.head.ref,
    headSha: data.head.sha,
    headRepo,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    isFork: isForkPullRequest(data.head.repo, data.base.repo),
    draft: data.draft ?? false,
    labels: data.labels.map((l) => l.name ?? '').filter(Boolean),
    changedFiles: data.changed_files,
    additions: data.additions,
    deletions: data.deletions,
    files,
  };
}

/** A PR's changed files, paged past 100 (GitHub lists at most 3,000). */
export async function listChangedFiles(
  gh: GitHub,
  owner: string,
  repo: string,
  number: number,
): Promise<ChangedFile[]> {
  const files = await gh.paginate(gh.rest.pulls.listFiles, {
    owner,
    repo,
    pull_number: number,
    per_page: 100,
  });
  return files.map((f) => ({
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    patch: f.patch,
    previous_filename: f.previous_filename,
  }));
}

/** An automation run has no PR or issue: nothing to read. */
export function emptyContext(): RunContext {
  return {
    issue: { number: 0, title: '', body: '', author: '', labels: [], state: '' },
    comments: [],
    reviewComments: [],
    reviews: [],
  };
}

export async function fetchContext(gh: GitHub, req: RelayRequest): Promise<RunContext> {
  if (req.target.kind === 'repository') return emptyContext();
  const { owner, repo } = req;
  const number = req.target.number;
  const isPr = req.target.kind === 'pull_request';
  const [issueData, prData, files, comments, reviewComments, reviews] = await Promise.all([
    gh.rest.issues.get({ owner, repo, issue_number: number }).then((r) => r.data),
    isPr ? fetchPullRequest(gh, owner, repo, number) : Promise.resolve(undefined),
    isPr ? listChangedFiles(gh, owner, repo, number) : Promise.resolve([]),
    gh.paginate(gh.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 }),
    isPr
      ? gh.paginate(gh.rest.pulls.listReviewComments, { owner, repo, pull_number: number, per_page: 100 })
      : Promise.resolve([]),
    isPr
      ? gh.paginate(gh.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 })
      : Promise.resolve([]),
  ]);
  const issue: IssueContext = {
    number,
    title: issueData.title,
    body: issueData.body ?? '',
    author: issueData.user?.login ?? 'ghost',
    labels: issueData.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    state: issueData.state,
  };
  return {
    issue,
    pr: prData ? toPullRequestContext(prData, owner, repo, files) : undefined,
    comments: comments.map((c) => ({
      id: c.id,
      author: c.user?.login ?? 'ghost',
      authorType: c.user?.type,
      body: c.body ?? '',
      createdAt: c.created_at,
    })),
    reviewComments: reviewComments.map((c) => ({
      id: c.id,
      author: c.user?.login ?? 'ghost',
      body: c.body,
      createdAt: c.created_at,
      path: c.path,
      line: c.line ?? c.original_line ?? undefined,
      inReplyTo: c.in_reply_to_id,
    })),
    reviews: reviews
      .filter((r) => (r.body ?? '').trim() !== '')
      .map((r) => ({
        id: r.id,
        author: r.user?.login ?? 'ghost',
        body: r.body ?? '',
        createdAt: r.submitted_at ?? '',
      })),
  };
}
