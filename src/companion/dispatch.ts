/**
 * Starting the follow-up turn: `workflow_dispatch` of the repository's relay workflow on its
 * default branch, with the inputs the action's workflow_dispatch trigger reads.
 *
 * At most one run per PR: the workflow's `concurrency` group keeps one run going and one pending,
 * and when a third arrives GitHub silently cancels the pending one. So before dispatching, the
 * companion looks at this PR's unfinished runs:
 *  - none, or one (running or queued): dispatch; the new run waits its turn in the group;
 *  - two or more (one running and one already waiting): do not dispatch, and say so — the waiting
 *    request would otherwise be dropped without a word. Ask again once the waiting one starts.
 */
import type { ProbotOctokit } from 'probot';
import { getCommand } from '../commands/registry';
import type { ParsedCommand } from '../request/types';
import type { CommentEvent } from '../event/comments';
import { newestActiveRunsFor, type RunLister, type RunSummary } from '../commands/runs';
import type { CoreGitHub } from '../core/github';

export interface DispatchInputs {
  command: string;
  pr_number?: string;
  issue_number?: string;
  comment_id: string;
  /** Only for review comments: tells the action which API the comment lives in. */
  comment_kind?: string;
  head_sha?: string;
  requested_by: string;
}

/** The text after the phrase, as the action's `parseCommandText` reads it back. */
export function commandText(command: ParsedCommand): string {
  const word = getCommand(command.name).word;
  return [word, command.text].filter((s) => s !== '').join(' ');
}

export function dispatchInputs(ev: CommentEvent, command: ParsedCommand, headSha?: string): DispatchInputs {
  const number = String(ev.target.number);
  return {
    command: commandText(command),
    ...(ev.target.kind === 'pull_request' ? { pr_number: number } : { issue_number: number }),
    comment_id: String(ev.comment.id),
    ...(ev.comment.kind === 'review_comment' ? { comment_kind: 'review_comment' } : {}),
    ...(headSha ? { head_sha: headSha } : {}),
    requested_by: ev.actor.login,
  };
}

export type QueueDecision =
  { dispatch: true } | { dispatch: false; waiting: RunSummary; running: RunSummary };

/** The queued-run rule (see the file comment). `active` is oldest first. */
export function queueDecision(active: RunSummary[]): QueueDecision {
  if (active.length < 2) return { dispatch: true };
  const running = active.find((r) => r.status === 'in_progress') ?? (active[0] as RunSummary);
  const waiting = active.filter((r) => r !== running).at(-1) ?? (active[1] as RunSummary);
  return { dispatch: false, waiting, running };
}

export type DispatchResult = { ok: true } | { ok: false; status?: number; reason: string };

function apiMessage(err: unknown): string {
  const e = err as { message?: string; response?: { data?: { message?: string } } };
  return (e.response?.data?.message ?? e.message ?? String(err)).split('\n')[0]?.slice(0, 300) ?? '';
}

/** Why a dispatch failed, in words a maintainer can act on. */
export function explainDispatchError(
  status: number | undefined,
  message: string,
  workflow: string,
  ref: string,
): string {
  const file = /^\d+$/.test(workflow) ? `workflow ${workflow}` : `\`.github/workflows/${workflow}\``;
  switch (status) {
    case 404:
      return `GitHub found no workflow ${file} on the default branch \`${ref}\`. Add it (see the claude-relay README), or set \`workflow:\` in \`.github/claude-relay.yml\` to the workflow that uses the action.`;
    case 403:
      return `GitHub refused to start ${file}: the claude-relay App needs the **Actions: write** permission on this repository (${message}).`;
    case 422: {
      if (/workflow_dispatch/i.test(message))
        return `${file} cannot be started by the companion: add a \`workflow_dispatch\` trigger with the inputs \`command\`, \`pr_number\`, \`issue_number\`, \`comment_id\`, \`comment_kind\`, \`head_sha\` and \`requested_by\` (GitHub said: ${message}).`;
      if (/unexpected inputs/i.test(message))
        return `${file} does not declare every input the companion sends. Declare \`command\`, \`pr_number\`, \`issue_number\`, \`comment_id\`, \`comment_kind\`, \`head_sha\` and \`requested_by\` under \`on.workflow_dispatch.inputs\` (GitHub said: ${message}).`;
      return `GitHub rejected the inputs for ${file}: ${message}.`;
    }
    default:
      return `GitHub could not start ${file}${status ? ` (HTTP ${status})` : ''}: ${message}. Try again in a moment.`;
  }
}

export async function dispatchWorkflow(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; workflow: string; ref: string },
  inputs: DispatchInputs,
): Promise<DispatchResult> {
  try {
    await octokit.rest.actions.createWorkflowDispatch({
      owner: where.owner,
      repo: where.repo,
      workflow_id: where.workflow,
      ref: where.ref,
      inputs: { ...inputs },
    });
    return { ok: true };
  } catch (err) {
    const status = (err as { status?: number }).status;
    return {
      ok: false,
      ...(status !== undefined ? { status } : {}),
      reason: explainDispatchError(status, apiMessage(err), where.workflow, where.ref),
    };
  }
}

/**
 * Waits (up to `timeoutMs`, polling every second) until the PR has an unfinished run that was not
 * in `before`: GitHub lists a dispatched run a moment after answering the dispatch, and the next
 * decision for the PR must count it. False when it did not show in time. The new run is among the
 * newest dispatched runs, so each poll is one listing (the decision needed one per status).
 */
export async function waitForNewRun(
  gh: CoreGitHub,
  where: { owner: string; repo: string; workflow: string },
  target: { kind: 'pull_request' | 'issue'; number: number },
  before: RunSummary[],
  timeoutMs = 10_000,
  list?: RunLister,
): Promise<boolean> {
  const known = new Set(before.map((r) => r.id));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await newestActiveRunsFor(gh, where, target, { event: 'workflow_dispatch' }, list);
    if (now.some((r) => !known.has(r.id))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
  }
}
