/**
 * The fake GitHub's world: plain records in maps, plus seeding helpers for tests.
 *
 * Records hold raw facts (logins, repo names, numbers); `shapes.ts` turns them into GitHub-shaped
 * JSON when a route answers, so a test may mutate state at any time (permissions, files, run
 * status) and the next response reflects it.
 */
import { createHash } from 'node:crypto';

export type UserType = 'User' | 'Bot' | 'Organization';
export type PermissionLevel = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface UserRecord {
  login: string;
  id: number;
  type: UserType;
}

export interface RepoRecord {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string; type: UserType };
  default_branch: string;
  private: boolean;
  html_url: string;
  fork: boolean;
  /** full_name of the parent for forks. */
  parent?: string;
}

export interface IssueRecord {
  kind: 'issue' | 'pull';
  repo: string;
  number: number;
  id: number;
  title: string;
  body: string | null;
  user: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  locked: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Overrides the association computed from permissions (OWNER, MEMBER, COLLABORATOR, NONE, …). */
  author_association?: string;
}

export interface PullFile {
  filename: string;
  status: FileStatus;
  additions: number;
  deletions: number;
  changes?: number;
  patch?: string;
  previous_filename?: string;
  sha?: string;
}

export interface PullRecord extends IssueRecord {
  kind: 'pull';
  head: { ref: string; sha: string; repo: string };
  base: { ref: string; sha: string };
  draft: boolean;
  merged: boolean;
  merged_at: string | null;
  maintainer_can_modify: boolean;
  files: PullFile[];
  /** Explicit unified diff; when absent it is synthesized from the files' patches. */
  diff?: string;
}

/** A commit comparison as GET /repos/{o}/{r}/compare/{base}...{head} reports it. */
export interface CompareRecord {
  status: 'ahead' | 'behind' | 'diverged' | 'identical';
  aheadBy: number;
  behindBy: number;
  files: PullFile[];
}

export interface IssueCommentRecord {
  id: number;
  repo: string;
  issue_number: number;
  body: string;
  user: string;
  /** Written with an installation token: answers carry `performed_via_github_app`. */
  via_app: boolean;
  created_at: string;
  updated_at: string;
}

export interface ReviewCommentRecord {
  id: number;
  repo: string;
  pull_number: number;
  review_id: number | null;
  path: string;
  line: number | null;
  side: 'LEFT' | 'RIGHT';
  start_line: number | null;
  start_side: 'LEFT' | 'RIGHT' | null;
  subject_type: 'line' | 'file';
  body: string;
  user: string;
  commit_id: string;
  in_reply_to_id?: number;
  created_at: string;
  updated_at: string;
}

export interface ReviewRecord {
  id: number;
  repo: string;
  pull_number: number;
  user: string;
  body: string;
  state: 'PENDING' | 'COMMENTED' | 'APPROVED' | 'CHANGES_REQUESTED' | 'DISMISSED';
  commit_id: string;
  submitted_at: string | null;
}

export interface ReactionRecord {
  id: number;
  /** `issue_comment:<id>`, `pull_comment:<id>` or `issue:<owner/repo>#<n>`. */
  subject: string;
  user: string;
  content: string;
  created_at: string;
}

export interface DispatchRecord {
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
  at: string;
  /** Identity that dispatched. */
  actor: string;
  run_id: number;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';

export interface RunRecord {
  id: number;
  repo: string;
  workflow: string;
  name: string;
  status: RunStatus;
  conclusion: string | null;
  event: string;
  head_branch: string;
  head_sha: string;
  display_title: string;
  run_number: number;
  run_attempt: number;
  actor: string;
  inputs: Record<string, unknown>;
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface JobRecord {
  id: number;
  run_id: number;
  name: string;
  status: RunStatus;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  steps: Array<{ name: string; status: string; conclusion: string | null; number: number }>;
}

export interface CheckRunRecord {
  id: number;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  app_slug: string;
  started_at: string;
  completed_at: string | null;
  output?: { title?: string; summary?: string };
}

export interface StatusRecord {
  id: number;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  target_url: string | null;
  creator: string;
  created_at: string;
}

export interface Installation {
  id: number;
  account: string;
}

export interface InstallationToken {
  token: string;
  installation_id: number;
  expires_at: string;
  permissions: Record<string, string>;
  /** Repository full names this token is limited to; undefined = every repository of the account. */
  repositories?: string[];
}

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  owner: string;
}

export interface PullRequestInit {
  number?: number;
  /** Defaults to the default repo. */
  repo?: string;
  title: string;
  body?: string | null;
  user: string;
  head: { ref: string; sha: string; repoFullName?: string };
  base: { ref: string; sha: string };
  files?: PullFile[];
  diff?: string;
  labels?: string[];
  draft?: boolean;
  state?: 'open' | 'closed';
  merged?: boolean;
  author_association?: string;
}

export interface IssueInit {
  number?: number;
  repo?: string;
  title: string;
  body?: string | null;
  user: string;
  labels?: string[];
  assignees?: string[];
  state?: 'open' | 'closed';
  author_association?: string;
}

export interface RepoInit {
  full_name: string;
  private?: boolean;
  default_branch?: string;
  fork?: boolean;
  parent?: string;
  ownerType?: UserType;
}

export interface Seed {
  /** `owner/name` of the default repo (with `claude.yml` workflow). Default `octo-org/octo-repo`. */
  defaultRepo: string;
  users: Record<string, UserType>;
  repos: Array<string | RepoInit>;
  /** repo full name → login → level. */
  permissions: Record<string, Record<string, PermissionLevel>>;
  /** token → login. */
  tokens: Record<string, string>;
  /** `owner/repo:path` (or `owner/repo@ref:path` for one ref only) → file content. */
  files: Record<string, string>;
  /** `owner/repo:file.yml` entries. */
  workflows: string[];
  pullRequests: PullRequestInit[];
  issues: IssueInit[];
  app: Partial<AppInfo>;
}

export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

/** A deterministic 40-hex "sha" for any string. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class State {
  /** Set by the server once it listens: `http://127.0.0.1:PORT`. */
  apiUrl = '';
  htmlUrl = 'https://github.com';
  defaultRepo: string;
  /** The identity of requests with a token nobody registered. */
  defaultIdentity = GITHUB_ACTIONS_BOT;
  app: AppInfo;
  /** The App's installation on the default repository's owner. */
  installation: Installation;
  /** Every installation of the App (`installation` first); more with addInstallation(). */
  installations: Installation[] = [];

  repos = new Map<string, RepoRecord>();
  users = new Map<string, UserRecord>();
  /** repo full name → login → level. */
  permissions = new Map<string, Map<string, PermissionLevel>>();
  /** token → login. */
  tokens = new Map<string, string>();
  installationTokens = new Map<string, InstallationToken>();
  revokedTokens = new Set<string>();
  /** `owner/repo#n` → issue or pull request. */
  issues = new Map<string, IssueRecord | PullRecord>();
  issueComments = new Map<number, IssueCommentRecord>();
  reviewComments = new Map<number, ReviewCommentRecord>();
  reviews = new Map<number, ReviewRecord>();
  reactions: ReactionRecord[] = [];
  /** `owner/repo:path` or `owner/repo@ref:path` → content. */
  files = new Map<string, string>();
  /** `repo base...head` → what GET /compare answers; unknown pairs are 404 (unknown commits). */
  compares = new Map<string, CompareRecord>();
  /** `owner/repo:claude.yml`. */
  workflows = new Set<string>();
  dispatches: DispatchRecord[] = [];
  runs = new Map<number, RunRecord>();
  /** run id → jobs. */
  jobs = new Map<number, JobRecord[]>();
  /** job id → log text. */
  jobLogs = new Map<number, string>();
  /** `owner/repo:sha` → check runs. */
  checkRuns = new Map<string, CheckRunRecord[]>();
  /** `owner/repo:sha` → commit statuses (newest last). */
  statuses = new Map<string, StatusRecord[]>();
  /** `owner/repo:branch` → head sha. */
  branches = new Map<string, string>();
  rateLimit = { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };
  /** Optional GraphQL responder for POST /graphql (unset → the call is an unmatched 404). */
  graphql?: (query: string, variables: Record<string, unknown>) => unknown;
  /** The clock for every timestamp; tests may replace it. */
  clock: () => Date = () => new Date();

  private idCounter = 100000;
  private runNumbers = new Map<string, number>();

  constructor(seed: Partial<Seed> = {}) {
    this.defaultRepo = seed.defaultRepo ?? 'octo-org/octo-repo';
    this.app = { id: 424242, slug: 'claude-relay', name: 'Claude Relay', owner: 'octo-org', ...seed.app };
    this.addUser(GITHUB_ACTIONS_BOT, 'Bot', 41898282);
    this.addUser(`${this.app.slug}[bot]`, 'Bot');
    this.addRepo(this.defaultRepo, { ownerType: 'Organization' });
    this.installation = { id: 1, account: this.ownerOf(this.defaultRepo) };
    this.installations.push(this.installation);
    this.workflows.add(`${this.defaultRepo}:claude.yml`);
    for (const [login, type] of Object.entries(seed.users ?? {})) this.addUser(login, type);
    for (const r of seed.repos ?? []) {
      if (typeof r === 'string') this.addRepo(r);
      else this.addRepo(r.full_name, r);
    }
    for (const [repo, levels] of Object.entries(seed.permissions ?? {})) {
      for (const [login, level] of Object.entries(levels)) this.setPermission(repo, login, level);
    }
    for (const [token, login] of Object.entries(seed.tokens ?? {})) this.addToken(token, login);
    for (const [key, content] of Object.entries(seed.files ?? {})) this.files.set(key, content);
    for (const w of seed.workflows ?? []) this.workflows.add(w);
    for (const pr of seed.pullRequests ?? []) this.addPullRequest(pr);
    for (const issue of seed.issues ?? []) this.addIssue(issue);
  }

  now(): string {
    return isoSeconds(this.clock());
  }

  /** Ids are globally unique and increasing (comments, reviews, runs, reactions, …). */
  nextId(): number {
    return ++this.idCounter;
  }

  get appBotLogin(): string {
    return `${this.app.slug}[bot]`;
  }

  // ---- users, repos, permissions, tokens ----

  addUser(login: string, type: UserType = 'User', id?: number): UserRecord {
    const existing = this.users.get(login);
    if (existing) {
      existing.type = type;
      return existing;
    }
    const user = { login, type, id: id ?? this.nextId() };
    this.users.set(login, user);
    return user;
  }

  addRepo(fullName: string, opts: Partial<RepoInit> = {}): RepoRecord {
    const [owner, name] = splitRepo(fullName);
    const ownerUser = this.users.get(owner) ?? this.addUser(owner, opts.ownerType ?? 'User');
    const repo: RepoRecord = {
      id: this.nextId(),
      name,
      full_name: fullName,
      owner: { login: owner, type: ownerUser.type },
      default_branch: opts.default_branch ?? 'main',
      private: opts.private ?? false,
      html_url: `${this.htmlUrl}/${fullName}`,
      fork: opts.fork ?? false,
      ...(opts.parent ? { parent: opts.parent } : {}),
    };
    this.repos.set(fullName, repo);
    const branchKey = `${fullName}:${repo.default_branch}`;
    if (!this.branches.has(branchKey)) this.branches.set(branchKey, fakeSha(branchKey));
    return repo;
  }

  /** Installs the App on another account (an organization unless the user exists already). */
  addInstallation(account: string): Installation {
    if (!this.users.has(account)) this.addUser(account, 'Organization');
    const installation = { id: Math.max(...this.installations.map((i) => i.id)) + 1, account };
    this.installations.push(installation);
    return installation;
  }

  installationById(id: number): Installation | undefined {
    return this.installations.find((i) => i.id === id);
  }

  addToken(token: string, login: string, type: UserType = 'User'): void {
    if (!this.users.has(login)) this.addUser(login, type);
    this.tokens.set(token, login);
  }

  setPermission(repo: string, login: string, level: PermissionLevel): void {
    if (!this.users.has(login)) this.addUser(login, login.endsWith('[bot]') ? 'Bot' : 'User');
    let levels = this.permissions.get(repo);
    if (!levels) this.permissions.set(repo, (levels = new Map()));
    levels.set(login, level);
  }

  /** The effective role: explicit entry, else admin for the repo owner, else read. */
  permissionOf(repo: string, login: string): PermissionLevel {
    const explicit = this.permissions.get(repo)?.get(login);
    if (explicit) return explicit;
    if (this.ownerOf(repo) === login) return 'admin';
    return 'read';
  }

  ownerOf(repo: string): string {
    return splitRepo(repo)[0];
  }

  setBranch(repo: string, branch: string, sha: string): void {
    this.branches.set(`${repo}:${branch}`, sha);
  }

  /** A branch name (or `refs/heads/x`) → its sha; a 40-hex sha → itself; else undefined. */
  resolveRef(repo: string, ref: string): string | undefined {
    const branch = ref.replace(/^refs\/(heads|tags)\//, '');
    const sha = this.branches.get(`${repo}:${branch}`);
    if (sha) return sha;
    return /^[0-9a-f]{40}$/.test(ref) ? ref : undefined;
  }

  // ---- issues and pull requests ----

  private nextNumber(repo: string): number {
    let max = 0;
    for (const issue of this.issues.values()) if (issue.repo === repo) max = Math.max(max, issue.number);
    return max + 1;
  }

  private claimNumber(repo: string, wanted?: number): number {
    const n = wanted ?? this.nextNumber(repo);
    if (this.issues.has(`${repo}#${n}`)) throw new Error(`fake-github: ${repo}#${n} already exists`);
    return n;
  }

  addIssue(init: IssueInit): IssueRecord {
    const repo = init.repo ?? this.defaultRepo;
    if (!this.repos.has(repo)) this.addRepo(repo);
    if (!this.users.has(init.user)) this.addUser(init.user, init.user.endsWith('[bot]') ? 'Bot' : 'User');
    const now = this.now();
    const issue: IssueRecord = {
      kind: 'issue',
      repo,
      number: this.claimNumber(repo, init.number),
      id: this.nextId(),
      title: init.title,
      body: init.body ?? null,
      user: init.user,
      labels: [...(init.labels ?? [])],
      assignees: [...(init.assignees ?? [])],
      state: init.state ?? 'open',
      locked: false,
      created_at: now,
      updated_at: now,
      closed_at: init.state === 'closed' ? now : null,
      ...(init.author_association ? { author_association: init.author_association } : {}),
    };
    this.issues.set(`${repo}#${issue.number}`, issue);
    return issue;
  }

  /** Scripts GET /compare/{base}...{head} for this repository. */
  addCompare(
    repo: string,
    base: string,
    head: string,
    record: Partial<CompareRecord> & { files: PullFile[] },
  ): void {
    this.compares.set(`${repo} ${base}...${head}`, {
      status: record.status ?? 'ahead',
      aheadBy: record.aheadBy ?? 1,
      behindBy: record.behindBy ?? 0,
      files: record.files,
    });
  }

  addPullRequest(init: PullRequestInit): PullRecord {
    const repo = init.repo ?? this.defaultRepo;
    if (!this.repos.has(repo)) this.addRepo(repo);
    const headRepo = init.head.repoFullName ?? repo;
    if (!this.repos.has(headRepo)) this.addRepo(headRepo, { fork: headRepo !== repo, parent: repo });
    if (!this.users.has(init.user)) this.addUser(init.user, init.user.endsWith('[bot]') ? 'Bot' : 'User');
    this.branches.set(`${headRepo}:${init.head.ref}`, init.head.sha);
    if (!this.branches.has(`${repo}:${init.base.ref}`))
      this.branches.set(`${repo}:${init.base.ref}`, init.base.sha);
    const now = this.now();
    const merged = init.merged ?? false;
    const state = merged ? 'closed' : (init.state ?? 'open');
    const pr: PullRecord = {
      kind: 'pull',
      repo,
      number: this.claimNumber(repo, init.number),
      id: this.nextId(),
      title: init.title,
      body: init.body ?? null,
      user: init.user,
      labels: [...(init.labels ?? [])],
      assignees: [],
      state,
      locked: false,
      created_at: now,
      updated_at: now,
      closed_at: state === 'closed' ? now : null,
      head: { ref: init.head.ref, sha: init.head.sha, repo: headRepo },
      base: { ref: init.base.ref, sha: init.base.sha },
      draft: init.draft ?? false,
      merged,
      merged_at: merged ? now : null,
      maintainer_can_modify: headRepo !== repo,
      files: (init.files ?? []).map((f) => ({ ...f })),
      ...(init.diff !== undefined ? { diff: init.diff } : {}),
      ...(init.author_association ? { author_association: init.author_association } : {}),
    };
    this.issues.set(`${repo}#${pr.number}`, pr);
    return pr;
  }

  issue(repo: string, n: number): IssueRecord | PullRecord | undefined {
    return this.issues.get(`${repo}#${n}`);
  }

  pull(repo: string, n: number): PullRecord | undefined {
    const found = this.issue(repo, n);
    return found?.kind === 'pull' ? (found as PullRecord) : undefined;
  }

  // ---- comments, reviews, reactions ----

  addIssueComment(init: {
    repo?: string;
    issue_number: number;
    body: string;
    user: string;
    via_app?: boolean;
  }) {
    const repo = init.repo ?? this.defaultRepo;
    if (!this.issue(repo, init.issue_number))
      throw new Error(`fake-github: no issue ${repo}#${init.issue_number}`);
    if (!this.users.has(init.user)) this.addUser(init.user, init.user.endsWith('[bot]') ? 'Bot' : 'User');
    const now = this.now();
    const comment: IssueCommentRecord = {
      id: this.nextId(),
      repo,
      issue_number: init.issue_number,
      body: init.body,
      user: init.user,
      via_app: init.via_app ?? false,
      created_at: now,
      updated_at: now,
    };
    this.issueComments.set(comment.id, comment);
    return comment;
  }

  /** Comments of one issue/PR, oldest first. */
  commentsOf(repo: string, n: number): IssueCommentRecord[] {
    return [...this.issueComments.values()].filter((c) => c.repo === repo && c.issue_number === n);
  }

  reviewCommentsOf(repo: string, n: number): ReviewCommentRecord[] {
    return [...this.reviewComments.values()].filter((c) => c.repo === repo && c.pull_number === n);
  }

  reviewsOf(repo: string, n: number): ReviewRecord[] {
    return [...this.reviews.values()].filter((r) => r.repo === repo && r.pull_number === n);
  }

  reactionsOf(subject: string): ReactionRecord[] {
    return this.reactions.filter((r) => r.subject === subject);
  }

  // ---- contents, workflows, runs, checks ----

  addFile(path: string, content: string, opts: { repo?: string; ref?: string } = {}): void {
    const repo = opts.repo ?? this.defaultRepo;
    this.files.set(opts.ref ? `${repo}@${opts.ref}:${path}` : `${repo}:${path}`, content);
  }

  /** A ref-specific file first (`owner/repo@ref:path`), else the ref-less one. */
  fileAt(repo: string, path: string, ref?: string): string | undefined {
    if (ref !== undefined) {
      const exact = this.files.get(`${repo}@${ref}:${path}`);
      if (exact !== undefined) return exact;
    }
    return this.files.get(`${repo}:${path}`);
  }

  addWorkflow(file: string, repo = this.defaultRepo): void {
    this.workflows.add(`${repo}:${file}`);
  }

  addRun(init: Partial<RunRecord> = {}): RunRecord {
    const { repo = this.defaultRepo, ...rest } = init;
    const workflow = init.workflow ?? 'claude.yml';
    const key = `${repo}:${workflow}`;
    const runNumber = (this.runNumbers.get(key) ?? 0) + 1;
    this.runNumbers.set(key, runNumber);
    const id = init.id ?? this.nextId();
    const now = this.now();
    const headBranch = init.head_branch ?? this.repos.get(repo)?.default_branch ?? 'main';
    const name = init.name ?? workflowName(workflow);
    const run: RunRecord = {
      id,
      repo,
      workflow,
      name,
      status: 'queued',
      conclusion: null,
      event: 'workflow_dispatch',
      head_branch: headBranch,
      head_sha: this.resolveRef(repo, headBranch) ?? fakeSha(`${repo}:${headBranch}`),
      display_title: name,
      run_number: runNumber,
      run_attempt: 1,
      actor: this.defaultIdentity,
      inputs: {},
      html_url: `${this.htmlUrl}/${repo}/actions/runs/${id}`,
      created_at: now,
      updated_at: now,
      ...rest,
    };
    this.runs.set(id, run);
    return run;
  }

  updateRun(
    id: number,
    patch: Partial<Pick<RunRecord, 'status' | 'conclusion' | 'display_title'>>,
  ): RunRecord {
    const run = this.runs.get(id);
    if (!run) throw new Error(`fake-github: no run ${id}`);
    Object.assign(run, patch, { updated_at: this.now() });
    return run;
  }

  addJob(runId: number, init: Partial<Omit<JobRecord, 'run_id'>> & { log?: string } = {}): JobRecord {
    const { log, ...rest } = init;
    const now = this.now();
    const job: JobRecord = {
      id: this.nextId(),
      run_id: runId,
      name: 'claude',
      status: 'completed',
      conclusion: 'success',
      started_at: now,
      completed_at: now,
      steps: [],
      ...rest,
    };
    const list = this.jobs.get(runId) ?? [];
    list.push(job);
    this.jobs.set(runId, list);
    if (log !== undefined) this.jobLogs.set(job.id, log);
    return job;
  }

  addCheckRun(
    sha: string,
    init: Partial<Omit<CheckRunRecord, 'head_sha'>> & { repo?: string } = {},
  ): CheckRunRecord {
    const { repo = this.defaultRepo, ...rest } = init;
    const now = this.now();
    const check: CheckRunRecord = {
      id: this.nextId(),
      name: 'build',
      head_sha: sha,
      status: 'completed',
      conclusion: 'success',
      app_slug: 'github-actions',
      started_at: now,
      completed_at: now,
      ...rest,
    };
    const key = `${repo}:${sha}`;
    this.checkRuns.set(key, [...(this.checkRuns.get(key) ?? []), check]);
    return check;
  }

  addStatus(
    sha: string,
    init: {
      repo?: string;
      state: StatusRecord['state'];
      context?: string;
      description?: string;
      target_url?: string;
    },
  ): StatusRecord {
    const repo = init.repo ?? this.defaultRepo;
    const status: StatusRecord = {
      id: this.nextId(),
      state: init.state,
      context: init.context ?? 'default',
      description: init.description ?? null,
      target_url: init.target_url ?? null,
      creator: this.defaultIdentity,
      created_at: this.now(),
    };
    const key = `${repo}:${sha}`;
    this.statuses.set(key, [...(this.statuses.get(key) ?? []), status]);
    return status;
  }
}

export function splitRepo(fullName: string): [string, string] {
  const [owner, name, ...rest] = fullName.split('/');
  if (!owner || !name || rest.length > 0) throw new Error(`fake-github: bad repo name "${fullName}"`);
  return [owner, name];
}

function workflowName(file: string): string {
  const base = file.replace(/\.ya?ml$/, '');
  return base.charAt(0).toUpperCase() + base.slice(1);
}
