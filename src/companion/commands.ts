/**
 * The commands the companion answers itself (`help`, `cost`, `stop`), the text of its
 * other replies, and posting a reply where the comment was made.
 */
import type { ProbotOctokit } from 'probot';
import { helpText } from '../commands/registry';
import { sumCosts, type CostSummary, type MarkerComment } from '../core/ledger';
import type { CommentEvent } from '../event/comments';
import {
  costReply as sharedCostReply,
  runRef,
  statusWord,
  stopReply as sharedStopReply,
  type ReplyWhere,
} from '../commands/replies';
import { activeRunsFor, cancelRuns, type CancelOutcome, type RunSummary } from '../commands/runs';
import type { GitHub } from '../github/client';

/** Where the reply goes: the PR/issue conversation, or the review comment's thread. */
export async function postReply(octokit: ProbotOctokit, ev: CommentEvent, body: string): Promise<void> {
  if (ev.comment.kind === 'review_comment') {
    await octokit.rest.pulls.createReplyForReviewComment({
      owner: ev.owner,
      repo: ev.repo,
      pull_number: ev.target.number,
      comment_id: ev.threadId ?? ev.comment.id,
      body,
    });
    return;
  }
  await octokit.rest.issues.createComment({
    owner: ev.owner,
    repo: ev.repo,
    issue_number: ev.target.number,
    body,
  });
}

export function helpReply(phrase: string): string {
  return helpText(phrase);
}

/** The relay's own comments on the PR/issue, as the marker reader wants them. */
export async function listMarkerComments(octokit: ProbotOctokit, ev: CommentEvent): Promise<MarkerComment[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: ev.owner,
    repo: ev.repo,
    issue_number: ev.target.number,
    per_page: 100,
  });
  return comments.map((c) => ({
    id: c.id,
    body: c.body ?? '',
    authorLogin: c.user?.login ?? '',
    ...(c.user?.type ? { authorType: c.user.type } : {}),
  }));
}

/** Where a companion reply is, for the shared reply texts. */
const where = (ev: CommentEvent): ReplyWhere => ({
  kind: ev.target.kind,
  repoHtmlUrl: ev.repoHtmlUrl,
  requester: ev.actor.login,
});

export function costReply(ev: CommentEvent, summary: CostSummary): string {
  return sharedCostReply(where(ev), summary);
}

export async function answerCost(
  octokit: ProbotOctokit,
  ev: CommentEvent,
  selfLogins: string[],
): Promise<{ body: string; summary: CostSummary }> {
  const summary = sumCosts(await listMarkerComments(octokit, ev), selfLogins);
  return { body: costReply(ev, summary), summary };
}

export function stopReply(ev: CommentEvent, workflow: string, outcomes: CancelOutcome[]): string {
  return sharedStopReply(where(ev), workflow, outcomes);
}

export async function answerStop(
  octokit: ProbotOctokit,
  ev: CommentEvent,
  workflow: string,
): Promise<{ body: string; outcomes: CancelOutcome[] }> {
  const repoOf = { owner: ev.owner, repo: ev.repo };
  // Probot's Octokit has the same REST surface as the action's client.
  const gh = octokit as unknown as GitHub;
  const runs = await activeRunsFor(gh, { ...repoOf, workflow }, ev.target);
  const outcomes = await cancelRuns(gh, repoOf, runs);
  return { body: stopReply(ev, workflow, outcomes), outcomes };
}

export function notQueuedReply(phrase: string, running: RunSummary, waiting: RunSummary): string {
  return [
    `⏳ Not queued: ${runRef(running)} is ${statusWord(running.status)} for this PR/issue and ${runRef(waiting)} is already waiting after it.`,
    `GitHub keeps only one waiting run per PR and would silently drop the older one, so this request was not started.`,
    `Ask again once the waiting run has started (or use \`${phrase} stop\` to cancel them).`,
  ].join(' ');
}

export function configErrorReply(error: string): string {
  return `⚠️ claude-relay could not use \`.github/claude-relay.yml\` on the default branch: ${error}. Fix the file and ask again.`;
}

export function dispatchFailedReply(reason: string): string {
  return `⚠️ Could not start the follow-up run. ${reason}`;
}
