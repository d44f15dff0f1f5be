/**
 * Real webhook payloads from `@octokit/webhooks-examples`, deep-cloned, with the repository
 * normalised to `octo-org/octo-repo` and a deep-merge patch applied.
 *
 * Patch rules: plain objects merge key by key, arrays and scalars replace, `undefined` deletes.
 */
import { createRequire } from 'node:module';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Payload = Record<string, unknown>;
/** A deep partial: any nested object is merged, `undefined` deletes the key. */
export type Patch = { [key: string]: unknown };

interface Definition {
  name: string;
  examples: Payload[];
}

export const OWNER = 'octo-org';
export const REPO = 'octo-repo';
export const FULL_NAME = `${OWNER}/${REPO}`;

const require = createRequire(import.meta.url);
const definitions = require('@octokit/webhooks-examples') as Definition[];

/** No pull_request_target examples exist: GitHub sends the same payload as pull_request. */
const ALIASES: Record<string, string> = { pull_request_target: 'pull_request' };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge<T extends Payload>(target: T, patch: Patch): T {
  const out: Record<string, unknown> = target;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = deepMerge(out[key] as Payload, value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return target;
}

/** Every event/action pair the examples cover, e.g. `issues.labeled`. */
export function availableExamples(): string[] {
  return definitions.flatMap((d) =>
    d.examples.map((e) => `${d.name}.${typeof e.action === 'string' ? e.action : ''}`),
  );
}

function normaliseRepository(p: Payload): void {
  const repo = p.repository;
  if (!isPlainObject(repo)) return;
  const original = typeof repo.full_name === 'string' ? repo.full_name : '';
  const rename = (r: unknown) => {
    if (!isPlainObject(r)) return;
    r.name = REPO;
    r.full_name = FULL_NAME;
    if (isPlainObject(r.owner)) r.owner.login = OWNER;
  };
  rename(repo);
  // Same-repository PRs stay same-repository: rename head/base repos that were the payload's repo.
  const pr = p.pull_request;
  if (isPlainObject(pr)) {
    for (const side of ['head', 'base'] as const) {
      const b = pr[side];
      if (isPlainObject(b) && isPlainObject(b.repo) && b.repo.full_name === original) rename(b.repo);
    }
  }
  if (isPlainObject(p.organization) && typeof p.organization.login === 'string') p.organization.login = OWNER;
}

/**
 * A deep clone of the first real example payload of `eventName` with `action` (pass `undefined`
 * for events without actions, e.g. workflow_dispatch), normalised and patched.
 */
export function payload(eventName: string, action?: string, patch: Patch = {}): Payload {
  const name = ALIASES[eventName] ?? eventName;
  const def = definitions.find((d) => d.name === name);
  if (!def) throw new Error(`No webhook examples for event ${eventName}`);
  const example = def.examples.find((e) =>
    action === undefined ? !('action' in e) || !e.action : e.action === action,
  );
  if (!example) {
    const actions = [...new Set(def.examples.map((e) => String(e.action ?? '')))].join(', ');
    throw new Error(`No ${eventName} example with action "${action}" (have: ${actions})`);
  }
  const p = structuredClone(example);
  normaliseRepository(p);
  return deepMerge(p, patch);
}

export const sender = (login: string, type: 'User' | 'Bot' = 'User'): Patch => ({ sender: { login, type } });

export function prEvent(action: string, patch: Patch = {}, eventName = 'pull_request'): Payload {
  return payload(eventName, action, patch);
}

export function prOpened(patch: Patch = {}): Payload {
  return prEvent('opened', patch);
}

export function issueEvent(action: string, patch: Patch = {}): Payload {
  return payload('issues', action, patch);
}

/** issue_comment `created` with `body`; pass `onPullRequest` to make the issue a PR. */
export function issueComment(
  body: string,
  patch: Patch = {},
  opts: { onPullRequest?: boolean } = {},
): Payload {
  const base = payload('issue_comment', 'created', { comment: { body } });
  if (opts.onPullRequest) {
    deepMerge(base, {
      issue: {
        pull_request: {
          url: `https://api.github.com/repos/${FULL_NAME}/pulls/1`,
          html_url: `https://github.com/${FULL_NAME}/pull/1`,
          diff_url: `https://github.com/${FULL_NAME}/pull/1.diff`,
          patch_url: `https://github.com/${FULL_NAME}/pull/1.patch`,
        },
      },
    });
  }
  return deepMerge(base, patch);
}

export function reviewComment(body: string, patch: Patch = {}): Payload {
  return payload('pull_request_review_comment', 'created', deepMerge({ comment: { body } }, patch));
}

export function review(body: string | null, patch: Patch = {}): Payload {
  return payload('pull_request_review', 'submitted', deepMerge({ review: { body } }, patch));
}

export function workflowDispatch(inputs: Record<string, string>, patch: Patch = {}): Payload {
  const p = payload('workflow_dispatch', undefined, patch);
  p.inputs = { ...inputs };
  return p;
}

export function repositoryDispatch(clientPayload: Record<string, unknown>, patch: Patch = {}): Payload {
  const p = payload('repository_dispatch', 'on-demand-test', patch);
  p.client_payload = structuredClone(clientPayload);
  return p;
}
