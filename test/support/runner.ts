/**
 * Runs the built `dist/index.js` the way the GitHub Actions runner (and act) does: a fresh node
 * process with INPUT_* variables, the GITHUB_* / RUNNER_* environment, an event payload file, and
 * file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE, GITHUB_ENV). Returns the exit
 * code, the log, parsed outputs and the summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST_ENTRY = path.join(ROOT, 'dist', 'index.js');

/**
 * The node binary that runs dist/ in tests: `RELAY_TEST_NODE` (`.ci/run` points it at Node 24,
 * the version action.yml runs on), else the node running the tests.
 */
export const DIST_NODE = process.env.RELAY_TEST_NODE || process.execPath;

/** PATH for a child running dist/: DIST_NODE's folder first, so anything it starts as `node` is the same. */
export function distPath(base = process.env.PATH ?? '/usr/bin:/bin'): string {
  return DIST_NODE === process.execPath ? base : `${path.dirname(DIST_NODE)}${path.delimiter}${base}`;
}

/** The CLI that `npm ci` installed, for seeding the tool cache (saves a 360 MB download per test). */
export function installedCliPackageDir(): string {
  return path.join(
    ROOT,
    'node_modules',
    '@anthropic-ai',
    `claude-agent-sdk-${process.platform}-${process.arch}`,
  );
}

export function sdkVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return String(pkg.dependencies['@anthropic-ai/claude-agent-sdk']).replace(/^[\^~]/, '');
}

/**
 * A tool cache with the pinned CLI already "installed" (a symlink to node_modules' copy), laid
 * out as the action's resolver and @actions/tool-cache expect. Shared by all tests of a worker.
 */
export function seededToolCache(): string {
  const dir = path.join(os.tmpdir(), `claude-relay-toolcache-${process.getuid?.() ?? 0}`);
  const key = `${process.platform}-${process.arch}`;
  const arch = path.join(dir, 'claude-code', sdkVersion(), key);
  const target = path.join(arch, 'node_modules', '@anthropic-ai', `claude-agent-sdk-${key}`);
  if (!fs.existsSync(`${arch}.complete`)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) fs.symlinkSync(installedCliPackageDir(), target, 'dir');
    fs.writeFileSync(`${arch}.complete`, '');
  }
  return dir;
}

export interface RunOptions {
  eventName: string;
  payload: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  repository?: string;
  actor?: string;
  sha?: string;
  ref?: string;
  /** The checkout the agent works in; a temp dir with a small file tree if omitted. */
  workspace?: string;
  apiUrl: string;
  anthropicUrl?: string;
  serverUrl?: string;
  runId?: string;
  toolCache?: string;
  entry?: string;
  /** Called with the final environment just before the action starts (to plant files it names). */
  prepare?: (env: Record<string, string>) => void;
  /** Called with the child once it starts (signal tests). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called for every line the action prints, as it prints it. */
  onLine?: (line: string, atMs: number) => void;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  log: string;
  stderr: string;
  lines: { text: string; atMs: number }[];
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
  workspace: string;
  home: string;
  runnerTemp: string;
  durationMs: number;
}

/** Parses the GITHUB_OUTPUT / GITHUB_STATE file format (`name<<delim\nvalue\ndelim` or `k=v`). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
      out[name as string] = value.join('\n');
    } else if (line.includes('=')) {
      const idx = line.indexOf('=');
      out[line.slice(0, idx)] = line.slice(idx + 1);
    }
  }
  return out;
}

export function makeWorkspace(
  files: Record<string, string> = {
    'README.md': '# octo-repo\n',
    'src/app.ts': 'export const answer = 42;\n',
  },
): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-ws-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(ws, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return ws;
}

/** The environment variable @actions/core reads for an input (`INPUT_` + upper-cased name, spaces → _). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(o: RunOptions): Promise<RunResult> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-run-'));
  const runnerTemp = path.join(base, 'runner-temp');
  const home = path.join(base, 'home');
  const files = path.join(base, 'files');
  for (const d of [runnerTemp, home, files]) fs.mkdirSync(d, { recursive: true });
  const workspace = o.workspace ?? makeWorkspace();
  const eventPath = path.join(files, 'event.json');
  fs.writeFileSync(eventPath, typeof o.payload === 'string' ? o.payload : JSON.stringify(o.payload));
  const fileCmd = (n: string) => {
    const p = path.join(files, n);
    fs.writeFileSync(p, '');
    return p;
  };
  const outputPath = fileCmd('output');
  const summaryPath = fileCmd('summary');
  const statePath = fileCmd('state');
  const envPath = fileCmd('env');
  const repository = o.repository ?? 'octo-org/octo-repo';
  const env: Record<string, string> = {
    PATH: distPath(),
    HOME: home,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_ACTOR: o.actor ?? 'octocat',
    GITHUB_SHA: o.sha ?? 'a'.repeat(40),
    GITHUB_REF: o.ref ?? 'refs/heads/main',
    GITHUB_WORKSPACE: workspace,
    GITHUB_API_URL: o.apiUrl,
    GITHUB_SERVER_URL: o.serverUrl ?? 'https://github.com',
    GITHUB_GRAPHQL_URL: `${o.apiUrl}/graphql`,
    GITHUB_RUN_ID: o.runId ?? String(1000 + Math.floor(Math.random() * 9000)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_JOB: 'claude',
    GITHUB_WORKFLOW: 'Claude',
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_STATE: statePath,
    GITHUB_ENV: envPath,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: o.toolCache ?? seededToolCache(),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    // Deterministic and offline: no telemetry or update checks from the CLI.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...(o.anthropicUrl ? { ANTHROPIC_BASE_URL: o.anthropicUrl } : {}),
    ...o.env,
  };
  for (const [name, value] of Object.entries(o.inputs ?? {})) env[inputEnvName(name)] = value;

  o.prepare?.(env);
  const started = Date.now();
  const child = spawn(DIST_NODE, [o.entry ?? DIST_ENTRY], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.onSpawn?.(child);
  let log = '';
  let stderr = '';
  let partial = '';
  const lines: { text: string; atMs: number }[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    log += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    const at = Date.now() - started;
    for (const text of parts) {
      lines.push({ text, atMs: at });
      o.onLine?.(text, at);
    }
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 100_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  if (partial) lines.push({ text: partial, atMs: Date.now() - started });
  return {
    exitCode,
    signal,
    log,
    stderr,
    lines,
    outputs: parseFileCommands(fs.readFileSync(outputPath, 'utf8')),
    summary: fs.readFileSync(summaryPath, 'utf8'),
    state: parseFileCommands(fs.readFileSync(statePath, 'utf8')),
    workspace,
    home,
    runnerTemp,
    durationMs: Date.now() - started,
  };
}
