/**
 * GitHub event payload → RelayRequest | Skip for every supported event. Payloads are validated
 * (zod, loose) to the fields used; a malformed one throws EventError with one line naming the event
 * and the field.
 */
import type { EventResult } from '../request/types';
import { issueCommentEvent, reviewCommentEvent, reviewEvent } from './comments';
import { automationEvent } from './automation';
import { repositoryDispatchEvent, workflowDispatchEvent } from './dispatch';
import { issuesEvent } from './issues';
import { pullRequestEvent } from './pull-request';
import type { EventOptions } from './schema';

export { EventError, type EventOptions } from './schema';
export { PULL_REQUEST_ACTIONS } from './pull-request';
export { phraseWord } from './issues';

type Handler = (eventName: string, payload: unknown, opts: EventOptions) => EventResult;

const handlers: Readonly<Record<string, Handler>> = {
  pull_request: pullRequestEvent,
  pull_request_target: pullRequestEvent,
  issues: issuesEvent,
  issue_comment: issueCommentEvent,
  pull_request_review_comment: reviewCommentEvent,
  pull_request_review: reviewEvent,
  workflow_dispatch: workflowDispatchEvent,
  repository_dispatch: repositoryDispatchEvent,
};

export const SUPPORTED_EVENTS: readonly string[] = Object.keys(handlers);

export function parseEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const handler = Object.hasOwn(handlers, eventName) ? handlers[eventName] : undefined;
  // With a prompt, any other event is an automation run in the repository's context.
  if (!handler) {
    return automationEvent(eventName, payload, opts, `claude-relay does not handle "${eventName}" events`);
  }
  return handler(eventName, payload, opts);
}
