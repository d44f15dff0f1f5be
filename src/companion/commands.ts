/**
 * The text of the companion's own replies: a request it did not queue, a config it could not use,
 * a dispatch that failed. `help`, `cost` and `stop` are answered by `commands/direct.ts`, and every
 * reply is posted by `core/github.ts` `reply`, for the action and the companion alike.
 */
import type { ReplyAt } from '../core/github';
import type { CommentEvent } from '../event/comments';
import { runRef, statusWord } from '../commands/replies';
import type { RunSummary } from '../commands/runs';

/** Where a reply to `ev` goes: the PR/issue, in the review comment's thread for a review comment. */
export function replyAt(ev: CommentEvent): ReplyAt {
  return { owner: ev.owner, repo: ev.repo, number: ev.target.number, comment: ev.comment };
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
