/**
 * Commands the relay answers itself, without an agent turn: `help`, `cost`, `stop`. The action
 * (for comment events) and the companion both use these.
 */
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import type { RelayRequest } from '../request/types';
import type { CommentPublisher } from '../report/publisher';
import { formatUsd } from '../report/comment';
import { sumCosts, type CostSummary } from '../session';
import { helpText } from './registry';

export interface DirectDeps {
  gh: GitHub;
  settings: Pick<Settings, 'trigger_phrase'> & { runner?: { runId: string } };
  publisher: Pick<CommentPublisher, 'reply'>;
  selfLogins: string[];
}

export interface DirectReply {
  url: string;
  summary: string;
}

export async function runDirectCommand(req: RelayRequest, deps: DirectDeps): Promise<DirectReply> {
  const phrase = deps.settings.trigger_phrase;
  switch (req.command.name) {
    case 'cost': {
      const costs = await costOf(deps.gh, req, deps.selfLogins);
      const ref = await deps.publisher.reply(costReply(costs, req.target.kind));
      return { url: ref.url, summary: `cost: ${formatUsd(costs.totalUsd)} over ${costs.runs.length} runs` };
    }
    case 'stop': {
      const cancelled = await cancelRunsFor(deps.gh, req, deps.settings.runner?.runId);
      const ref = await deps.publisher.reply(stopReply(cancelled));
      return { url: ref.url, summary: `stop: cancelled ${cancelled.length} runs` };
    }
    default: {
      const ref = await deps.publisher.reply(helpText(phrase));
      return { url: ref.url, summary: 'help' };
    }
  }
}

export async function costOf(
  gh: GitHub,
  req: Pick<RelayRequest, 'owner' | 'repo' | 'target'>,
  selfLogins: string[],
): Promise<CostSummary> {
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    owner: req.owner,
    repo: req.repo,
    issue_number: req.target.number,
    per_page: 100,
  });
  return sumCosts(
    comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      authorLogin: c.user?.login ?? '',
      authorType: c.user?.type,
    })),
    selfLogins,
  );
}

export function costReply(costs: CostSummary, kind: 'pull_request' | 'issue'): string {
  const what = kind === 'pull_request' ? 'this PR' : 'this issue';
  if (costs.runs.length === 0) return `No claude-relay runs have been recorded on ${what} yet.`;
  const lines = [
    `**Cost on ${what}: ${formatUsd(costs.totalUsd)}** over ${costs.runs.length} run${costs.runs.length === 1 ? '' : 's'}`,
    '',
    '| run | conclusion | cost |',
    '| --- | --- | --- |',
  ];
  for (const r of costs.runs) lines.push(`| ${r.runId} | ${r.conclusion ?? ''} | ${formatUsd(r.costUsd)} |`);
  return lines.join('\n');
}

/** Runs of the relay's workflow for this PR/issue, matched by the `run-name: claude #<n>` convention or their inputs. */
export async function activeRunsFor(gh: GitHub, req: Pick<RelayRequest, 'owner' | 'repo' | 'target'>) {
  const found: { id: number; status: string; title: string }[] = [];
  for (const status of ['in_progress', 'queued', 'waiting', 'pending'] as const) {
    const { data } = await gh.rest.actions.listWorkflowRunsForRepo({
      owner: req.owner,
      repo: req.repo,
      status,
      per_page: 100,
    });
    for (const r of data.workflow_runs) {
      const inputs = (r as { inputs?: Record<string, unknown> }).inputs ?? {};
      const n = String(req.target.number);
      const byTitle = new RegExp(`#${n}(?!\\d)`).test(r.display_title ?? '');
      const byInputs = String(inputs.pr_number ?? inputs.issue_number ?? '') === n;
      if ((byTitle || byInputs) && !found.some((f) => f.id === r.id))
        found.push({ id: r.id, status: r.status ?? status, title: r.display_title ?? '' });
    }
  }
  return found;
}

export async function cancelRunsFor(
  gh: GitHub,
  req: Pick<RelayRequest, 'owner' | 'repo' | 'target'>,
  exceptRunId?: string,
) {
  const runs = (await activeRunsFor(gh, req)).filter((r) => String(r.id) !== exceptRunId);
  const cancelled: { id: number; ok: boolean; why?: string }[] = [];
  for (const r of runs) {
    try {
      await gh.rest.actions.cancelWorkflowRun({ owner: req.owner, repo: req.repo, run_id: r.id });
      cancelled.push({ id: r.id, ok: true });
    } catch (err) {
      cancelled.push({
        id: r.id,
        ok: false,
        why: (err as { status?: number }).status === 409 ? 'already finished' : 'cancel failed',
      });
    }
  }
  return cancelled;
}

export function stopReply(cancelled: { id: number; ok: boolean; why?: string }[]): string {
  if (cancelled.length === 0) return 'Nothing to stop: no claude-relay run is in progress or queued here.';
  const ok = cancelled.filter((c) => c.ok).map((c) => c.id);
  const failed = cancelled.filter((c) => !c.ok);
  return [
    ok.length ? `🛑 Cancelled ${ok.length} run${ok.length === 1 ? '' : 's'}: ${ok.join(', ')}.` : '',
    ...failed.map((f) => `Run ${f.id}: ${f.why}.`),
  ]
    .filter(Boolean)
    .join('\n');
}
