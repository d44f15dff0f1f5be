/**
 * The companion over real HTTP: the fake GitHub (REST at `/api/v3`, GitHub App JWT + installation
 * tokens), an RSA key for the App, companion servers on port 0 pointed at the fake through
 * GHE_HOST/GHE_PROTOCOL, and signed webhook deliveries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { startCompanionServer, type CompanionServer, type Limits } from '../../src/companion/server';
import type { CompanionOptions, Outcome } from '../../src/companion/app';
import { Dedupe } from '../../src/companion/dedupe';
import { startFakeGitHub, fakeSha, type FakeGitHub, type RecordedRequest } from '../support/fake-github';
import { DIST_NODE, ROOT } from '../support/runner';
import { issueComment, reviewComment, type Patch, type Payload } from '../support/payloads';

export const SECRET = 'webhook-secret-for-tests';
export const REPO = 'octo-org/octo-repo';
export const PR = 1;
export const HEAD_SHA = fakeSha('pr-1-head');
export const APP_BOT = 'claude-relay[bot]';

let key: string | undefined;
/** A fresh 2048-bit RSA key in GitHub's PKCS#1 PEM format (generated once per test file). */
export function appPrivateKey(): string {
  key ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return key;
}

/** The fake with PR #1 (alice), write user alice, read-only rory, the claude.yml workflow. */
export async function startWorld(): Promise<FakeGitHub> {
  const gh = await startFakeGitHub({
    permissions: { [REPO]: { alice: 'write', rory: 'read', 'renovate[bot]': 'write' } },
    users: { 'renovate[bot]': 'Bot' },
  });
  gh.state.addPullRequest({
    number: PR,
    title: 'Add the widget',
    user: 'alice',
    head: { ref: 'widget', sha: HEAD_SHA },
    base: { ref: 'main', sha: fakeSha('base') },
  });
  gh.state.addIssue({ number: 2, title: 'The widget is slow', user: 'rory' });
  return gh;
}

export function companionEnv(gh: FakeGitHub, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    APP_ID: String(gh.state.app.id),
    PRIVATE_KEY: appPrivateKey(),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(gh.url).host,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export interface Companion extends CompanionServer {
  outcomes: Outcome[];
  dedupe: Dedupe;
}

export async function startCompanion(
  gh: FakeGitHub,
  opts: {
    writeSpacingMs?: number;
    limits?: Partial<Limits>;
    companion?: CompanionOptions;
    env?: Record<string, string>;
  } = {},
): Promise<Companion> {
  const outcomes: Outcome[] = [];
  const dedupe = new Dedupe();
  const server = await startCompanionServer({
    env: companionEnv(gh, opts.env),
    port: 0,
    host: '127.0.0.1',
    writeSpacingMs: opts.writeSpacingMs ?? 0,
    ...(opts.limits ? { limits: opts.limits } : {}),
    companion: { dedupe, onOutcome: (o) => outcomes.push(o), ...opts.companion },
  });
  const companion = Object.assign(server, { outcomes, dedupe });
  running.set(server.webhookUrl, companion);
  return companion;
}

/** Companions started by this harness, by webhook URL: deliver() waits for them to finish. */
const running = new Map<string, CompanionServer>();

export interface DeliveryOptions {
  id?: string;
  /** Sign with this secret instead of SECRET. */
  secret?: string;
  /** `null`: no signature header; a string: this header value. */
  signature?: string | null;
  body?: string;
  /** false: return once acknowledged, without waiting for the companion to handle it. */
  wait?: boolean;
}

export interface DeliveryResult {
  status: number;
  text: string;
  id: string;
}

/** POSTs one webhook delivery the way GitHub does. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  opts: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const body = opts.body ?? JSON.stringify(payload);
  const id = opts.id ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/fake',
    'x-github-event': event,
    'x-github-delivery': id,
    'x-github-hook-installation-target-type': 'integration',
  };
  if (opts.signature !== null) {
    headers['x-hub-signature-256'] = opts.signature ?? (await sign(opts.secret ?? SECRET, body));
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  // Deliveries are acknowledged before they are handled; wait for the handling to finish.
  if (opts.wait !== false) await running.get(url)?.settled();
  return { status: res.status, text, id };
}

const who = (login: string): Patch => {
  const type = login.endsWith('[bot]') ? 'Bot' : 'User';
  return { login, type, id: 1000 + login.length };
};

/**
 * A comment that exists in the fake (reactions need it) and its `issue_comment.created` payload.
 * `target` is PR #1 by default; pass 2 for the issue. `repo` (default REPO) must be an account the
 * App is installed on; the payload names that installation.
 */
export function prComment(
  gh: FakeGitHub,
  body: string,
  user = 'alice',
  opts: { target?: number; sender?: string; patch?: Patch; repo?: string } = {},
): { id: number; payload: Payload } {
  const target = opts.target ?? PR;
  const repo = opts.repo ?? REPO;
  const [owner = '', name = ''] = repo.split('/');
  const installation = gh.state.installations.find((i) => i.account === owner) ?? gh.state.installation;
  const comment = gh.state.addIssueComment({
    repo,
    issue_number: target,
    body,
    user,
    via_app: user === APP_BOT,
  });
  const isPull = gh.state.pull(repo, target) !== undefined;
  const payload = issueComment(
    body,
    {
      comment: {
        id: comment.id,
        user: who(user),
        html_url: `https://github.com/${repo}/pull/${target}#issuecomment-${comment.id}`,
      },
      issue: { number: target, title: gh.state.issue(repo, target)?.title ?? '' },
      sender: who(opts.sender ?? user),
      installation: { id: installation.id },
      repository: {
        name,
        full_name: repo,
        owner: { login: owner },
        default_branch: 'main',
        html_url: `https://github.com/${repo}`,
      },
      ...opts.patch,
    },
    { onPullRequest: isPull },
  );
  if (!isPull) delete (payload.issue as Record<string, unknown>).pull_request;
  return { id: comment.id, payload };
}

/** A review comment on PR #1 in the fake and its `pull_request_review_comment.created` payload. */
export function reviewCommentOnPr(
  gh: FakeGitHub,
  body: string,
  user = 'alice',
  inReplyTo?: number,
): { id: number; payload: Payload } {
  const id = gh.state.nextId();
  const now = gh.state.now();
  gh.state.reviewComments.set(id, {
    id,
    repo: REPO,
    pull_number: PR,
    review_id: null,
    path: 'src/widget.ts',
    line: 3,
    side: 'RIGHT',
    start_line: null,
    start_side: null,
    subject_type: 'line',
    body,
    user,
    commit_id: HEAD_SHA,
    ...(inReplyTo ? { in_reply_to_id: inReplyTo } : {}),
    created_at: now,
    updated_at: now,
  });
  const payload = reviewComment(body, {
    comment: { id, user: who(user), path: 'src/widget.ts', in_reply_to_id: inReplyTo },
    pull_request: { number: PR, title: 'Add the widget', head: { sha: HEAD_SHA } },
    sender: who(user),
    installation: { id: gh.state.installation.id },
    repository: { default_branch: 'main', html_url: `https://github.com/${REPO}` },
  });
  return { id, payload };
}

/** When each request reached the fake from now on (its log has no timestamps), by request. */
export function timeRequests(gh: FakeGitHub): Map<RecordedRequest, number> {
  const at = new Map<RecordedRequest, number>();
  const push = gh.requests.push.bind(gh.requests);
  gh.requests.push = (...items: RecordedRequest[]) => {
    const now = performance.now();
    for (const r of items) at.set(r, now);
    return push(...items);
  };
  return at;
}

/** Requests the companion made to the fake, excluding App auth plumbing. */
export function apiCalls(gh: FakeGitHub): string[] {
  return gh.requests.filter((r) => !/^\/app(\/|$)/.test(r.path)).map((r) => `${r.method} ${r.path}`);
}

/** PRs #from…#from+count-1 by alice in the fake (head branch `pr-N`), in `repo` (default REPO). */
export function addPullRequests(gh: FakeGitHub, from: number, count: number, repo = REPO): number[] {
  const numbers = Array.from({ length: count }, (_, i) => from + i);
  for (const number of numbers) {
    gh.state.addPullRequest({
      repo,
      number,
      title: `Change ${number}`,
      user: 'alice',
      head: { ref: `pr-${number}`, sha: fakeSha(`pr-${number}-head`) },
      base: { ref: 'main', sha: fakeSha('base') },
    });
  }
  return numbers;
}

/**
 * The built companion (`dist/companion/index.js`) as its own process, as `npm run companion` runs
 * it, on the Node that runs dist/ in tests (the Docker image's Node 24 in CI's second pass).
 */
export interface CompanionProcess {
  webhookUrl: string;
  child: ChildProcess;
  /** Everything it logged so far (JSON lines). */
  log(): string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

export async function spawnCompanion(gh: FakeGitHub, env: Record<string, string>): Promise<CompanionProcess> {
  const entry = path.join(ROOT, 'dist', 'companion', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const child = spawn(DIST_NODE, [entry], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'relay-companion-')),
    env: {
      PATH: process.env.PATH ?? '',
      ...companionEnv(gh),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const webhookUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the companion did not start: ${out.slice(-800)}`)),
      30_000,
    );
    const check = setInterval(() => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m?.[1]) {
        clearInterval(check);
        clearTimeout(timer);
        resolve(m[1]);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`the companion exited ${code} before listening: ${out.slice(-800)}`));
    });
  });
  return { webhookUrl, child, log: () => out, exited };
}
