/** GitHub Actions (dispatch, runs, jobs, logs) and commit checks/statuses. */
import {
  HttpError,
  Input,
  json,
  noContent,
  notFound,
  numParam,
  paginate,
  pagedJson,
  param,
  repoOf,
  requireWriter,
  route,
  type Ctx,
  type Reply,
  type Route,
} from './http';
import { checkRunJson, jobJson, runJson, statusJson, workflowId } from './shapes';
import type { RunRecord, StatusRecord } from './state';

const R = '/repos/:owner/:repo';
/** GitHub's cap on workflow_dispatch inputs. */
const MAX_INPUTS = 25;

/** A workflow by file name or numeric id (capture 2) → its file name, or 404. */
function workflowOf(ctx: Ctx): string {
  const repo = repoOf(ctx).full_name;
  const wanted = param(ctx, 2);
  for (const key of ctx.state.workflows) {
    const [keyRepo, file] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
    if (keyRepo === repo && (file === wanted || String(workflowId(repo, file)) === wanted)) return file;
  }
  throw notFound();
}

function runOf(ctx: Ctx): RunRecord {
  const repo = repoOf(ctx);
  const run = ctx.state.runs.get(numParam(ctx, 2));
  if (!run || run.repo !== repo.full_name) throw notFound();
  return run;
}

function dispatch(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  requireWriter(ctx, repo);
  const workflow = workflowOf(ctx);
  const input = new Input(ctx.body);
  const ref = input.reqStr('ref');
  const inputs = input.record('inputs') ?? {};
  if (Object.keys(inputs).length > MAX_INPUTS) {
    throw new HttpError(
      422,
      `you may only define up to ${MAX_INPUTS} \`inputs\` for a workflow_dispatch event`,
    );
  }
  const sha = ctx.state.resolveRef(repo.full_name, ref);
  if (!sha) throw new HttpError(422, `No ref found for: ${ref}`);
  const run = ctx.state.addRun({
    repo: repo.full_name,
    workflow,
    event: 'workflow_dispatch',
    head_branch: ref.replace(/^refs\/(heads|tags)\//, ''),
    head_sha: sha,
    actor: ctx.identity.login,
    inputs: { ...inputs },
  });
  ctx.state.dispatches.push({
    repo: repo.full_name,
    workflow,
    ref,
    inputs: { ...inputs },
    at: run.created_at,
    actor: ctx.identity.login,
    run_id: run.id,
  });
  if (input.bool('return_run_details')) {
    return json(200, {
      workflow_run_id: run.id,
      run_url: `${ctx.state.apiUrl}/repos/${repo.full_name}/actions/runs/${run.id}`,
      html_url: run.html_url,
    });
  }
  return noContent();
}

function listRuns(ctx: Ctx, workflow?: string): Reply {
  const repo = repoOf(ctx);
  const q = ctx.query;
  const status = q.get('status');
  const list = [...ctx.state.runs.values()]
    .filter((r) => r.repo === repo.full_name && (!workflow || r.workflow === workflow))
    .filter((r) => !status || r.status === status || r.conclusion === status)
    .filter((r) => !q.get('event') || r.event === q.get('event'))
    .filter((r) => !q.get('branch') || r.head_branch === q.get('branch'))
    .filter((r) => !q.get('head_sha') || r.head_sha === q.get('head_sha'))
    .filter((r) => !q.get('actor') || r.actor === q.get('actor'))
    .sort((a, b) => b.id - a.id);
  const page = paginate(ctx, list);
  return json(
    200,
    { total_count: list.length, workflow_runs: page.items.map((r) => runJson(ctx.state, r)) },
    page.headers,
  );
}

function cancel(ctx: Ctx, force: boolean): Reply {
  const run = runOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  if (run.status === 'completed') throw new HttpError(409, 'Cannot cancel a workflow run that is completed.');
  ctx.state.updateRun(run.id, { status: 'completed', conclusion: 'cancelled' });
  for (const job of ctx.state.jobs.get(run.id) ?? []) {
    if (job.status !== 'completed' || force)
      Object.assign(job, { status: 'completed', conclusion: 'cancelled', completed_at: ctx.state.now() });
  }
  return json(202, {});
}

function listJobs(ctx: Ctx): Reply {
  const run = runOf(ctx);
  const page = paginate(ctx, ctx.state.jobs.get(run.id) ?? []);
  return json(
    200,
    {
      total_count: (ctx.state.jobs.get(run.id) ?? []).length,
      jobs: page.items.map((j) => jobJson(ctx.state, run, j)),
    },
    page.headers,
  );
}

function jobOf(ctx: Ctx) {
  const repo = repoOf(ctx);
  const id = numParam(ctx, 2);
  for (const [runId, jobs] of ctx.state.jobs) {
    const job = jobs.find((j) => j.id === id);
    const run = ctx.state.runs.get(runId);
    if (job && run && run.repo === repo.full_name) return { job, run };
  }
  throw notFound();
}

/** Like GitHub: the logs endpoint redirects (302) to a short-lived download URL. */
function jobLogsRedirect(ctx: Ctx): Reply {
  const { job } = jobOf(ctx);
  if (!ctx.state.jobLogs.has(job.id)) throw notFound();
  return { status: 302, headers: { location: `${ctx.state.apiUrl}/_fake/job-logs/${job.id}` } };
}

function shaOf(ctx: Ctx): string {
  const repo = repoOf(ctx).full_name;
  const ref = param(ctx, 2);
  return ctx.state.resolveRef(repo, ref) ?? ref;
}

function checkRuns(ctx: Ctx): Reply {
  const repo = repoOf(ctx).full_name;
  const q = ctx.query;
  const list = (ctx.state.checkRuns.get(`${repo}:${shaOf(ctx)}`) ?? [])
    .filter((c) => !q.get('check_name') || c.name === q.get('check_name'))
    .filter((c) => !q.get('status') || c.status === q.get('status'));
  const page = paginate(ctx, list);
  return json(
    200,
    { total_count: list.length, check_runs: page.items.map((c) => checkRunJson(ctx.state, repo, c)) },
    page.headers,
  );
}

/** The combined status: the newest status per context; failure > pending > success. */
function combinedStatus(ctx: Ctx): Reply {
  const repo = repoOf(ctx).full_name;
  const sha = shaOf(ctx);
  const latest = new Map<string, StatusRecord>();
  for (const s of ctx.state.statuses.get(`${repo}:${sha}`) ?? []) latest.set(s.context, s);
  const statuses = [...latest.values()];
  const states = statuses.map((s) => s.state);
  const state = states.some((s) => s === 'error' || s === 'failure')
    ? 'failure'
    : states.length === 0 || states.includes('pending')
      ? 'pending'
      : 'success';
  return json(200, {
    state,
    statuses: statuses.map((s) => statusJson(ctx.state, repo, s)),
    sha,
    total_count: statuses.length,
    repository: { full_name: repo },
  });
}

function createStatus(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  requireWriter(ctx, repo);
  const input = new Input(ctx.body);
  const state = input.reqStr('state');
  if (!['error', 'failure', 'pending', 'success'].includes(state))
    throw new HttpError(422, 'Validation Failed', {
      errors: [{ resource: 'Status', code: 'custom', field: 'state' }],
    });
  const status = ctx.state.addStatus(param(ctx, 2), {
    repo: repo.full_name,
    state: state as 'error' | 'failure' | 'pending' | 'success',
    context: input.str('context') ?? 'default',
    ...(input.str('description') !== undefined ? { description: input.str('description') } : {}),
    ...(input.str('target_url') !== undefined ? { target_url: input.str('target_url') } : {}),
  });
  status.creator = ctx.identity.login;
  return json(201, statusJson(ctx.state, repo.full_name, status));
}

export const actionsRoutes: Route[] = [
  route('GET', `${R}/actions/workflows`, (ctx) => {
    const repo = repoOf(ctx).full_name;
    const files = [...ctx.state.workflows]
      .filter((k) => k.startsWith(`${repo}:`))
      .map((k) => k.slice(repo.length + 1));
    const workflows = files.map((file) => ({
      id: workflowId(repo, file),
      name: file,
      path: `.github/workflows/${file}`,
      state: 'active',
    }));
    return json(200, { total_count: workflows.length, workflows });
  }),
  route('POST', `${R}/actions/workflows/:workflow/dispatches`, dispatch),
  route('GET', `${R}/actions/workflows/:workflow/runs`, (ctx) => listRuns(ctx, workflowOf(ctx))),
  route('GET', `${R}/actions/runs`, (ctx) => listRuns(ctx)),
  route('GET', `${R}/actions/runs/:id`, (ctx) => json(200, runJson(ctx.state, runOf(ctx)))),
  route('POST', `${R}/actions/runs/:id/cancel`, (ctx) => cancel(ctx, false)),
  route('POST', `${R}/actions/runs/:id/force-cancel`, (ctx) => cancel(ctx, true)),
  route('GET', `${R}/actions/runs/:id/jobs`, listJobs),
  route('GET', `${R}/actions/jobs/:id`, (ctx) => {
    const { job, run } = jobOf(ctx);
    return json(200, jobJson(ctx.state, run, job));
  }),
  route('GET', `${R}/actions/jobs/:id/logs`, jobLogsRedirect),
  route(
    'GET',
    '/_fake/job-logs/:id',
    (ctx) => {
      const log = ctx.state.jobLogs.get(numParam(ctx, 0));
      if (log === undefined) throw notFound();
      return { status: 200, text: log, contentType: 'text/plain; charset=utf-8' };
    },
    'none',
  ),
  route('GET', `${R}/commits/:ref/check-runs`, checkRuns),
  route('GET', `${R}/commits/:ref/status`, combinedStatus),
  route('GET', `${R}/commits/:ref/statuses`, (ctx) => {
    const repo = repoOf(ctx).full_name;
    const list = [...(ctx.state.statuses.get(`${repo}:${shaOf(ctx)}`) ?? [])].reverse();
    return pagedJson(ctx, list, (s) => statusJson(ctx.state, repo, s));
  }),
  route('POST', `${R}/statuses/:sha`, createStatus),
];
