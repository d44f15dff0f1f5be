/**
 * CI tools for the head commit: check runs, the combined commit status and the workflow runs (with
 * their jobs when they failed), and one job's log, tail-truncated. Names and outputs written by CI
 * configuration (possibly the PR's own workflows) come back fenced as untrusted data.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { describeGitHubError } from '../github/client';
import { fenceUntrusted } from '../prompt/sanitize';
import type { ToolContext } from './context';
import { guarded, httpStatus, ok, ToolError } from './result';

/** The job log's tail kept for the model. */
export const JOB_LOG_TAIL_CHARS = 20_000;
const MAX_RUNS = 20;
const MAX_RUNS_WITH_JOBS = 5;

const ACTIONS_READ =
  'the token lacks the `actions: read` permission (add `permissions: { actions: read }` to the workflow job that runs the relay)';

const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);

function section<T>(
  r: PromiseSettledResult<T>,
  what: string,
  render: (v: T) => string[],
  permission: string,
): string[] {
  if (r.status === 'fulfilled') return render(r.value);
  const status = httpStatus(r.reason);
  if (status === 403 || status === 404)
    return [`${what}: not readable (${status === 403 ? permission : describeGitHubError(r.reason)}).`];
  return [`${what}: could not be read (${describeGitHubError(r.reason)}).`];
}

export function ciTools(ctx: ToolContext) {
  const getCiStatus = tool(
    'get_ci_status',
    "Show CI for the pull request's head commit: check runs, commit statuses, and GitHub Actions workflow runs (with the jobs of failed runs, whose ids get_job_log takes).",
    {},
    guarded('get_ci_status', async () => {
      const sha = ctx.headSha;
      if (!sha) {
        throw new ToolError(
          ctx.isPull
            ? 'The head commit of this pull request is unknown, so its CI cannot be looked up.'
            : `This run is about issue #${ctx.number}: there is no commit to show CI for (push a change first).`,
        );
      }
      const { gh, owner, repo } = ctx;
      const [checks, combined, runs] = await Promise.allSettled([
        gh.paginate(gh.rest.checks.listForRef, { owner, repo, ref: sha, per_page: 100 }),
        gh.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 }).then((r) => r.data),
        gh.rest.actions
          .listWorkflowRunsForRepo({ owner, repo, head_sha: sha, per_page: MAX_RUNS })
          .then((r) => r.data.workflow_runs),
      ]);
      const failedRuns =
        runs.status === 'fulfilled'
          ? runs.value.filter((r) => r.conclusion && FAILED.has(r.conclusion)).slice(0, MAX_RUNS_WITH_JOBS)
          : [];
      const jobs = await Promise.allSettled(
        failedRuns.map((r) =>
          gh.rest.actions
            .listJobsForWorkflowRun({ owner, repo, run_id: r.id, per_page: 100 })
            .then((res) => res.data.jobs),
        ),
      );
      const jobsByRun = new Map<
        number,
        PromiseSettledResult<{ id: number; name: string; status: string; conclusion: string | null }[]>
      >();
      failedRuns.forEach((r, i) => {
        const j = jobs[i];
        if (j) jobsByRun.set(r.id, j);
      });

      const lines: string[] = [];
      const summary: string[] = [];
      lines.push(
        ...section(
          checks,
          'Check runs',
          (list) => {
            const counts = new Map<string, number>();
            for (const c of list) {
              const k = c.status === 'completed' ? (c.conclusion ?? 'completed') : c.status;
              counts.set(k, (counts.get(k) ?? 0) + 1);
            }
            summary.push(
              `${list.length} check runs${counts.size ? ` (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`,
            );
            return [
              `Check runs (${list.length}):`,
              ...list.map((c) => {
                const state = c.status === 'completed' ? (c.conclusion ?? 'completed') : c.status;
                const title = c.output?.title ? ` — ${c.output.title}` : '';
                return `- ${c.name} [${c.app?.slug ?? 'app'}]: ${state}${title} (check run id ${c.id})`;
              }),
            ];
          },
          'the token lacks the `checks: read` permission',
        ),
      );
      lines.push(
        ...section(
          combined,
          'Commit statuses',
          (c) => {
            summary.push(`combined status ${c.state} (${c.total_count} statuses)`);
            return [
              `Combined commit status: ${c.state} (${c.total_count} statuses):`,
              ...c.statuses.map(
                (s) => `- ${s.context}: ${s.state}${s.description ? ` — ${s.description}` : ''}`,
              ),
            ];
          },
          'the token lacks the `statuses: read` permission',
        ),
      );
      lines.push(
        ...section(
          runs,
          'Workflow runs',
          (list) => {
            summary.push(`${list.length} workflow runs`);
            const out = [`Workflow runs for this commit (${list.length}):`];
            for (const r of list) {
              const state =
                r.status === 'completed' ? (r.conclusion ?? 'completed') : (r.status ?? 'unknown');
              out.push(`- ${r.name ?? r.path} #${r.run_number} (${r.event}): ${state} (run id ${r.id})`);
              const j = jobsByRun.get(r.id);
              if (j?.status === 'fulfilled') {
                for (const job of j.value) {
                  const js = job.status === 'completed' ? (job.conclusion ?? 'completed') : job.status;
                  out.push(`  - job ${job.name}: ${js} (job id ${job.id})`);
                }
              } else if (j?.status === 'rejected') {
                out.push(`  - jobs not readable: ${describeGitHubError(j.reason)}`);
              }
            }
            return out;
          },
          ACTIONS_READ,
        ),
      );
      const head = `CI for ${ctx.owner}/${ctx.repo}@${sha.slice(0, 12)}${summary.length ? `: ${summary.join('; ')}` : ''}.`;
      return ok(
        [
          head,
          fenceUntrusted('CI status', lines.join('\n')),
          'Job logs: get_job_log with a job id (for GitHub Actions checks the check run id is the job id).',
        ].join('\n'),
      );
    }),
    { annotations: { title: 'Get CI status', readOnlyHint: true, openWorldHint: false } },
  );

  const getJobLog = tool(
    'get_job_log',
    `Read the log of one GitHub Actions job of this repository by job id (from get_ci_status), keeping the last ${JOB_LOG_TAIL_CHARS.toLocaleString('en-US')} characters.`,
    { job_id: z.number().int().min(1).describe('The job id (get_ci_status lists them).') },
    guarded('get_job_log', async ({ job_id }) => {
      const { gh, owner, repo } = ctx;
      let text: string;
      try {
        const res = await gh.rest.actions.downloadJobLogsForWorkflowRun({ owner, repo, job_id });
        const data: unknown = res.data;
        text =
          typeof data === 'string'
            ? data
            : data instanceof ArrayBuffer
              ? Buffer.from(data).toString('utf8')
              : String(data ?? '');
      } catch (err) {
        const status = httpStatus(err);
        if (status === 403) throw new ToolError(`Cannot read the log of job ${job_id}: ${ACTIONS_READ}.`);
        if (status === 404 || status === 410)
          throw new ToolError(
            `No log for job ${job_id} in ${owner}/${repo}: the job does not exist here, has not finished, or its log expired.`,
          );
        throw err;
      }
      const clean = text
        // eslint-disable-next-line no-control-regex
        .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
        .replace(/^\uFEFF/, '')
        .replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/gm, '');
      const cut = clean.length > JOB_LOG_TAIL_CHARS;
      let tail = cut ? clean.slice(clean.length - JOB_LOG_TAIL_CHARS) : clean;
      if (cut) {
        const nl = tail.indexOf('\n');
        if (nl >= 0 && nl < 500) tail = tail.slice(nl + 1);
      }
      const head = cut
        ? `Log of job ${job_id} (the last ${tail.length.toLocaleString('en-US')} of ${clean.length.toLocaleString('en-US')} characters; the start is cut):`
        : `Log of job ${job_id} (${clean.length.toLocaleString('en-US')} characters):`;
      return ok([head, fenceUntrusted(`job ${job_id} log`, tail || '(empty log)')].join('\n'));
    }),
    { annotations: { title: 'Get job log', readOnlyHint: true, openWorldHint: false } },
  );

  return [getCiStatus, getJobLog];
}
