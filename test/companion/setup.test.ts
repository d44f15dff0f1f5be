/**
 * `npm run companion` with no App configured: the built companion serves Probot's App-manifest
 * setup flow on localhost from `app.yml`, and the GitHub round trip (the manifest code converted
 * into an App, here by a loopback stand-in for `POST /app-manifests/{code}/conversions`) writes
 * APP_ID, PRIVATE_KEY and WEBHOOK_SECRET to `./.env` in a form the companion reads back.
 * In production it refuses instead. With WEBHOOK_PROXY_URL the manifest's webhook is that URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DIST_NODE, distPath, ROOT } from '../support/runner';

const ENTRY = path.join(ROOT, 'dist', 'companion', 'index.js');
const PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Started {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(cwd: string, env: NodeJS.ProcessEnv): Started {
  const proc = spawn(DIST_NODE, [ENTRY], {
    cwd,
    env: { PATH: distPath(process.env.PATH ?? ''), HOME: cwd, NO_SMEE_SETUP: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function waitFor(s: Started, pattern: RegExp, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(s.output())) return;
    if (s.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${pattern} in the companion's output:\n${s.output()}`);
}

let dir: string;
let child: Started | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-setup-'));
  fs.copyFileSync(path.join(ROOT, 'app.yml'), path.join(dir, 'app.yml'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
});
afterEach(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGTERM');
    await child.exited;
  }
  child = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('serves the manifest flow from app.yml and writes .env from the converted App', async () => {
  // Stand-in for GitHub's manifest conversion (GHE_HOST points the flow at it).
  const conversions: string[] = [];
  const github = http.createServer((req, res) => {
    conversions.push(`${req.method} ${req.url}`);
    res.writeHead(201, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 424242,
        pem: PEM,
        webhook_secret: 'whsec-from-github',
        client_id: 'Iv1.abc',
        client_secret: 'cs-123',
        html_url: 'https://github.example/apps/claude-relay',
      }),
    );
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  const ghPort = (github.address() as net.AddressInfo).port;
  try {
    const port = await freePort();
    child = start(dir, {
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: `127.0.0.1:${ghPort}`,
      GHE_PROTOCOL: 'http',
    });
    await waitFor(child, /Please follow the instructions at http:\/\/127\.0\.0\.1:\d+/);
    const base = `http://127.0.0.1:${port}`;

    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/probot']);

    const page = await (await fetch(`${base}/probot`)).text();
    const manifestJson =
      /name="manifest"[^>]*value="([^"]*)"/.exec(page)?.[1] ?? /value='([^']*)'/.exec(page)?.[1];
    expect(manifestJson).toBeDefined();
    const manifest = JSON.parse(
      manifestJson!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'claude-relay',
      redirect_url: `${base}/probot/setup`,
      default_events: ['issue_comment', 'pull_request_review_comment'],
      default_permissions: { issues: 'write', pull_requests: 'write', actions: 'write', contents: 'read' },
    });

    const done = await fetch(`${base}/probot/setup?code=manifest-code-1`, { redirect: 'manual' });
    expect([done.status, done.headers.get('location')]).toEqual([
      302,
      'https://github.example/apps/claude-relay/installations/new',
    ]);
    expect(conversions).toEqual(['POST /api/v3/app-manifests/manifest-code-1/conversions']);
    await waitFor(child, /please restart the server/);

    // Read back as the companion reads it (process.loadEnvFile uses the same parser).
    const env = parseEnv(fs.readFileSync(path.join(dir, '.env'), 'utf8'));
    const written = { APP_ID: env.APP_ID, PRIVATE_KEY: env.PRIVATE_KEY, WEBHOOK_SECRET: env.WEBHOOK_SECRET };
    expect(written).toEqual({ APP_ID: '424242', PRIVATE_KEY: PEM, WEBHOOK_SECRET: 'whsec-from-github' });
  } finally {
    await new Promise<void>((r) => github.close(() => r()));
  }
});

it('with WEBHOOK_PROXY_URL the App is registered with that webhook URL', async () => {
  const port = await freePort();
  child = start(dir, {
    PORT: String(port),
    HOST: '127.0.0.1',
    WEBHOOK_PROXY_URL: 'https://smee.io/relay-test-channel',
  });
  await waitFor(child, /Please follow the instructions/);
  const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
  expect(page.replace(/&quot;/g, '"')).toContain(
    '"hook_attributes":{"url":"https://smee.io/relay-test-channel"}',
  );
});

it('in production a missing App is an error, not a setup page', async () => {
  child = start(dir, { NODE_ENV: 'production', PORT: String(await freePort()), HOST: '127.0.0.1' });
  expect(await child.exited).toBe(1);
  expect(child.output()).toMatch(/claude-relay companion: invalid environment:\n\s+APP_ID: /);
  expect(child.output()).not.toMatch(/Welcome to Probot/);
});
