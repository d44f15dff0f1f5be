/**
 * The commands the companion answers itself (`help`, `cost`, `stop`; SPEC §4), the text of its
 * other replies, and posting a reply where the comment was made.
 */
import type { ProbotOctokit } from 'probot';
import { helpText } from '../commands/registry';
import { formatUsd } from '../report/comment';
import { sumCosts, type CostSummary, type MarkerComment } from '../session/locate';
import type { CommentEvent } from './event';
import { activeRunsFor, cancelRuns, type CancelOutcome, type RunSummary } from './runs';

/** Where the reply goes: the PR/issue conversation, or the review comment's thread. */
export async function postReply(octokit: ProbotOctokit, ev: CommentEvent, body: string): Promise<void> {
  if (ev.kind === 'review_comment') {
    await octokit.rest.pulls.createReplyForReviewComment({
      owner: ev.owner,
      repo: ev.repo,
      pull_number: ev.target.number,
      comment_id: ev.comment.threadId ?? ev.comment.id,
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

const thing = (ev: CommentEvent) => (ev.target.kind === 'pull_request' ? 'PR' : 'issue');
const mention = (login: string) => `@${login}`;

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

export function costReply(ev: CommentEvent, summary: CostSummary): string {
  if (summary.runs.length === 0) {
    return `No finished claude-relay runs on this ${thing(ev)} yet: the cost so far is ${formatUsd(0)}.`;
  }
  const runLink = (runId: string) =>
    /^\d+$/.test(runId)
      ? `[${runId}](${ev.repoHtmlUrl}/actions/runs/${runId})`
      : `\`${runId.replace(/`/g, '')}\``;
  const rows = summary.runs.map(
    (r) => `| ${runLink(r.runId)} | ${r.conclusion ?? '—'} | ${formatUsd(r.costUsd)} |`,
  );
  const runs = summary.runs.length === 1 ? '1 run' : `${summary.runs.length} runs`;
  return [
    `**Cost on this ${thing(ev)} so far: ${formatUsd(summary.totalUsd)}** (${runs}).`,
    '',
    '| run | conclusion | cost |',
    '|---|---|---:|',
    ...rows,
    `| **total** | | **${formatUsd(summary.totalUsd)}** |`,
  ].join('\n');
}

export async function answerCost(
  octokit: ProbotOctokit,
  ev: CommentEvent,
  selfLogins: string[],
): Promise<{ body: string; summary: CostSummary }> {
  const summary = sumCosts(await listMarkerComments(octokit, ev), selfLogins);
  return { body: costReply(ev, summary), summary };
}

const statusWord = (s: string) => (s === 'in_progress' ? 'in progress' : s);
const runRef = (r: RunSummary) => (r.htmlUrl ? `[run ${r.id}](${r.htmlUrl})` : `run ${r.id}`);

export function stopReply(ev: CommentEvent, workflow: string, outcomes: CancelOutcome[]): string {
  if (outcomes.length === 0) {
    return `Nothing to stop: no \`${workflow}\` run for this ${thing(ev)} is queued or in progress.`;
  }
  const done = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o) => !o.ok);
  const lines: string[] = [];
  if (done.length > 0) {
    lines.push(
      `🛑 Cancelled ${done.length === 1 ? '1 run' : `${done.length} runs`} of this ${thing(ev)} at ${mention(ev.sender.login)}'s request:`,
      ...done.map((o) => `- ${runRef(o.run)} (was ${statusWord(o.run.status)})`),
    );
  }
  if (failed.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(
      `Could not cancel ${failed.length === 1 ? '1 run' : `${failed.length} runs`}:`,
      ...failed.map((o) => `- ${runRef(o.run)}: ${o.error ?? 'unknown error'}`),
    );
  }
  return lines.join('\n');
}

export async function answerStop(
  octokit: ProbotOctokit,
  ev: CommentEvent,
  workflow: string,
): Promise<{ body: string; outcomes: CancelOutcome[] }> {
  const where = { owner: ev.owner, repo: ev.repo };
  const runs = await activeRunsFor(octokit, { ...where, workflow }, ev.target);
  const outcomes = await cancelRuns(octokit, where, runs);
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
