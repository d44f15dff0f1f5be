/**
 * `workflow_dispatch` (the companion's follow-ups) and `repository_dispatch`
 * (`client_payload` with the same fields). `command` is the comment text after the phrase.
 */
import { z } from 'zod';
import { parseCommandText } from '../commands/parse';
import type { Actor, EventResult, RelayRequest, TriggerComment } from '../request/types';
import { automationEvent } from './automation';
import { explicitPrompt, withPrompt } from './common';
import { actorOf, base, repoOf, skip, validate, type EventOptions } from './schema';

/** Dispatch inputs are strings ('' when unset); client_payload values may be JSON numbers. */
const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (blank(v) ? undefined : String(v)));

const positiveInt = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v, ctx) => {
    if (blank(v)) return undefined;
    const s = String(v).trim().replace(/^#/, '');
    const n = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });

const pattern = (re: RegExp, what: string) =>
  text.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const s = v.trim();
    if (!re.test(s)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return s;
  });

const fields = z.looseObject({
  command: text,
  pr_number: positiveInt,
  issue_number: positiveInt,
  comment_id: positiveInt,
  /** Not part of the documented inputs: lets the companion say which API the comment lives in (default issue_comment). */
  comment_kind: z.enum(['issue_comment', 'review_comment', 'review']).nullish().or(z.literal('')),
  head_sha: pattern(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i, 'a full commit SHA'),
  requested_by: pattern(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, 'a GitHub login'),
});
type Fields = z.output<typeof fields>;

const workflowDispatch = base.extend({ inputs: fields.nullish() });
const repositoryDispatch = base.extend({
  action: z.string().optional(),
  event_type: z.string().optional(),
  client_payload: fields.nullish(),
});

function build(
  eventName: string,
  action: string | undefined,
  f: Fields,
  p: z.output<typeof base>,
  opts: EventOptions,
): EventResult {
  const number = f.pr_number ?? f.issue_number;
  if (number === undefined) {
    return automationEvent(
      eventName,
      p,
      opts,
      `${eventName} without pr_number or issue_number: nothing to run on (set prompt to run in the repository)`,
    );
  }
  const kind = f.pr_number !== undefined ? 'pull_request' : 'issue';

  let command = f.command !== undefined ? parseCommandText(f.command) : undefined;
  if (command === undefined && explicitPrompt(opts) === undefined) {
    // A manual "Run workflow" with only a PR number: review it, as a PR event would.
    if (kind === 'issue') return skip(`${eventName} for issue #${number} without a command`);
    command = { name: 'review', text: '' };
  }

  // The companion checked who asked; the gate checks again, as that account.
  const actor: Actor = f.requested_by
    ? { login: f.requested_by, type: f.requested_by.endsWith('[bot]') ? 'Bot' : 'User' }
    : actorOf(p.sender);
  let comment: TriggerComment | undefined;
  if (f.comment_id !== undefined) {
    comment = {
      id: f.comment_id,
      kind: f.comment_kind || 'issue_comment',
      body: f.command !== undefined ? `${opts.triggerPhrase.trim()} ${f.command}` : '',
      authorLogin: actor.login,
    };
  }
  const req: RelayRequest = {
    eventName,
    ...(action ? { action } : {}),
    ...repoOf(p.repository),
    target: { kind, number },
    actor,
    trigger: 'dispatch',
    command: command ?? { name: 'ask', text: '' },
    ...(comment ? { comment } : {}),
    ...(f.head_sha ? { expectedHeadSha: f.head_sha } : {}),
    ...(f.requested_by ? { requestedBy: f.requested_by } : {}),
    isPullRequestTarget: false,
  };
  return withPrompt(req, opts);
}

export function workflowDispatchEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const p = validate(workflowDispatch, payload, eventName);
  return build(eventName, undefined, p.inputs ?? fields.parse({}), p, opts);
}

export function repositoryDispatchEvent(
  eventName: string,
  payload: unknown,
  opts: EventOptions,
): EventResult {
  const p = validate(repositoryDispatch, payload, eventName);
  return build(eventName, p.action ?? p.event_type, p.client_payload ?? fields.parse({}), p, opts);
}
