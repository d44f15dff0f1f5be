/**
 * Comment events: `issue_comment` (created), `pull_request_review_comment` (created) and
 * `pull_request_review` (submitted). The phrase is required unless an explicit prompt is set;
 * edited comments never trigger.
 */
import { z } from 'zod';
import { findTrigger } from '../commands/parse';
import type { EventResult, RelayRequest, TriggerComment } from '../request/types';
import { actionOf, explicitPrompt, withPrompt } from './common';
import {
  actorOf,
  base,
  comment,
  issue,
  pullRequest,
  pullRequestRef,
  repoOf,
  skip,
  triggerComment,
  validate,
  type EventOptions,
} from './schema';

const issueCommentSchema = base.extend({ issue, comment });

const reviewCommentSchema = base.extend({
  pull_request: pullRequest,
  comment: comment.extend({
    path: z.string(),
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
  }),
});

const reviewSchema = base.extend({
  pull_request: pullRequest,
  review: z.looseObject({
    id: z.number().int(),
    body: z.string().nullable(),
    html_url: z.string().optional(),
    user: z.looseObject({ login: z.string() }).nullable(),
  }),
});

function wrongAction(eventName: string, action: string, wanted: string) {
  if (action === 'edited') return skip(`${eventName}: an edited comment never triggers`);
  return skip(`${eventName} action "${action}" does not start a run (only "${wanted}")`);
}

/** The command in `body`, the explicit prompt, or a skip. */
function commandFor(
  body: string,
  req: Omit<RelayRequest, 'trigger' | 'command'>,
  opts: EventOptions,
  what: string,
): EventResult {
  if (explicitPrompt(opts) !== undefined) {
    return withPrompt({ ...req, trigger: 'prompt', command: { name: 'ask', text: '' } }, opts);
  }
  const command = findTrigger(body, opts.triggerPhrase);
  if (!command) return skip(`${what} does not start a line with ${opts.triggerPhrase.trim()}`);
  return { ...req, trigger: 'comment', command };
}

export function issueCommentEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  if (action !== 'created') return wrongAction(eventName, action, 'created');
  const p = validate(issueCommentSchema, payload, eventName);
  const onPr = p.issue.pull_request !== undefined && p.issue.pull_request !== null;
  return commandFor(
    p.comment.body,
    {
      eventName,
      action,
      ...repoOf(p.repository),
      // The PR's head/base are not in this payload; the context stage fetches them.
      target: { kind: onPr ? 'pull_request' : 'issue', number: p.issue.number, title: p.issue.title },
      actor: actorOf(p.sender),
      comment: triggerComment(p.comment, 'issue_comment'),
      isPullRequestTarget: false,
    },
    opts,
    `comment ${p.comment.id}`,
  );
}

export function reviewCommentEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  if (action !== 'created') return wrongAction(eventName, action, 'created');
  const p = validate(reviewCommentSchema, payload, eventName);
  const line = p.comment.line ?? p.comment.original_line ?? undefined;
  const c: TriggerComment = triggerComment(p.comment, 'review_comment', {
    path: p.comment.path,
    ...(line !== undefined ? { line } : {}),
  });
  return commandFor(
    p.comment.body,
    {
      eventName,
      action,
      ...repoOf(p.repository),
      target: { kind: 'pull_request', number: p.pull_request.number, title: p.pull_request.title },
      actor: actorOf(p.sender),
      comment: c,
      pr: pullRequestRef(p.pull_request),
      isPullRequestTarget: false,
    },
    opts,
    `review comment ${p.comment.id}`,
  );
}

export function reviewEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  if (action !== 'submitted') return wrongAction(eventName, action, 'submitted');
  const p = validate(reviewSchema, payload, eventName);
  const body = p.review.body ?? '';
  return commandFor(
    body,
    {
      eventName,
      action,
      ...repoOf(p.repository),
      target: { kind: 'pull_request', number: p.pull_request.number, title: p.pull_request.title },
      actor: actorOf(p.sender),
      comment: triggerComment({ ...p.review, body }, 'review'),
      pr: pullRequestRef(p.pull_request),
      isPullRequestTarget: false,
    },
    opts,
    `review ${p.review.id}`,
  );
}
