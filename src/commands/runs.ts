/**
 * The relay's workflow runs for one PR/issue (shared by the action and the companion): which are queued or in progress, and cancelling them.
 *
 * A run belongs to PR/issue #N when (first match wins):
 *  1. its `inputs` carry `pr_number` / `issue_number` N (the companion's dispatches; returned by
 *     GitHub Enterprise and the test fake, not by every GitHub version);
 *  2. its `pull_requests` list names #N (runs started by `pull_request` events of same-repo PRs);
 *  3. its `display_title` ends in `#N`. GitHub shows a dispatched run under the workflow's name, so
 *     the workflow must set it, exactly as the shipped example does:
 *
 *       run-name: claude #${{ inputs.pr_number || inputs.issue_number || github.event.pull_request.number || github.event.issue.number }}
 */
import type { ApiRun, CoreGitHub } from '../core/github';

/** Every status GitHub gives a run that has not finished. */
export const ACTIVE_STATUSES = ['in_progress', 'queued', 'pending', 'waiting', 'requested'] as const;

export interface RunSummary {
  id: number;
  status: string;
  htmlUrl: string;
  displayTitle: string;
  createdAt: string;
}

export function runMatches(run: ApiRun, target: { kind: 'pull_request' | 'issue'; number: number }): boolean {
  const n = String(target.number);
  const inputs = run.inputs;
  if (inputs && typeof inputs === 'object') {
    const value = target.kind === 'pull_request' ? inputs.pr_number : inputs.issue_number;
    const other = target.kind === 'pull_request' ? inputs.issue_number : inputs.pr_number;
    if (value !== undefined && value !== null && String(value).trim() !== '')
      return String(value).trim().replace(/^#/, '') === n;
    // A PR is also an issue: an `issue_number` dispatch for the same number is the same thread.
    if (other !== undefined && other !== null && String(other).trim() !== '')
      return String(other).trim().replace(/^#/, '') === n;
  }
  if (target.kind === 'pull_request' && run.pull_requests && run.pull_requests.length > 0) {
    return run.pull_requests.some((pr) => pr.number === target.number);
  }
  const m = /#(\d+)\s*$/.exec(run.display_title ?? '');
  return m?.[1] === n;
}

/** The target's runs among `runs` (listed as unfinished), each once, oldest first. */
function summariesFor(
  runs: ApiRun[],
  target: { kind: 'pull_request' | 'issue'; number: number },
): RunSummary[] {
  const seen = new Set<number>();
  const out: RunSummary[] = [];
  for (const run of runs) {
    if (seen.has(run.id) || !runMatches(run, target)) continue;
    seen.add(run.id);
    out.push({
      id: run.id,
      status: run.status ?? 'queued',
      htmlUrl: run.html_url ?? '',
      displayTitle: run.display_title ?? '',
      createdAt: run.created_at ?? '',
    });
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

export type RunListParams = Parameters<CoreGitHub['rest']['actions']['listWorkflowRuns']>[0];

/** Makes one listing of workflow runs. The default is listRuns; the companion can share them. */
export type RunLister = (params: RunListParams) => Promise<ApiRun[]>;

/** The runs one listing returns; a 404 (no such workflow) is none. */
export async function listRuns(octokit: CoreGitHub, params: RunListParams): Promise<ApiRun[]> {
  try {
    return (await octokit.rest.actions.listWorkflowRuns(params)).data.workflow_runs;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return [];
    throw err;
  }
}

/**
 * Unfinished runs of `workflow` for the target, oldest first: one listing per unfinished status
 * (GitHub filters by one status at a time). A 404 (no such workflow) is an empty list: the
 * dispatch that follows explains it.
 */
export async function activeRunsFor(
  octokit: CoreGitHub,
  where: { owner: string; repo: string; workflow: string },
  target: { kind: 'pull_request' | 'issue'; number: number },
  list: RunLister = (params) => listRuns(octokit, params),
): Promise<RunSummary[]> {
  const pages = await Promise.all(
    ACTIVE_STATUSES.map((status) =>
      list({
        owner: where.owner,
        repo: where.repo,
        workflow_id: where.workflow,
        status,
        per_page: 100,
      }),
    ),
  );
  return summariesFor(pages.flat(), target);
}

/**
 * Unfinished runs for the target among the workflow's newest `count` runs started by `event`, in
 * one listing: enough to find a run dispatched a moment ago (GitHub lists newest first), not to
 * find every unfinished run (that is activeRunsFor).
 */
export async function newestActiveRunsFor(
  octokit: CoreGitHub,
  where: { owner: string; repo: string; workflow: string },
  target: { kind: 'pull_request' | 'issue'; number: number },
  opts: { event: string; count?: number },
  list: RunLister = (params) => listRuns(octokit, params),
): Promise<RunSummary[]> {
  const runs = await list({
    owner: where.owner,
    repo: where.repo,
    workflow_id: where.workflow,
    event: opts.event,
    per_page: opts.count ?? 30,
  });
  const unfinished = new Set<string>(ACTIVE_STATUSES);
  return summariesFor(
    runs.filter((run) => unfinished.has(run.status ?? 'queued')),
    target,
  );
}

export interface CancelOutcome {
  run: RunSummary;
  ok: boolean;
  /** Why it failed, in words. */
  error?: string;
}

export async function cancelRuns(
  octokit: CoreGitHub,
  where: { owner: string; repo: string },
  runs: RunSummary[],
): Promise<CancelOutcome[]> {
  return Promise.all(
    runs.map(async (run): Promise<CancelOutcome> => {
      try {
        await octokit.rest.actions.cancelWorkflowRun({
          owner: where.owner,
          repo: where.repo,
          run_id: run.id,
        });
        return { run, ok: true };
      } catch (err) {
        const status = (err as { status?: number }).status;
        const error =
          status === 409
            ? 'it had already finished'
            : status === 403
              ? 'the App may not cancel runs here (it needs the `actions: write` permission)'
              : `GitHub answered ${status ?? 'with an error'}`;
        return { run, ok: false, error };
      }
    }),
  );
}
