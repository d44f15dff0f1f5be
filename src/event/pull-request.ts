/** `pull_request` and `pull_request_target`: an automatic review on opened, synchronize, reopened and ready_for_review. */
import type { EventResult } from '../request/types';
import { actionOf, explicitPrompt, withPrompt } from './common';
import {
  actorOf,
  base,
  pullRequest,
  pullRequestRef,
  repoOf,
  skip,
  validate,
  type EventOptions,
} from './schema';

export const PULL_REQUEST_ACTIONS: ReadonlySet<string> = new Set([
  'opened',
  'synchronize',
  'reopened',
  'ready_for_review',
]);

const schema = base.extend({ pull_request: pullRequest });

export function pullRequestEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  // With an explicit prompt the workflow's own `types:` filter decides; a closed PR can still be
  // summarised. Without one, only those actions start a review.
  if (explicitPrompt(opts) === undefined && !PULL_REQUEST_ACTIONS.has(action)) {
    return skip(`${eventName} action "${action}" does not start a run`);
  }
  const p = validate(schema, payload, eventName);
  const pr = pullRequestRef(p.pull_request);
  // Drafts are reviewed once marked ready (ready_for_review), unless review_drafts is set.
  if (
    explicitPrompt(opts) === undefined &&
    p.pull_request.draft === true &&
    !opts.reviewDrafts &&
    action !== 'ready_for_review'
  ) {
    return skip(
      `pull request #${pr.number} is a draft: it is reviewed when marked ready for review (set review_drafts: true to review drafts)`,
    );
  }
  return withPrompt(
    {
      eventName,
      action,
      ...repoOf(p.repository),
      target: { kind: 'pull_request', number: pr.number, title: p.pull_request.title },
      actor: actorOf(p.sender),
      trigger: 'event',
      command: { name: 'review', text: '' },
      pr,
      isPullRequestTarget: eventName === 'pull_request_target',
    },
    opts,
  );
}
