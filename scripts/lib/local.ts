/**
 * `npm run local`: runs the built action (`dist/index.js`) the way the Actions runner and act do —
 * a fresh node process with INPUT_*, GITHUB_*, RUNNER_* and the file commands — on one event
 * payload, printing the job log live and, at the end, the result comment and its cost.
 *
 *   npm run local -- --event test/fixtures/events/pull_request.opened.json --fake
 *   ANTHROPIC_API_KEY=… GITHUB_TOKEN=… npm run local -- --event my-pr.json --repo me/my-repo
 *
 * `--fake` needs no keys and no network: the project's loopback fakes of the Anthropic API (a
 * scripted demo model that reads a file, searches, and answers through the real Claude Code CLI)
 * and of the GitHub API (seeded with the payload's repository, PR or issue and sender).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { networkEnv as sharedNetworkEnv } from '../../src/core/network-env';
import {
  assistantTurns,
  contentText,
  isMainLoop,
  startFakeAnthropic,
  type ContentBlock,
  type FakeAnthropic,
  type Script,
} from '../../test/support/fake-anthropic';
import { fakeSha, startFakeGitHub, type FakeGitHub, type PullFile } from '../../test/support/fake-github';
import { DIST_ENTRY, makeWorkspace, runAction, type RunResult } from '../../test/support/runner';

/** Credentials the fakes accept. They are not secrets, but the action masks them like real ones. */
export const FAKE_API_KEY = 'sk-ant-api03-LOCALDEMO-0000000000000000000000000000000000';
export const FAKE_GITHUB_TOKEN = 'ghs_LOCALDEMO000000000000000000000000000000';

const SUPPORTED_EVENTS = [
  'pull_request',
  'pull_request_target',
  'issues',
  'issue_comment',
  'pull_request_review_comment',
  'pull_request_review',
  'workflow_dispatch',
  'repository_dispatch',
];

const USAGE = `Usage: npm run local -- --event <payload.json> [options]

Runs dist/index.js on one GitHub event payload with the runner's environment.

  --event <file>        the webhook payload (samples: test/fixtures/events/*.json)
  --event-name <name>   the event name (default: from the file name, e.g. issue_comment.created.json,
                        else guessed from the payload)
  --fake                use the project's loopback fakes of the Anthropic and GitHub APIs and a
                        scripted demo model: no keys, no network
  --prompt <text>       the prompt input (an explicit task)
  --workspace <dir>     the checkout the agent works in (default: a small demo project with --fake,
                        the current directory otherwise)
  --input <name=value>  any other action input, repeatable (e.g. --input max_turns=5)
  --repo <owner/name>   rewrite the payload's repository (real APIs: point a sample at your repo)
  --verbose             also print ::debug:: lines
  -h, --help            this text

Without --fake the real APIs are used: ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN) and
GITHUB_TOKEN must be set; GITHUB_API_URL and ANTHROPIC_BASE_URL are honoured.`;

export class UsageError extends Error {}

export interface LocalOptions {
  eventFile: string;
  eventName?: string;
  fake: boolean;
  prompt?: string;
  workspace?: string;
  inputs: Record<string, string>;
  repo?: string;
  verbose: boolean;
}

export function parseCli(argv: string[]): LocalOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string', short: 'e' },
      'event-name': { type: 'string' },
      fake: { type: 'boolean', default: false },
      prompt: { type: 'string' },
      workspace: { type: 'string' },
      input: { type: 'string', multiple: true, default: [] },
      repo: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (!values.event) throw new UsageError('--event <payload.json> is required');
  const inputs: Record<string, string> = {};
  for (const kv of values.input ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--input expects name=value, got "${kv}"`);
    inputs[kv.slice(0, i).trim()] = kv.slice(i + 1);
  }
  if (values.repo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(values.repo))
    throw new UsageError(`--repo expects owner/name, got "${values.repo}"`);
  return {
    eventFile: values.event,
    eventName: values['event-name'],
    fake: values.fake ?? false,
    prompt: values.prompt,
    workspace: values.workspace,
    inputs,
    repo: values.repo,
    verbose: values.verbose ?? false,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** The event a payload is for: the file name's first part when it names one, else its shape. */
export function inferEventName(file: string, payload: Obj): string {
  const fromName = path.basename(file).split('.')[0] ?? '';
  if (SUPPORTED_EVENTS.includes(fromName)) return fromName;
  if ('client_payload' in payload) return 'repository_dispatch';
  if ('inputs' in payload && 'workflow' in payload) return 'workflow_dispatch';
  if ('review' in payload && 'pull_request' in payload) return 'pull_request_review';
  if ('comment' in payload && 'pull_request' in payload) return 'pull_request_review_comment';
  if ('comment' in payload && 'issue' in payload) return 'issue_comment';
  if ('issue' in payload) return 'issues';
  if ('pull_request' in payload) return 'pull_request';
  throw new UsageError(
    `cannot tell which event ${file} is for: name it <event>.<action>.json or pass --event-name`,
  );
}

/** Points the payload's repository (and same-repo PR sides) at `repo`. */
export function retargetRepository(payload: Obj, repo: string): Obj {
  const [owner, name] = repo.split('/') as [string, string];
  const r = obj(payload.repository);
  const old = str(r.full_name);
  const rename = (x: unknown) => {
    if (!isObj(x)) return;
    x.full_name = repo;
    x.name = name;
    x.owner = { ...obj(x.owner), login: owner };
  };
  rename(payload.repository);
  const pr = obj(payload.pull_request);
  for (const side of ['head', 'base']) {
    const b = obj(pr[side]);
    if (side === 'base' || str(obj(b.repo).full_name) === old) rename(b.repo);
  }
  return payload;
}

/** What the payload points at: the number, whether it is a PR, and the dispatch fields. */
export function targetOf(eventName: string, payload: Obj) {
  const fields = obj(eventName === 'repository_dispatch' ? payload.client_payload : payload.inputs);
  const pr = obj(payload.pull_request);
  const issue = obj(payload.issue);
  if (eventName === 'workflow_dispatch' || eventName === 'repository_dispatch') {
    const prNumber = Number(str(fields.pr_number) ?? NaN);
    const issueNumber = Number(str(fields.issue_number) ?? NaN);
    const isPr = Number.isInteger(prNumber) && prNumber > 0;
    return {
      number: isPr ? prNumber : Number.isInteger(issueNumber) ? issueNumber : 0,
      isPr,
      fields,
    };
  }
  if (isObj(payload.pull_request)) return { number: Number(pr.number), isPr: true, fields };
  return { number: Number(issue.number), isPr: isObj(issue.pull_request), fields };
}

/** The demo checkout: a tiny project the scripted model reads and searches. */
export const DEMO_FILES: Record<string, string> = {
  'README.md':
    '# octo-repo\n\nA tiny sample project for the claude-relay local demo.\n\n`src/app.ts` exports `answer`, and `src/app.test.ts` checks it.\n',
  'src/app.ts': '/** The answer to the ultimate question. */\nexport const answer = 42;\n',
  'src/app.test.ts':
    "import { answer } from './app';\n\nit('knows the answer', () => expect(answer).toBe(42));\n",
};

const DEMO_PR_FILES: PullFile[] = [
  {
    filename: 'src/app.ts',
    status: 'modified',
    additions: 2,
    deletions: 1,
    patch:
      '@@ -1 +1,2 @@\n-export const answer = 41;\n+/** The answer to the ultimate question. */\n+export const answer = 42;',
  },
  {
    filename: 'src/app.test.ts',
    status: 'added',
    additions: 3,
    deletions: 0,
    patch:
      "@@ -0,0 +1,3 @@\n+import { answer } from './app';\n+\n+it('knows the answer', () => expect(answer).toBe(42));",
  },
];

/**
 * Seeds the fake GitHub with what the payload refers to: its repository, the sender (and whoever
 * asked) with write access, the PR or issue (title, body, author, branches, labels) and the
 * triggering comment, so the action's context fetch and permission check see a coherent world.
 */
export function seedFromPayload(github: FakeGitHub, eventName: string, payload: Obj): void {
  const s = github.state;
  const repo = str(obj(payload.repository).full_name) ?? s.defaultRepo;
  if (!s.repos.has(repo)) s.addRepo(repo, { ownerType: 'Organization' });
  s.addToken(FAKE_GITHUB_TOKEN, 'github-actions[bot]', 'Bot');
  const sender = obj(payload.sender);
  const senderLogin = str(sender.login) ?? 'octocat';
  const grantWrite = (login: string | undefined, type?: unknown) => {
    if (!login) return;
    s.addUser(login, type === 'Bot' ? 'Bot' : 'User');
    if (!login.endsWith('[bot]')) s.setPermission(repo, login, 'write');
  };
  grantWrite(senderLogin, sender.type);

  const { number, isPr, fields } = targetOf(eventName, payload);
  grantWrite(str(fields.requested_by));
  if (!number) return;
  const pr = obj(payload.pull_request);
  const issue = obj(payload.issue);
  const labels = (Array.isArray(pr.labels) ? pr.labels : Array.isArray(issue.labels) ? issue.labels : [])
    .map((l) => str(obj(l).name))
    .filter((l): l is string => Boolean(l));
  const author = str(obj(pr.user).login) ?? str(obj(issue.user).login) ?? senderLogin;
  const title =
    str(pr.title) ?? str(issue.title) ?? (isPr ? 'Explain the answer' : 'Question about the answer');
  const body = str(pr.body) ?? str(issue.body) ?? null;

  if (isPr) {
    const head = obj(pr.head);
    const base = obj(pr.base);
    const headRepo = str(obj(head.repo).full_name);
    s.addPullRequest({
      number,
      repo,
      title,
      body,
      user: author,
      head: {
        ref: str(head.ref) ?? 'feature',
        sha: str(fields.head_sha) ?? str(head.sha) ?? fakeSha(`${repo}#${number}:head`),
        ...(headRepo && headRepo !== repo ? { repoFullName: headRepo } : {}),
      },
      base: { ref: str(base.ref) ?? 'main', sha: str(base.sha) ?? fakeSha(`${repo}:main`) },
      files: DEMO_PR_FILES,
      labels,
      draft: pr.draft === true,
    });
  } else {
    s.addIssue({
      number,
      repo,
      title,
      body,
      user: author,
      labels,
      assignees: (Array.isArray(issue.assignees) ? issue.assignees : [])
        .map((a) => str(obj(a).login))
        .filter((a): a is string => Boolean(a)),
    });
  }

  // The comment that asked: in the thread, as GitHub would have it.
  const comment = obj(payload.comment);
  const commentId = Number(str(comment.id) ?? str(fields.comment_id) ?? NaN);
  if (eventName !== 'pull_request_review_comment' && Number.isInteger(commentId) && commentId > 0) {
    const user = str(obj(comment.user).login) ?? str(fields.requested_by) ?? senderLogin;
    grantWrite(user);
    const now = s.now();
    s.issueComments.set(commentId, {
      id: commentId,
      repo,
      issue_number: number,
      body: str(comment.body) ?? `/claude ${str(fields.command) ?? ''}`.trim(),
      user,
      via_app: false,
      created_at: now,
      updated_at: now,
    });
  }
}

function toolResultsOf(req: { messages: { role: string; content: unknown }[] }): string[] {
  const out: string[] = [];
  for (const m of req.messages) {
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const b of m.content as ContentBlock[])
      if (b.type === 'tool_result') out.push(contentText(b.content));
  }
  return out;
}

/**
 * The scripted demo model: reads README.md, searches the checkout for `answer`, then answers from
 * what the real CLI's tools returned.
 */
export function demoScript(workspace: string): Script {
  return (req) => {
    if (!isMainLoop(req)) return { text: 'claude-relay demo' };
    switch (assistantTurns(req)) {
      case 0:
        return {
          text: 'Let me read the README first.',
          toolUses: [{ name: 'Read', input: { file_path: path.join(workspace, 'README.md') } }],
          usage: { input_tokens: 4200, output_tokens: 60 },
        };
      case 1:
        return {
          text: 'Now let me find where `answer` is defined and used.',
          toolUses: [
            {
              name: 'Grep',
              input: { pattern: 'answer', path: workspace, output_mode: 'content', '-n': true },
            },
          ],
          usage: { input_tokens: 4700, output_tokens: 70 },
        };
      default: {
        const [readme = '', grep = ''] = toolResultsOf(req);
        const readmeLines = readme.split('\n').filter((l) => l.trim() !== '').length;
        const hits = grep
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /answer/.test(l));
        const shown = hits
          .slice(0, 4)
          .map((h) => (h.startsWith(workspace) ? h.slice(workspace.length + 1) : h));
        return {
          text: [
            '**Demo answer** from the fake model — no API was called, but every tool ran for real in the Claude Code CLI.',
            '',
            `I read \`README.md\` (${readmeLines} lines) and searched the checkout for \`answer\`: ${hits.length} matching line${hits.length === 1 ? '' : 's'}${hits.length > shown.length ? `, the first ${shown.length} below` : ''}.`,
            ...(shown.length ? ['', '```', ...shown, '```'] : []),
            '',
            'With a real model this comment would hold the review or the answer to your request.',
          ].join('\n'),
          usage: { input_tokens: 5200, output_tokens: 180 },
        };
      }
    }
  };
}

// ---- printing ----

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = paint('2');
const bold = paint('1');
const red = paint('31');
const yellow = paint('33');
const cyan = paint('36');

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

/** One line of the action's stdout as a person wants to read it (workflow commands rendered). */
export function renderLogLine(line: string, verbose = false): string | undefined {
  const cmd = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!cmd) return line;
  const [, name, data = ''] = cmd;
  const text = unescapeData(data);
  switch (name) {
    case 'group':
      return `▼ ${text}`;
    case 'endgroup':
    case 'add-mask':
    case 'stop-commands':
    case 'save-state':
    case 'set-output':
      return undefined;
    case 'debug':
      return verbose ? dim(`debug: ${text}`) : undefined;
    case 'error':
      return red(`Error: ${text}`);
    case 'warning':
      return yellow(`Warning: ${text}`);
    case 'notice':
      return cyan(`Notice: ${text}`);
    default:
      return line;
  }
}

const MARKER = /\n?<!-- claude-relay:session [^\n]*-->/g;

function out(s = ''): void {
  process.stdout.write(`${s}\n`);
}

function printResult(res: RunResult, o: { github?: FakeGitHub; repo: string; number: number }): void {
  const outputs = res.outputs;
  out();
  out(bold('──────── result ────────'));
  const cost = Number(outputs.cost_usd ?? 0);
  const conclusion = outputs.conclusion || (res.exitCode === 0 ? 'success' : 'failure');
  const turns = outputs.num_turns ? `, ${outputs.num_turns} turns` : '';
  out(
    `conclusion: ${bold(conclusion)} · cost ${bold(`$${cost.toFixed(4)}`)}${turns} · exit code ${res.exitCode}`,
  );
  if (conclusion === 'skipped') {
    out(`skipped: ${outputs.result || '(no reason given)'}`);
    return;
  }
  let body: string | undefined;
  if (o.github && o.number) {
    const mine = o.github.state
      .commentsOf(o.repo, o.number)
      .filter((c) => c.user === 'github-actions[bot]' || c.via_app);
    body = mine.at(-1)?.body;
  }
  if (outputs.comment_url) out(`comment: ${outputs.comment_url}`);
  const shown = (body ?? outputs.result ?? '').replace(MARKER, '').trim();
  if (shown) {
    out();
    for (const l of shown.split('\n')) out(`  ${l}`);
    if (body?.includes('<!-- claude-relay:session '))
      out(dim('  (+ the hidden <!-- claude-relay:session … --> marker)'));
  }
  const unmatched = o.github?.unmatched() ?? [];
  if (unmatched.length) {
    out();
    out(yellow(`The fake GitHub had no answer for ${unmatched.length} call(s):`));
    for (const r of unmatched.slice(0, 10)) out(`  ${r.method} ${r.path} → ${r.status}`);
  }
  if (res.stderr.trim()) {
    out();
    out(red('stderr of the action:'));
    out(res.stderr.trimEnd());
  }
}

// ---- main ----

/**
 * The machine's proxy, CA and npm registry settings, as a runner behind a TLS-inspecting proxy
 * has them: without them the CLI fetch (npm) and the API calls fail there.
 */
export function networkEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out = sharedNetworkEnv(parent);
  // The action fetches the CLI with npm: its registry, proxy and CA settings too (never its auth).
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined) continue;
    if (/^npm_config_(registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|@[^_]+:registry)$/i.test(k))
      out[k] = v;
  }
  return out;
}

export async function runLocal(o: LocalOptions): Promise<number> {
  const eventPath = path.resolve(o.eventFile);
  let payload: Obj;
  try {
    payload = obj(JSON.parse(fs.readFileSync(eventPath, 'utf8')));
  } catch (err) {
    throw new UsageError(`cannot read the payload ${o.eventFile}: ${(err as Error).message}`);
  }
  if (o.repo) retargetRepository(payload, o.repo);
  const eventName = o.eventName ?? inferEventName(eventPath, payload);
  if (!fs.existsSync(DIST_ENTRY)) throw new UsageError(`${DIST_ENTRY} is missing: run npm run build`);
  const repo = str(obj(payload.repository).full_name) ?? 'octo-org/octo-repo';
  const { number, isPr } = targetOf(eventName, payload);

  const inputs: Record<string, string> = { ...o.inputs };
  if (o.prompt !== undefined) inputs.prompt = o.prompt;
  let model: FakeAnthropic | undefined;
  let github: FakeGitHub | undefined;
  let apiUrl: string;
  let anthropicUrl: string | undefined;
  const env: Record<string, string> = { CLAUDE_RELAY_LOCAL: '1', ...networkEnv(process.env) };
  let workspace: string;

  /** Temp folders this run made; removed at the end (a local run leaves nothing in /tmp). */
  const temp: string[] = [];
  if (o.fake) {
    workspace = o.workspace ? path.resolve(o.workspace) : makeWorkspace(DEMO_FILES);
    if (!o.workspace) temp.push(workspace);
    model = await startFakeAnthropic(demoScript(workspace));
    github = await startFakeGitHub({ defaultRepo: repo });
    seedFromPayload(github, eventName, payload);
    apiUrl = github.url;
    anthropicUrl = model.url;
    inputs.anthropic_api_key ??= FAKE_API_KEY;
    inputs.github_token ??= FAKE_GITHUB_TOKEN;
  } else {
    const apiKey = process.env.ANTHROPIC_API_KEY;
    const oauth = process.env.CLAUDE_CODE_OAUTH_TOKEN;
    const token = process.env.GITHUB_TOKEN ?? process.env.GH_TOKEN;
    const missing = [
      !apiKey && !oauth && !inputs.anthropic_api_key && !inputs.claude_code_oauth_token
        ? 'ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN)'
        : '',
      !token && !inputs.github_token ? 'GITHUB_TOKEN' : '',
    ].filter(Boolean);
    if (missing.length) {
      throw new UsageError(
        `the real APIs need ${missing.join(' and ')} in the environment (or add --fake for the offline demo)`,
      );
    }
    if (apiKey) inputs.anthropic_api_key ??= apiKey;
    if (oauth) inputs.claude_code_oauth_token ??= oauth;
    if (token) inputs.github_token ??= token;
    // Sessions survive between local runs, so follow-ups can resume.
    inputs.session_dir ??= path.join(os.homedir(), '.local', 'state', 'claude-relay', 'sessions');
    apiUrl = (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    anthropicUrl = process.env.ANTHROPIC_BASE_URL;
    if (process.env.GITHUB_SERVER_URL) env.GITHUB_SERVER_URL = process.env.GITHUB_SERVER_URL;
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && /^(CLAUDE_CODE_USE_|AWS_|ANTHROPIC_VERTEX_|CLOUD_ML_|GOOGLE_|VERTEX_)/.test(k))
        env[k] = v;
    }
    workspace = path.resolve(o.workspace ?? process.cwd());
  }

  const headSha = str(obj(obj(payload.pull_request).head).sha);
  out(
    bold(
      `claude-relay local run: ${eventName}${str(payload.action) ? `.${str(payload.action)}` : ''} on ${repo}${number ? `#${number}` : ''}`,
    ),
  );
  out(
    dim(
      `${o.fake ? 'fake Anthropic + GitHub APIs on 127.0.0.1 (scripted demo model)' : `GitHub ${apiUrl}, Anthropic ${anthropicUrl ?? 'https://api.anthropic.com'}`} · workspace ${workspace}`,
    ),
  );
  out();

  let child: ChildProcess | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nStopping: the action reports what it spent (Ctrl-C again to kill it)…\n');
      child?.kill('SIGINT');
    } else child?.kill('SIGKILL');
  };
  process.on('SIGINT', onSigint);
  const timeoutMinutes = Number(inputs.timeout_minutes ?? 30);
  try {
    const res = await runAction({
      eventName,
      payload,
      inputs,
      env,
      repository: repo,
      actor: str(obj(payload.sender).login) ?? 'octocat',
      ...(headSha ? { sha: headSha } : {}),
      ...(eventName.startsWith('pull_request') && number ? { ref: `refs/pull/${number}/merge` } : {}),
      workspace,
      apiUrl,
      anthropicUrl,
      runId: String(Date.now() % 1_000_000_000),
      timeoutMs: (Number.isFinite(timeoutMinutes) ? timeoutMinutes : 30) * 60_000 + 120_000,
      onSpawn: (c) => (child = c),
      onLine: (line, atMs) => {
        const shown = renderLogLine(line, o.verbose);
        if (shown !== undefined) out(`${dim(`${(atMs / 1000).toFixed(1).padStart(5)}s │`)} ${shown}`);
      },
    });
    // The runner's folders (RUNNER_TEMP, HOME, file commands) share one parent.
    temp.push(path.dirname(res.runnerTemp));
    printResult(res, { github, repo, number: isPr || number ? number : 0 });
    return res.exitCode ?? 1;
  } finally {
    for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSigint);
    await Promise.all([model?.close(), github?.close()]);
  }
}

/** The command line (scripts/local.ts). */
export async function cli(): Promise<void> {
  try {
    const o = parseCli(process.argv.slice(2));
    if (o === 'help') {
      out(USAGE);
      return;
    }
    process.exitCode = await runLocal(o);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`npm run local: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
