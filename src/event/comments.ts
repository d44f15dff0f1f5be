/**
 * Comment events: `issue_comment` (created), `pull_request_review_comment` (created) and
 * `pull_request_review` (submitted). The phrase is required unless an explicit prompt is set;
 * edited comments never trigger. `parseCommentEvent` is the one reader of comment payloads: the
 * companion uses it too.
 */
import { z } from 'zod';
import { findTrigger } from '../commands/parse';
import type {
  Actor,
  EventResult,
  ParsedCommand,
  PullRequestRef,
  RelayRequest,
  TriggerComment,
} from '../request/types';
import { actionOf, explicitPrompt, withPrompt } from './common';
import {
  actorOf,
  base,
  comment,
  EventError,
  issue,
  pullRequest,
  pullRequestRef,
  repoOf,
  repository,
  skip,
  triggerComment,
  validate,
  type EventOptions,
} from './schema';

/** The repository fields the companion needs too: its default branch (dispatch ref) and web URL. */
const commentRepository = repository.extend({
  default_branch: z.string().min(1).optional(),
  html_url: z.string().optional(),
});

const commentBase = base.extend({
  repository: commentRepository,
  installation: z.looseObject({ id: z.number().int() }).nullish(),
});

const issueCommentSchema = commentBase.extend({ issue, comment });

const reviewCommentSchema = commentBase.extend({
  pull_request: pullRequest,
  comment: comment.extend({
    path: z.string(),
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
    in_reply_to_id: z.number().int().positive().nullish(),
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

export type CommentEventName = 'issue_comment' | 'pull_request_review_comment';

/**
 * A new comment, as both surfaces read it: the action turns it into a RelayRequest once the phrase
 * is known, the companion also keys, claims, answers and dispatches with it. One parser, so the
 * two can never disagree about who wrote a comment or where it was made.
 */
export interface CommentEvent {
  eventName: CommentEventName;
  owner: string;
  repo: string;
  /** `https://github.com/owner/repo` (web), for links in replies. */
  repoHtmlUrl: string;
  /** Absent only in a payload GitHub would not send; the companion cannot dispatch without it. */
  defaultBranch?: string;
  target: { kind: 'pull_request' | 'issue'; number: number; title: string };
  /** Who caused the event: the gate authorizes this account. */
  actor: Actor;
  comment: TriggerComment;
  /** The comment author's account type (`User`, `Bot`, …) when the payload names it. */
  authorType?: string;
  /** Review comments: the PR as the payload describes it. */
  pr?: PullRequestRef;
  installationId?: number;
}

function repositoryOf(r: z.output<typeof commentRepository>) {
  const { owner, repo } = repoOf(r);
  return {
    owner,
    repo,
    repoHtmlUrl: r.html_url ?? `https://github.com/${owner}/${repo}`,
    ...(r.default_branch !== undefined ? { defaultBranch: r.default_branch } : {}),
  };
}

function authorTypeOf(c: { user: { type?: string | undefined } | null }): { authorType?: string } {
  return c.user?.type ? { authorType: c.user.type } : {};
}

/**
 * Parses an `issue_comment` or `pull_request_review_comment` payload (any action), or throws an
 * EventError naming the first bad field. Fails closed: an account type GitHub does not document
 * is an error, never read as a user.
 */
export function parseCommentEvent(eventName: string, payload: unknown): CommentEvent {
  if (eventName === 'issue_comment') {
    const p = validate(issueCommentSchema, payload, eventName);
    const onPr = p.issue.pull_request !== undefined && p.issue.pull_request !== null;
    return {
      eventName,
      ...repositoryOf(p.repository),
      // The PR's head/base are not in this payload; the context stage fetches them.
      target: { kind: onPr ? 'pull_request' : 'issue', number: p.issue.number, title: p.issue.title },
      actor: actorOf(p.sender),
      comment: triggerComment(p.comment, 'issue_comment'),
      ...authorTypeOf(p.comment),
      ...(p.installation ? { installationId: p.installation.id } : {}),
    };
  }
  if (eventName === 'pull_request_review_comment') {
    const p = validate(reviewCommentSchema, payload, eventName);
    const line = p.comment.line ?? p.comment.original_line ?? undefined;
    return {
      eventName,
      ...repositoryOf(p.repository),
      target: { kind: 'pull_request', number: p.pull_request.number, title: p.pull_request.title },
      actor: actorOf(p.sender),
      comment: triggerComment(p.comment, 'review_comment', {
        path: p.comment.path,
        ...(line !== undefined ? { line } : {}),
        ...(p.comment.in_reply_to_id ? { threadId: p.comment.in_reply_to_id } : {}),
      }),
      ...authorTypeOf(p.comment),
      pr: pullRequestRef(p.pull_request),
      ...(p.installation ? { installationId: p.installation.id } : {}),
    };
  }
  throw new EventError(`${eventName} is not a comment event`);
}

/** parseCommentEvent for callers that drop what they cannot read: the reason instead of a throw. */
export function readCommentEvent(eventName: string, payload: unknown): CommentEvent | { invalid: string } {
  try {
    return parseCommentEvent(eventName, payload);
  } catch (err) {
    if (err instanceof EventError) return { invalid: err.message };
    throw err;
  }
}

/** The request for a comment event and its command (the action's `created` comments). */
export function commentRequest(ev: CommentEvent, command: ParsedCommand): RelayRequest {
  return { ...requestBase(ev, 'created'), trigger: 'comment', command };
}

function requestBase(ev: CommentEvent, action: string): Omit<RelayRequest, 'trigger' | 'command'> {
  return {
    eventName: ev.eventName,
    action,
    owner: ev.owner,
    repo: ev.repo,
    target: ev.target,
    actor: ev.actor,
    comment: ev.comment,
    ...(ev.pr ? { pr: ev.pr } : {}),
    isPullRequestTarget: false,
  };
}

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
  return commentEventFor(eventName, payload, opts);
}

export function reviewCommentEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  return commentEventFor(eventName, payload, opts);
}

function commentEventFor(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  if (action !== 'created') return wrongAction(eventName, action, 'created');
  const ev = parseCommentEvent(eventName, payload);
  const what = ev.comment.kind === 'review_comment' ? 'review comment' : 'comment';
  return commandFor(ev.comment.body, requestBase(ev, action), opts, `${what} ${ev.comment.id}`);
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
