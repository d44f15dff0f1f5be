/**
 * `npm run local`: the README's "run it" command works offline, shows the live tool log, the
 * result comment and its cost; every sample payload runs through the built action with --fake.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR, makeFixtures, serialize } from '../../scripts/make-fixtures';
import { inferEventName, networkEnv, parseCli, renderLogLine, UsageError } from '../../scripts/lib/local';
import { ROOT } from '../support/runner';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** tsx from node_modules, as `npm run local` runs it. */
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

const FIXTURES = fs
  .readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

it("runs the README's command offline: live tool lines, the comment text and its cost", async () => {
  const res = await run('npm', [
    'run',
    '--silent',
    'local',
    '--',
    '--event',
    'test/fixtures/events/pull_request.opened.json',
    '--fake',
  ]);
  expect(res.code).toBe(0);
  const out = res.stdout;
  // The live log, as the agent works.
  expect(out).toMatch(/│ ▸ Read README\.md/);
  expect(out).toMatch(/│ ▸ Grep answer/);
  expect(out).toMatch(/│ {3}✓ ok /);
  // Then the comment the action posted, and what it cost.
  const result = out.slice(out.indexOf('──────── result'));
  expect(result).toContain('conclusion: success');
  expect(result).toMatch(/cost \$0\.\d{4}/);
  expect(result).toContain('**Demo answer** from the fake model');
  expect(result).toContain('src/app.ts:');
  expect(result).toMatch(/<sub>\$0\.\d+ · 3 turns · /);
  // The log lines came out before the result, as they happened.
  expect(out.indexOf('▸ Read')).toBeLessThan(out.indexOf('──────── result'));
});

it('explains what is missing for the real APIs instead of starting', async () => {
  const env = { ...process.env };
  for (const k of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN']) delete env[k];
  const res = await run(
    TSX,
    ['scripts/local.ts', '--event', 'test/fixtures/events/pull_request.opened.json'],
    env,
  );
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('ANTHROPIC_API_KEY');
  expect(res.stderr).toContain('GITHUB_TOKEN');
  expect(res.stderr).toContain('--fake');
  expect(res.stdout).toBe('');
});

describe('every sample payload runs through dist/index.js with --fake', () => {
  it.each(FIXTURES)('%s', async (file) => {
    const res = await run(TSX, [
      'scripts/local.ts',
      '--event',
      path.join('test/fixtures/events', file),
      '--fake',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('conclusion: success');
    expect(res.stdout).toContain('▸ Read');
    expect(res.stdout).not.toContain('The fake GitHub had no answer');
  });
});

describe('sample payloads', () => {
  it('are committed and up to date with scripts/make-fixtures.ts', () => {
    const expected = makeFixtures();
    expect(FIXTURES).toEqual(Object.keys(expected).sort());
    for (const [name, payload] of Object.entries(expected)) {
      expect(fs.readFileSync(path.join(FIXTURES_DIR, name), 'utf8')).toBe(serialize(payload));
    }
  });

  it('tell their event by file name', () => {
    for (const f of FIXTURES) {
      const payload = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, f), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(inferEventName(f, payload)).toBe(f.split('.')[0]);
      // …and by shape when renamed (pull_request_target looks like pull_request).
      const guessed = inferEventName('payload.json', payload);
      expect(guessed).toBe(f.startsWith('pull_request_target') ? 'pull_request' : f.split('.')[0]);
    }
  });
});

describe('command line', () => {
  it('parses repeated inputs and the flags', () => {
    expect(
      parseCli([
        '--event',
        'e.json',
        '--fake',
        '--input',
        'max_turns=5',
        '--input',
        'model=a=b',
        '--prompt',
        'hi',
      ]),
    ).toMatchObject({
      eventFile: 'e.json',
      fake: true,
      prompt: 'hi',
      inputs: { max_turns: '5', model: 'a=b' },
    });
    expect(parseCli(['--help'])).toBe('help');
    expect(() => parseCli([])).toThrow(UsageError);
    expect(() => parseCli(['--event', 'e.json', '--input', 'nope'])).toThrow(/name=value/);
    expect(() => parseCli(['--event', 'e.json', '--repo', 'x'])).toThrow(/owner\/name/);
  });

  it('renders workflow commands for people', () => {
    expect(renderLogLine('::group::Tool output')).toBe('▼ Tool output');
    expect(renderLogLine('::endgroup::')).toBeUndefined();
    expect(renderLogLine('::add-mask::secret')).toBeUndefined();
    expect(renderLogLine('::debug::x')).toBeUndefined();
    expect(renderLogLine('::debug::x', true)).toContain('debug: x');
    expect(renderLogLine('::error::a%0Ab')).toContain('Error: a\nb');
    expect(renderLogLine('::warning file=x,line=1::careful')).toContain('Warning: careful');
    expect(renderLogLine('▸ Read README.md')).toBe('▸ Read README.md');
  });
});

describe('network settings', () => {
  it('pass the proxy, CA and npm registry variables through to the action, and nothing else', () => {
    const env = networkEnv({
      HTTPS_PROXY: 'http://proxy:3128',
      http_proxy: 'http://proxy:3128',
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/corp-ca.pem',
      SSL_CERT_FILE: '/etc/ssl/cert.pem',
      npm_config_registry: 'https://npm.corp.example/',
      npm_config_cafile: '/etc/ssl/corp-ca.pem',
      ANTHROPIC_API_KEY: 'sk-secret',
      GITHUB_TOKEN: 'ghs_secret',
      npm_config__authToken: 'secret',
      HOME: '/home/me',
    });
    expect(env).toEqual({
      HTTPS_PROXY: 'http://proxy:3128',
      http_proxy: 'http://proxy:3128',
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/corp-ca.pem',
      SSL_CERT_FILE: '/etc/ssl/cert.pem',
      npm_config_registry: 'https://npm.corp.example/',
      npm_config_cafile: '/etc/ssl/corp-ca.pem',
    });
  });
});
