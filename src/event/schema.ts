/**
 * zod schemas for the parts of GitHub webhook payloads the relay reads. Loose objects: GitHub adds
 * fields all the time; only what we use is checked. A mismatch becomes one EventError line.
 */
import { isForkPullRequest } from '../core/identity';
import { z } from 'zod';
import type { Actor, PullRequestRef, TriggerComment } from '../request/types';

export class EventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventError';
  }
}

export interface EventOptions {
  /** `trigger_phrase`, e.g. `/claude`. */
  triggerPhrase: string;
  /** The `prompt` input: run any supported event with this text, no phrase needed. */
  explicitPrompt?: string;
  /** Login of the relay's own bot (`my-app[bot]` or `my-app`): assigning it starts an issue task. */
  botLogin?: string;
  /** `label_trigger`: adding this label to an issue starts a task (default: the phrase's word). */
  labelTrigger?: string;
  /** `assignee_trigger`: assigning an issue to one of these logins starts a task. */
  assigneeTriggers?: string[];
  /** `review_drafts`: review draft PRs too (otherwise they wait for ready_for_review). */
  reviewDrafts?: boolean;
  /** The runner's GITHUB_REPOSITORY / GITHUB_ACTOR / GITHUB_REF / GITHUB_SHA, for payloads without them (schedule). */
  repository?: string;
  runnerActor?: string;
  ref?: string;
  sha?: string;
}

export const actorType = z.enum(['User', 'Bot', 'Organization', 'Mannequin']);

export const user = z.looseObject({
  login: z.string(),
  id: z.number().optional(),
  type: actorType,
});

export const repository = z.looseObject({
  name: z.string(),
  full_name: z.string(),
  owner: z.looseObject({ login: z.string() }),
});

export const base = z.looseObject({
  repository,
  sender: user,
});

const branch = z.looseObject({
  sha: z.string(),
  ref: z.string(),
  repo: z.looseObject({ id: z.number().optional(), full_name: z.string() }).nullable(),
});

export const pullRequest = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  user: z.looseObject({ login: z.string() }).nullable(),
  author_association: z.string().optional(),
  draft: z.boolean().nullish(),
  head: branch,
  base: branch.extend({ repo: z.looseObject({ id: z.number().optional(), full_name: z.string() }) }),
});

export const issue = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  pull_request: z.looseObject({}).nullish(),
});

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Parses `payload` or throws an EventError naming the event and the first bad field. */
export function validate<T extends z.ZodType>(schema: T, payload: unknown, event: string): z.output<T> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') || '(payload)';
  let what = issue?.message ?? 'invalid value';
  if (issue?.code === 'invalid_type') {
    let got: unknown = payload;
    for (const key of issue.path)
      got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key] : undefined;
    what =
      got === undefined
        ? `is missing (expected ${issue.expected})`
        : `must be ${issue.expected}, got ${describe(got)}`;
  } else if (issue?.code === 'invalid_value') {
    what = `must be one of ${issue.values.map(String).join(', ')}`;
  }
  throw new EventError(`Malformed ${event} payload: ${path} ${what.replace(/\s+/g, ' ')}`);
}

export function actorOf(sender: z.output<typeof user>): Actor {
  return { login: sender.login, type: sender.type, ...(sender.id !== undefined ? { id: sender.id } : {}) };
}

export function pullRequestRef(pr: z.output<typeof pullRequest>): PullRequestRef {
  const headRepo = pr.head.repo?.full_name ?? '';
  return {
    number: pr.number,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    headRepo,
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
    isFork: isForkPullRequest(pr.head.repo, pr.base.repo),
    authorLogin: pr.user?.login ?? 'ghost',
    ...(pr.author_association !== undefined ? { authorAssociation: pr.author_association } : {}),
  };
}

export const comment = z.looseObject({
  id: z.number().int(),
  body: z.string(),
  html_url: z.string().optional(),
  user: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
});

export function triggerComment(
  c: z.output<typeof comment>,
  kind: TriggerComment['kind'],
  extra: Pick<TriggerComment, 'path' | 'line' | 'threadId'> = {},
): TriggerComment {
  return {
    id: c.id,
    kind,
    body: c.body,
    ...(c.html_url !== undefined ? { url: c.html_url } : {}),
    authorLogin: c.user?.login ?? 'ghost',
    ...extra,
  };
}

/** `owner`, `repo` of the payload's repository. */
export function repoOf(r: z.output<typeof repository>): { owner: string; repo: string } {
  return { owner: r.owner.login, repo: r.name };
}

/** Skip result with a one-line reason. */
export function skip(reason: string): { skip: true; reason: string } {
  return { skip: true, reason: reason.replace(/\s+/g, ' ').trim() };
}
