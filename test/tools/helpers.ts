/**
 * Shared setup for the relay tool tests: a fake GitHub with a PR whose files have patches, a
 * RelayRequest for it, an in-memory MCP client connected to the built server (the same protocol
 * the CLI speaks, without the CLI), and throwaway git repositories.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHub } from '../../src/github/client';
import type { RelayRequest } from '../../src/request/types';
import { buildRelayTools, type RelayTools, type RelayToolsOptions } from '../../src/tools';
import type { ToolsPullRequest } from '../../src/tools/context';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';

export const REPO = 'octo-org/octo-repo';
export const TOKEN = 'ghs_TOOLSTEST0123456789abcdef0123456789';
export const HEAD = 'a'.repeat(40);
export const BASE = 'b'.repeat(40);

/** src/app.ts: new lines 10-16 shown (12, 13 added), old 10-15 (12 deleted). */
export const APP_PATCH = [
  '@@ -10,6 +10,7 @@ export function main() {',
  '   const a = 1;',
  '   const b = 2;',
  '-  const c = a + b;',
  '+  const c = a * b;',
  '+  const d = c + 1;',
  '   return c;',
  ' }',
  ' ',
].join('\n');

export const README_PATCH = '@@ -1,2 +1,3 @@\n # Demo\n+More text.\n Last line.';

export function prRequest(over: Partial<RelayRequest> = {}): RelayRequest {
  return {
    eventName: 'issue_comment',
    action: 'created',
    owner: 'octo-org',
    repo: 'octo-repo',
    target: { kind: 'pull_request', number: 1, title: 'Improve main' },
    actor: { login: 'octocat', type: 'User', id: 583231 },
    trigger: 'comment',
    command: { name: 'review', text: '' },
    pr: {
      number: 1,
      headSha: HEAD,
      headRef: 'feature',
      headRepo: REPO,
      baseRef: 'main',
      baseSha: BASE,
      isFork: false,
      authorLogin: 'octocat',
    },
    isPullRequestTarget: false,
    ...over,
  };
}

export function issueRequest(number: number, title: string): RelayRequest {
  return {
    eventName: 'issues',
    action: 'opened',
    owner: 'octo-org',
    repo: 'octo-repo',
    target: { kind: 'issue', number, title },
    actor: { login: 'octocat', type: 'User', id: 583231 },
    trigger: 'event',
    command: { name: 'ask', text: 'implement it' },
    isPullRequestTarget: false,
  };
}

export async function startGitHub(): Promise<{ fake: FakeGitHub; gh: GitHub }> {
  const fake = await startFakeGitHub();
  fake.state.addToken(TOKEN, 'github-actions[bot]', 'Bot');
  fake.state.addUser('octocat', 'User');
  fake.state.addPullRequest({
    number: 1,
    title: 'Improve main',
    user: 'octocat',
    head: { ref: 'feature', sha: HEAD },
    base: { ref: 'main', sha: BASE },
    files: [
      { filename: 'src/app.ts', status: 'modified', additions: 2, deletions: 1, patch: APP_PATCH },
      { filename: 'README.md', status: 'modified', additions: 1, deletions: 0, patch: README_PATCH },
      { filename: 'logo.png', status: 'added', additions: 0, deletions: 0 },
    ],
  });
  return { fake, gh: testGitHub(fake.url) };
}

/**
 * The relay's client type, with the throttling plugin's write spacing off: its buckets are
 * process-wide, so a 3 s pause between content-creating calls would add up across tests.
 */
export function testGitHub(baseUrl: string): GitHub {
  const Relay = Octokit.plugin(retry, throttling);
  return new Relay({
    auth: TOKEN,
    baseUrl,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: { retries: 0 },
    throttle: { enabled: false, onRateLimit: () => false, onSecondaryRateLimit: () => false },
  });
}

export interface Connected {
  call(name: string, args?: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  listTools(): Promise<{ name: string; inputSchema: { properties?: Record<string, unknown> } }[]>;
  close(): Promise<void>;
}

/** An MCP client on the built server's instance (what the CLI does over the SDK transport). */
export async function connect(built: RelayTools): Promise<Connected> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([built.server.instance.connect(serverSide), client.connect(clientSide)]);
  return {
    async call(name, args = {}) {
      const res = (await client.callTool({ name, arguments: args })) as {
        content: { type: string; text?: string }[];
        isError?: boolean;
      };
      return { text: res.content.map((c) => c.text ?? '').join('\n'), isError: res.isError === true };
    },
    async listTools() {
      const res = await client.listTools();
      return res.tools as { name: string; inputSchema: { properties?: Record<string, unknown> } }[];
    },
    close: async () => {
      await client.close();
      await built.server.instance.close();
    },
  };
}

/** PR #1 as the gathered context has it (the tools' one PR record). */
export function prRecord(over: Partial<ToolsPullRequest> = {}): ToolsPullRequest {
  return { headSha: HEAD, baseSha: BASE, headRef: 'feature', headRepo: REPO, isFork: false, ...over };
}

export function build(over: Partial<RelayToolsOptions> & Pick<RelayToolsOptions, 'gh'>): {
  built: RelayTools;
  progress: string[];
} {
  const progress: string[] = [];
  const built = buildRelayTools({
    req: prRequest(),
    pr: prRecord(),
    workspace: os.tmpdir(),
    profile: 'read-only',
    requester: { login: 'octocat', id: 583231 },
    onProgress: async (md) => {
      progress.push(md);
    },
    ...over,
  });
  return { built, progress };
}

// ---- git ----

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface GitFixture {
  root: string;
  remote: string;
  workspace: string;
  /** Sha of the `feature` branch tip (the "authorized head"). */
  head: string;
  base: string;
  cleanup(): void;
}

/**
 * A bare remote with `main` and `feature` (one commit ahead), and a clone of it checked out on
 * `feature` as the workspace.
 */
export function gitFixture(): GitFixture {
  const root = tmpDir('relay-git-');
  const remote = path.join(root, 'remote.git');
  const seed = path.join(root, 'seed');
  const workspace = path.join(root, 'ws');
  sh(root, 'init', '-q', '--bare', '--initial-branch=main', remote);
  sh(root, 'clone', '-q', remote, seed);
  fs.writeFileSync(path.join(seed, 'app.txt'), 'one\n');
  sh(seed, 'add', '-A');
  sh(seed, 'commit', '-q', '-m', 'initial');
  sh(seed, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
  const base = sh(seed, 'rev-parse', 'HEAD');
  sh(seed, 'checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(seed, 'app.txt'), 'one\ntwo\n');
  sh(seed, 'commit', '-q', '-am', 'feature work');
  sh(seed, 'push', '-q', 'origin', 'feature');
  const head = sh(seed, 'rev-parse', 'HEAD');
  sh(root, 'clone', '-q', '--branch', 'feature', remote, workspace);
  return {
    root,
    remote,
    workspace,
    head,
    base,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
