/**
 * The GitHub calls the core makes, as one structural interface: the action's Octokit
 * (`github/client.ts`) and Probot's `context.octokit` both satisfy it as they are, so neither
 * surface casts. Only what the shared decisions need: permission, the relay's comments, a reply
 * where the request was made (the review thread for a review comment), the relay's runs, cancel.
 */
import type { TriggerComment } from '../request/types';
import type { MarkerComment, PermissionApi } from './identity';

// Type aliases, not interfaces: Octokit's parameters carry an index signature, which only an
// alias's object type satisfies implicitly.
type Repo = { owner: string; repo: string };

/** A comment as the REST API lists it (the fields the ledger reads). */
export interface ApiComment {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string; type?: string } | null;
}

/** A workflow run as the REST API lists it (the fields run matching reads). */
export interface ApiRun {
  id: number;
  status?: string | null;
  html_url?: string;
  display_title?: string;
  created_at?: string;
  inputs?: Record<string, unknown> | null;
  pull_requests?: Array<{ number: number }> | null;
}

type ListComments = (p: Repo & { issue_number: number; per_page?: number; page?: number }) => Promise<{
  data: ApiComment[];
}>;

export interface CoreGitHub extends PermissionApi {
  rest: PermissionApi['rest'] & {
    issues: {
      listComments: ListComments;
      createComment(p: Repo & { issue_number: number; body: string }): Promise<{
        data: { id: number; html_url: string };
      }>;
    };
    pulls: {
      createReplyForReviewComment(
        p: Repo & { pull_number: number; comment_id: number; body: string },
      ): Promise<{ data: { id: number; html_url: string } }>;
    };
    actions: {
      listWorkflowRuns(
        p: Repo & {
          workflow_id: string;
          status?: 'in_progress' | 'queued' | 'pending' | 'waiting' | 'requested';
          event?: string;
          created?: string;
          per_page?: number;
        },
      ): Promise<{ data: { workflow_runs: ApiRun[] } }>;
      cancelWorkflowRun(p: Repo & { run_id: number }): Promise<unknown>;
    };
  };
  paginate(fn: ListComments, p: Repo & { issue_number: number; per_page?: number }): Promise<ApiComment[]>;
}

export interface CommentRef {
  id: number;
  url: string;
}

/** A comment on the PR/issue conversation, as the ledger and the sticky comment read it. */
export type ThreadComment = MarkerComment & { url: string };

/** Every comment of the PR/issue conversation, oldest first (the ledger picks the relay's own). */
export async function threadComments(
  gh: CoreGitHub,
  where: { owner: string; repo: string; number: number },
): Promise<ThreadComment[]> {
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.number,
    per_page: 100,
  });
  return comments.map((c) => ({
    id: c.id,
    body: c.body ?? '',
    url: c.html_url,
    authorLogin: c.user?.login ?? '',
    ...(c.user?.type ? { authorType: c.user.type } : {}),
  }));
}

/** Where a reply goes: the PR/issue, and the comment it answers when there is one. */
export interface ReplyAt {
  owner: string;
  repo: string;
  number: number;
  comment?: Pick<TriggerComment, 'kind' | 'id' | 'threadId'>;
}

/**
 * Posts `body` where the request was made: in the review comment's thread for a review comment
 * (GitHub takes replies only to a thread's top comment), else in the PR/issue conversation.
 */
export async function reply(gh: CoreGitHub, at: ReplyAt, body: string): Promise<CommentRef> {
  const { owner, repo } = at;
  if (at.comment?.kind === 'review_comment') {
    const { data } = await gh.rest.pulls.createReplyForReviewComment({
      owner,
      repo,
      pull_number: at.number,
      comment_id: at.comment.threadId ?? at.comment.id,
      body,
    });
    return { id: data.id, url: data.html_url };
  }
  const { data } = await gh.rest.issues.createComment({ owner, repo, issue_number: at.number, body });
  return { id: data.id, url: data.html_url };
}
