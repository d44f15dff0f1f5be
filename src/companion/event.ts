/**
 * The two webhook events the companion handles (`issue_comment.created`,
 * `pull_request_review_comment.created`), reduced to one CommentEvent, and from there to the
 * pipeline's RelayRequest so the action's gate (`authorize()`) judges it.
 */
import { z } from 'zod';
import type { ActorType, ParsedCommand, RelayRequest } from '../request/types';

export type CommentKind = 'issue_comment' | 'review_comment';

export interface CommentEvent {
  eventName: 'issue_comment' | 'pull_request_review_comment';
  kind: CommentKind;
  owner: string;
  repo: string;
  defaultBranch: string;
  /** `https://github.com/owner/repo` (web), for links in replies. */
  repoHtmlUrl: string;
  target: { kind: 'pull_request' | 'issue'; number: number; title?: string };
  comment: {
    id: number;
    body: string;
    authorLogin: string;
    authorType?: string;
    url?: string;
    /** Review comments: the thread's top-level comment (GitHub takes replies only to that one). */
    threadId?: number;
  };
  sender: { login: string; type: ActorType };
  installationId?: number;
}

const account = z.looseObject({ login: z.string(), type: z.string().optional() });
const actorType = (t: string | undefined): ActorType =>
  t === 'Bot' || t === 'Organization' || t === 'Mannequin' ? t : 'User';

const repository = z.looseObject({
  name: z.string(),
  owner: account,
  default_branch: z.string().min(1),
  html_url: z.string().optional(),
});

const comment = z.looseObject({
  id: z.number().int().positive(),
  body: z.string().nullish(),
  user: account.nullish(),
  html_url: z.string().optional(),
  in_reply_to_id: z.number().int().positive().nullish(),
});

const common = {
  repository,
  sender: account,
  installation: z.looseObject({ id: z.number() }).nullish(),
  comment,
};

const issueCommentPayload = z.looseObject({
  ...common,
  issue: z.looseObject({
    number: z.number().int().positive(),
    title: z.string().optional(),
    pull_request: z.unknown().optional(),
  }),
});

const reviewCommentPayload = z.looseObject({
  ...common,
  pull_request: z.looseObject({ number: z.number().int().positive(), title: z.string().optional() }),
});

function base(
  p: z.output<typeof issueCommentPayload> | z.output<typeof reviewCommentPayload>,
): Omit<CommentEvent, 'eventName' | 'kind' | 'target'> {
  const owner = p.repository.owner.login;
  const repo = p.repository.name;
  return {
    owner,
    repo,
    defaultBranch: p.repository.default_branch,
    repoHtmlUrl: p.repository.html_url ?? `https://github.com/${owner}/${repo}`,
    comment: {
      id: p.comment.id,
      body: p.comment.body ?? '',
      authorLogin: p.comment.user?.login ?? p.sender.login,
      ...(p.comment.user?.type ? { authorType: p.comment.user.type } : {}),
      ...(p.comment.html_url ? { url: p.comment.html_url } : {}),
      ...(p.comment.in_reply_to_id ? { threadId: p.comment.in_reply_to_id } : {}),
    },
    sender: { login: p.sender.login, type: actorType(p.sender.type) },
    ...(p.installation ? { installationId: p.installation.id } : {}),
  };
}

/** The event, or a reason why the payload is not something we can act on. */
export function commentEvent(name: string, payload: unknown): CommentEvent | { invalid: string } {
  if (name === 'issue_comment') {
    const p = issueCommentPayload.safeParse(payload);
    if (!p.success) return { invalid: `issue_comment payload: ${p.error.issues[0]?.message ?? 'invalid'}` };
    const isPull = p.data.issue.pull_request !== undefined && p.data.issue.pull_request !== null;
    return {
      eventName: 'issue_comment',
      kind: 'issue_comment',
      ...base(p.data),
      target: {
        kind: isPull ? 'pull_request' : 'issue',
        number: p.data.issue.number,
        ...(p.data.issue.title !== undefined ? { title: p.data.issue.title } : {}),
      },
    };
  }
  if (name === 'pull_request_review_comment') {
    const p = reviewCommentPayload.safeParse(payload);
    if (!p.success) return { invalid: `review comment payload: ${p.error.issues[0]?.message ?? 'invalid'}` };
    return {
      eventName: 'pull_request_review_comment',
      kind: 'review_comment',
      ...base(p.data),
      target: {
        kind: 'pull_request',
        number: p.data.pull_request.number,
        ...(p.data.pull_request.title !== undefined ? { title: p.data.pull_request.title } : {}),
      },
    };
  }
  return { invalid: `event ${name} is not handled` };
}

/** A key naming one comment across both comment APIs (ids of the two kinds are separate). */
export function commentKey(ev: CommentEvent): string {
  return `${ev.owner}/${ev.repo}:${ev.kind}:${ev.comment.id}`.toLowerCase();
}

export function toRelayRequest(ev: CommentEvent, command: ParsedCommand): RelayRequest {
  return {
    eventName: ev.eventName,
    action: 'created',
    owner: ev.owner,
    repo: ev.repo,
    target: ev.target,
    actor: { login: ev.sender.login, type: ev.sender.type },
    trigger: 'comment',
    command,
    comment: {
      id: ev.comment.id,
      kind: ev.kind,
      body: ev.comment.body,
      authorLogin: ev.comment.authorLogin,
      ...(ev.comment.url ? { url: ev.comment.url } : {}),
    },
    isPullRequestTarget: false,
  };
}
