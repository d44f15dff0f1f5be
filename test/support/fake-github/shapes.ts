/**
 * Records → GitHub-shaped JSON. Only the fields a client plausibly reads, named and typed as the
 * REST API names them; URLs point at the fake (API) or at `state.htmlUrl` (web).
 */
import {
  fakeSha,
  splitRepo,
  type CheckRunRecord,
  type IssueCommentRecord,
  type IssueRecord,
  type JobRecord,
  type PermissionLevel,
  type PullFile,
  type PullRecord,
  type ReactionRecord,
  type ReviewCommentRecord,
  type ReviewRecord,
  type RunRecord,
  type State,
  type StatusRecord,
} from './state';

const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'] as const;
export const REACTION_CONTENTS: readonly string[] = REACTIONS;

/** A stable small integer for a string (label ids, workflow ids). */
export function stableId(seed: string): number {
  return parseInt(fakeSha(seed).slice(0, 7), 16);
}

const nodeId = (kind: string, id: number): string => Buffer.from(`${kind}:${id}`).toString('base64url');

export function userJson(state: State, login: string): Record<string, unknown> {
  const user = state.users.get(login) ?? state.addUser(login, login.endsWith('[bot]') ? 'Bot' : 'User');
  const web =
    user.type === 'Bot'
      ? `${state.htmlUrl}/apps/${login.replace(/\[bot\]$/, '')}`
      : `${state.htmlUrl}/${login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type, user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: `${state.apiUrl}/users/${encodeURIComponent(login)}`,
    html_url: web,
    type: user.type,
    site_admin: false,
  };
}

export function repoJson(state: State, fullName: string, full = false): Record<string, unknown> {
  const repo = state.repos.get(fullName);
  if (!repo) throw new Error(`fake-github: no repo ${fullName}`);
  const api = `${state.apiUrl}/repos/${fullName}`;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.full_name,
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    owner: userJson(state, repo.owner.login),
    html_url: repo.html_url,
    description: null,
    fork: repo.fork,
    url: api,
    clone_url: `${repo.html_url}.git`,
    default_branch: repo.default_branch,
    archived: false,
    disabled: false,
    ...(full && repo.parent && state.repos.has(repo.parent) ? { parent: repoJson(state, repo.parent) } : {}),
  };
}

export function labelJson(state: State, repo: string, name: string): Record<string, unknown> {
  const id = stableId(`${repo}:label:${name}`);
  return {
    id,
    node_id: nodeId('Label', id),
    url: `${state.apiUrl}/repos/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    description: null,
  };
}

/** GitHub's `author_association` from ownership and the collaborator role. */
export function association(state: State, repo: string, login: string, override?: string): string {
  if (override) return override;
  const [owner] = splitRepo(repo);
  if (owner === login) return 'OWNER';
  const explicit = state.permissions.get(repo)?.get(login);
  if (explicit && (['admin', 'maintain', 'write', 'triage'] as PermissionLevel[]).includes(explicit)) {
    return state.users.get(owner)?.type === 'Organization' ? 'MEMBER' : 'COLLABORATOR';
  }
  return 'NONE';
}

function reactionSummary(state: State, subject: string, url: string): Record<string, unknown> {
  const list = state.reactionsOf(subject);
  const summary: Record<string, unknown> = { url, total_count: list.length };
  for (const r of REACTIONS) summary[r] = list.filter((x) => x.content === r).length;
  return summary;
}

const issueKey = (rec: { repo: string; number: number }): string => `issue:${rec.repo}#${rec.number}`;

export function issueJson(state: State, rec: IssueRecord | PullRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${rec.repo}/issues/${rec.number}`;
  const isPull = rec.kind === 'pull';
  const pr = rec as PullRecord;
  return {
    url: api,
    repository_url: `${state.apiUrl}/repos/${rec.repo}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${state.htmlUrl}/${rec.repo}/${isPull ? 'pull' : 'issues'}/${rec.number}`,
    id: rec.id,
    node_id: nodeId(isPull ? 'PullRequest' : 'Issue', rec.id),
    number: rec.number,
    title: rec.title,
    user: userJson(state, rec.user),
    labels: rec.labels.map((l) => labelJson(state, rec.repo, l)),
    state: rec.state,
    state_reason: rec.state === 'closed' ? 'completed' : null,
    locked: rec.locked,
    assignee: rec.assignees[0] ? userJson(state, rec.assignees[0]) : null,
    assignees: rec.assignees.map((a) => userJson(state, a)),
    milestone: null,
    comments: state.commentsOf(rec.repo, rec.number).length,
    created_at: rec.created_at,
    updated_at: rec.updated_at,
    closed_at: rec.closed_at,
    author_association: association(state, rec.repo, rec.user, rec.author_association),
    body: rec.body,
    reactions: reactionSummary(state, issueKey(rec), `${api}/reactions`),
    ...(isPull
      ? {
          draft: pr.draft,
          pull_request: {
            url: `${state.apiUrl}/repos/${rec.repo}/pulls/${rec.number}`,
            html_url: `${state.htmlUrl}/${rec.repo}/pull/${rec.number}`,
            diff_url: `${state.htmlUrl}/${rec.repo}/pull/${rec.number}.diff`,
            patch_url: `${state.htmlUrl}/${rec.repo}/pull/${rec.number}.patch`,
            merged_at: pr.merged_at,
          },
        }
      : {}),
  };
}

function branchJson(state: State, repo: string, ref: string, sha: string): Record<string, unknown> {
  const [owner] = splitRepo(repo);
  return {
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: userJson(state, owner),
    repo: state.repos.has(repo) ? repoJson(state, repo) : null,
  };
}

export function pullJson(state: State, pr: PullRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${pr.repo}/pulls/${pr.number}`;
  const html = `${state.htmlUrl}/${pr.repo}/pull/${pr.number}`;
  const issue = issueJson(state, pr);
  return {
    url: api,
    id: pr.id,
    node_id: issue.node_id,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${state.apiUrl}/repos/${pr.repo}/issues/${pr.number}`,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${state.apiUrl}/repos/${pr.repo}/pulls/comments{/number}`,
    comments_url: `${state.apiUrl}/repos/${pr.repo}/issues/${pr.number}/comments`,
    statuses_url: `${state.apiUrl}/repos/${pr.repo}/statuses/${pr.head.sha}`,
    number: pr.number,
    state: pr.state,
    locked: pr.locked,
    title: pr.title,
    user: issue.user,
    body: pr.body,
    labels: issue.labels,
    milestone: null,
    active_lock_reason: null,
    created_at: pr.created_at,
    updated_at: pr.updated_at,
    closed_at: pr.closed_at,
    merged_at: pr.merged_at,
    merge_commit_sha: pr.merged ? fakeSha(`${pr.repo}#${pr.number}:merge`) : null,
    assignee: issue.assignee,
    assignees: issue.assignees,
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(state, pr.head.repo, pr.head.ref, pr.head.sha),
    base: branchJson(state, pr.repo, pr.base.ref, pr.base.sha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issue.url },
      comments: { href: `${issue.url}/comments` },
      review_comments: { href: `${api}/comments` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${state.apiUrl}/repos/${pr.repo}/statuses/${pr.head.sha}` },
    },
    author_association: issue.author_association,
    auto_merge: null,
    draft: pr.draft,
    merged: pr.merged,
    mergeable: pr.state === 'open' ? true : null,
    rebaseable: pr.state === 'open' ? true : null,
    mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
    merged_by: null,
    comments: issue.comments,
    review_comments: state.reviewCommentsOf(pr.repo, pr.number).length,
    maintainer_can_modify: pr.maintainer_can_modify,
    commits: 1,
    additions: pr.files.reduce((n, f) => n + f.additions, 0),
    deletions: pr.files.reduce((n, f) => n + f.deletions, 0),
    changed_files: pr.files.length,
  };
}

export function fileJson(state: State, pr: PullRecord, f: PullFile): Record<string, unknown> {
  const web = `${state.htmlUrl}/${pr.head.repo}`;
  const path = f.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: f.sha ?? fakeSha(`${pr.head.sha}:${f.filename}`),
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes ?? f.additions + f.deletions,
    blob_url: `${web}/blob/${pr.head.sha}/${path}`,
    raw_url: `${web}/raw/${pr.head.sha}/${path}`,
    contents_url: `${state.apiUrl}/repos/${pr.head.repo}/contents/${path}?ref=${pr.head.sha}`,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
  };
}

/** The PR's unified diff: the explicit one, else `diff --git` sections built from the files' patches. */
export function diffOf(pr: PullRecord): string {
  if (pr.diff !== undefined) return pr.diff;
  return pr.files
    .map((f) => {
      const from = f.previous_filename ?? f.filename;
      const lines = [`diff --git a/${from} b/${f.filename}`];
      if (f.status === 'added') lines.push('new file mode 100644');
      if (f.status === 'removed') lines.push('deleted file mode 100644');
      if (f.status === 'renamed')
        lines.push('similarity index 90%', `rename from ${from}`, `rename to ${f.filename}`);
      lines.push(
        `index ${fakeSha(`old:${from}`).slice(0, 7)}..${fakeSha(`new:${f.filename}`).slice(0, 7)} 100644`,
      );
      if (f.patch === undefined) {
        lines.push(`Binary files a/${from} and b/${f.filename} differ`);
      } else {
        lines.push(f.status === 'added' ? '--- /dev/null' : `--- a/${from}`);
        lines.push(f.status === 'removed' ? '+++ /dev/null' : `+++ b/${f.filename}`);
        lines.push(f.patch.replace(/\n$/, ''));
      }
      return lines.join('\n') + '\n';
    })
    .join('');
}

/** Which old (LEFT) and new (RIGHT) line numbers a patch shows: where review comments may go. */
export function patchLines(patch: string): { LEFT: Set<number>; RIGHT: Set<number> } {
  const out = { LEFT: new Set<number>(), RIGHT: new Set<number>() };
  let oldLine = 0;
  let newLine = 0;
  for (const line of patch.split('\n')) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
    } else if (line.startsWith('+')) {
      out.RIGHT.add(newLine++);
    } else if (line.startsWith('-')) {
      out.LEFT.add(oldLine++);
    } else if (line.startsWith(' ') || line === '') {
      out.LEFT.add(oldLine++);
      out.RIGHT.add(newLine++);
    }
  }
  return out;
}

/** The hunk text GitHub attaches to a review comment: from the hunk header to the commented line. */
export function diffHunk(patch: string | undefined, line: number | null, side: 'LEFT' | 'RIGHT'): string {
  if (patch === undefined) return '';
  const lines = patch.split('\n');
  if (line === null) return lines.slice(0, 4).join('\n');
  let start = 0;
  let oldLine = 0;
  let newLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      start = i;
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      continue;
    }
    const isOld = !text.startsWith('+');
    const isNew = !text.startsWith('-');
    if ((side === 'LEFT' && isOld && oldLine === line) || (side === 'RIGHT' && isNew && newLine === line)) {
      return lines.slice(start, i + 1).join('\n');
    }
    if (isOld) oldLine++;
    if (isNew) newLine++;
  }
  return lines.slice(0, 4).join('\n');
}

export function appJson(state: State): Record<string, unknown> {
  return {
    id: state.app.id,
    slug: state.app.slug,
    node_id: nodeId('App', state.app.id),
    name: state.app.name,
    owner: userJson(state, state.app.owner),
    html_url: `${state.htmlUrl}/apps/${state.app.slug}`,
    permissions: {
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      actions: 'write',
      metadata: 'read',
    },
    events: ['issue_comment', 'pull_request_review_comment', 'pull_request_review', 'issues', 'pull_request'],
  };
}

export function issueCommentJson(state: State, c: IssueCommentRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${c.repo}/issues/comments/${c.id}`;
  const rec = state.issue(c.repo, c.issue_number);
  return {
    url: api,
    html_url: `${state.htmlUrl}/${c.repo}/${rec?.kind === 'pull' ? 'pull' : 'issues'}/${c.issue_number}#issuecomment-${c.id}`,
    issue_url: `${state.apiUrl}/repos/${c.repo}/issues/${c.issue_number}`,
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    user: userJson(state, c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: association(state, c.repo, c.user),
    body: c.body,
    reactions: reactionSummary(state, `issue_comment:${c.id}`, `${api}/reactions`),
    performed_via_github_app: c.via_app ? appJson(state) : null,
  };
}

export function reviewCommentJson(state: State, c: ReviewCommentRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${c.repo}/pulls/comments/${c.id}`;
  const pr = state.pull(c.repo, c.pull_number);
  const html = `${state.htmlUrl}/${c.repo}/pull/${c.pull_number}#discussion_r${c.id}`;
  const patch = pr?.files.find((f) => f.filename === c.path)?.patch;
  return {
    url: api,
    pull_request_review_id: c.review_id,
    id: c.id,
    node_id: nodeId('PullRequestReviewComment', c.id),
    diff_hunk: diffHunk(patch, c.line, c.side),
    path: c.path,
    position: c.line,
    original_position: c.line,
    commit_id: c.commit_id,
    original_commit_id: c.commit_id,
    ...(c.in_reply_to_id !== undefined ? { in_reply_to_id: c.in_reply_to_id } : {}),
    user: userJson(state, c.user),
    body: c.body,
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: html,
    pull_request_url: `${state.apiUrl}/repos/${c.repo}/pulls/${c.pull_number}`,
    author_association: association(state, c.repo, c.user),
    _links: { self: { href: api }, html: { href: html } },
    start_line: c.start_line,
    original_start_line: c.start_line,
    start_side: c.start_side,
    line: c.line,
    original_line: c.line,
    side: c.side,
    subject_type: c.subject_type,
    reactions: reactionSummary(state, `pull_comment:${c.id}`, `${api}/reactions`),
  };
}

export function reviewJson(state: State, r: ReviewRecord): Record<string, unknown> {
  const html = `${state.htmlUrl}/${r.repo}/pull/${r.pull_number}#pullrequestreview-${r.id}`;
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user: userJson(state, r.user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: `${state.apiUrl}/repos/${r.repo}/pulls/${r.pull_number}`,
    author_association: association(state, r.repo, r.user),
    _links: {
      html: { href: html },
      pull_request: { href: `${state.apiUrl}/repos/${r.repo}/pulls/${r.pull_number}` },
    },
    ...(r.submitted_at ? { submitted_at: r.submitted_at } : {}),
    commit_id: r.commit_id,
  };
}

export function reactionJson(state: State, r: ReactionRecord): Record<string, unknown> {
  return {
    id: r.id,
    node_id: nodeId('Reaction', r.id),
    user: userJson(state, r.user),
    content: r.content,
    created_at: r.created_at,
  };
}

export function workflowId(repo: string, file: string): number {
  return stableId(`${repo}:workflow:${file}`);
}

export function runJson(state: State, run: RunRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${run.repo}/actions/runs/${run.id}`;
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WorkflowRun', run.id),
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: `.github/workflows/${run.workflow}`,
    display_title: run.display_title,
    run_number: run.run_number,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: workflowId(run.repo, run.workflow),
    url: api,
    html_url: run.html_url,
    created_at: run.created_at,
    updated_at: run.updated_at,
    run_started_at: run.created_at,
    run_attempt: run.run_attempt,
    actor: userJson(state, run.actor),
    triggering_actor: userJson(state, run.actor),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    workflow_url: `${state.apiUrl}/repos/${run.repo}/actions/workflows/${workflowId(run.repo, run.workflow)}`,
    repository: repoJson(state, run.repo),
    head_repository: repoJson(state, run.repo),
    inputs: run.inputs,
  };
}

export function jobJson(state: State, run: RunRecord, job: JobRecord): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${run.repo}/actions/jobs/${job.id}`;
  return {
    id: job.id,
    run_id: job.run_id,
    run_url: `${state.apiUrl}/repos/${run.repo}/actions/runs/${run.id}`,
    run_attempt: run.run_attempt,
    node_id: nodeId('Job', job.id),
    head_sha: run.head_sha,
    head_branch: run.head_branch,
    url: api,
    html_url: `${run.html_url}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: job.started_at,
    started_at: job.started_at,
    completed_at: job.completed_at,
    name: job.name,
    steps: job.steps,
    check_run_url: `${state.apiUrl}/repos/${run.repo}/check-runs/${job.id}`,
    labels: ['ubuntu-latest'],
    runner_name: 'GitHub Actions 1',
    workflow_name: run.name,
  };
}

export function checkRunJson(state: State, repo: string, c: CheckRunRecord): Record<string, unknown> {
  return {
    id: c.id,
    node_id: nodeId('CheckRun', c.id),
    name: c.name,
    head_sha: c.head_sha,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.started_at,
    completed_at: c.completed_at,
    url: `${state.apiUrl}/repos/${repo}/check-runs/${c.id}`,
    html_url: `${state.htmlUrl}/${repo}/runs/${c.id}`,
    details_url: `${state.htmlUrl}/${repo}/runs/${c.id}`,
    output: {
      title: c.output?.title ?? null,
      summary: c.output?.summary ?? null,
      text: null,
      annotations_count: 0,
    },
    app: { id: stableId(c.app_slug), slug: c.app_slug, name: c.app_slug },
    pull_requests: [],
  };
}

export function statusJson(state: State, repo: string, s: StatusRecord): Record<string, unknown> {
  return {
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    url: `${state.apiUrl}/repos/${repo}/statuses/${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.created_at,
    updated_at: s.created_at,
    creator: userJson(state, s.creator),
  };
}
