/** Commit comparisons (`GET /repos/{o}/{r}/compare/{base}...{head}`), as scripted with `state.addCompare`. */
import { json, notFound, param, repoOf, route, type Route } from './http';
import { fakeSha } from './state';

const R = '/repos/:owner/:repo';

export const compareRoutes: Route[] = [
  route('GET', `${R}/compare/:basehead`, (ctx) => {
    const repo = repoOf(ctx);
    const basehead = decodeURIComponent(param(ctx, 2));
    const m = /^([^.]+)\.\.\.([^.]+)$/.exec(basehead);
    if (!m) throw notFound();
    const record = ctx.state.compares.get(`${repo.full_name} ${basehead}`);
    if (!record) throw notFound();
    const [, base, head] = m as unknown as [string, string, string];
    return json(200, {
      url: `${ctx.state.apiUrl}/repos/${repo.full_name}/compare/${basehead}`,
      html_url: `${ctx.state.htmlUrl}/${repo.full_name}/compare/${basehead}`,
      status: record.status,
      ahead_by: record.aheadBy,
      behind_by: record.behindBy,
      total_commits: record.aheadBy,
      base_commit: { sha: base },
      merge_base_commit: { sha: record.status === 'ahead' ? base : fakeSha(`merge-base:${basehead}`) },
      commits: [],
      files: record.files.map((f) => ({
        sha: f.sha ?? fakeSha(`${head}:${f.filename}`),
        filename: f.filename,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.changes ?? f.additions + f.deletions,
        ...(f.patch !== undefined ? { patch: f.patch } : {}),
        ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
      })),
    });
  }),
];
