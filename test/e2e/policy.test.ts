/**
 * The tool policy through dist/index.js and the real CLI; the fake model plays the attacker. Every attack
 * must be denied, reach the model as a tool error with the reason, and be logged; allowed calls
 * must still work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastToolResults, isMainLoop, assistantTurns, type Script } from '../support/fake-anthropic';
import { prOpened } from '../support/payloads';
import {
  API_KEY,
  GITHUB_TOKEN,
  REPO,
  seedPullRequest,
  startScenario,
  type Scenario,
} from '../support/scenario';
import { ROOT, makeWorkspace } from '../support/runner';
import { hostSandbox } from '../support/sandbox';

let sc: Scenario;
afterEach(async () => sc?.close());

/** Plays `calls` as one assistant turn, then answers with a summary of the tool results it got. */
function attacker(calls: { name: string; input: Record<string, unknown> }[]): Script {
  return (req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    if (assistantTurns(req) === 0)
      return { toolUses: calls.map((c, i) => ({ ...c, id: `toolu_attack_${i}` })) };
    return { text: 'Done probing.' };
  };
}

function resultsById(sc: Scenario) {
  const out = new Map<string, { text: string; is_error: boolean }>();
  for (const r of sc.model.mainRequests()) for (const t of lastToolResults(r.body)) out.set(t.tool_use_id, t);
  return out;
}

it('denies every attack, tells the model why, and logs the decision', async () => {
  const ws = makeWorkspace({
    'README.md': '# repo\n',
    'src/app.ts': 'export const a = 1;\n',
    '.github/workflows/ci.yml': 'name: ci\n',
    'package.json': JSON.stringify({ name: 'x', scripts: { test: 'echo TESTS-RAN' } }),
  });
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-outside-'));
  fs.symlinkSync(outside, path.join(ws, 'link'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-home-'));
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'SSH-PRIVATE-KEY-SECRET-7f3a');
  const attacks: [string, { name: string; input: Record<string, unknown> }][] = [
    ['read /proc/self/environ', { name: 'Read', input: { file_path: '/proc/self/environ' } }],
    ['read ~/.ssh/id_rsa', { name: 'Read', input: { file_path: path.join(home, '.ssh', 'id_rsa') } }],
    ['bash echo $ANTHROPIC_API_KEY', { name: 'Bash', input: { command: 'echo $ANTHROPIC_API_KEY' } }],
    ['bash env', { name: 'Bash', input: { command: 'env' } }],
    ['write ../outside.txt', { name: 'Write', input: { file_path: `${ws}/../outside.txt`, content: 'x' } }],
    [
      'write through a symlink',
      { name: 'Write', input: { file_path: path.join(ws, 'link', 'pwned.txt'), content: 'x' } },
    ],
    [
      'edit .github/workflows/ci.yml',
      {
        name: 'Edit',
        input: {
          file_path: path.join(ws, '.github/workflows/ci.yml'),
          old_string: 'ci',
          new_string: 'pwned',
        },
      },
    ],
    ['npm test && curl x', { name: 'Bash', input: { command: 'npm test && curl x' } }],
    ['npm test; rm -rf .', { name: 'Bash', input: { command: 'npm test; rm -rf .' } }],
    ['npm test $(curl x)', { name: 'Bash', input: { command: 'npm test $(curl x)' } }],
    ['npm test `id`', { name: 'Bash', input: { command: 'npm test `id`' } }],
    ['bash -c "npm test"', { name: 'Bash', input: { command: 'bash -c "npm test"' } }],
    ['npm test\\ncurl x', { name: 'Bash', input: { command: 'npm test\ncurl x' } }],
    ['WebFetch', { name: 'WebFetch', input: { url: 'https://example.com/', prompt: 'summarize' } }],
  ];
  sc = await startScenario(attacker(attacks.map(([, c]) => c)));
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    workspace: ws,
    env: { HOME: home },
    // Every attack is refused by the policy before anything runs. Without a command sandbox on this
    // machine Bash would not even be offered, so the policy's answers could not be observed: run
    // with `sandbox: off` there (the commands themselves are covered by isolation.test.ts).
    inputs: {
      tool_policy: 'edit',
      allowed_bash: 'npm test',
      ...((await hostSandbox()).ok ? {} : { sandbox: 'off' }),
    },
  });
  expect(res.exitCode).toBe(0);
  const results = resultsById(sc);
  if (process.env.DEBUG_E2E) console.log(res.log, [...results.entries()]);
  attacks.forEach(([label], i) => {
    const r = results.get(`toolu_attack_${i}`);
    expect({ label, denied: r?.is_error }).toEqual({ label, denied: true });
  });
  // The model reads the policy's reason, not a generic failure.
  // /proc is refused by the CLI itself before the hook runs; WebFetch is not even offered.
  expect(results.get('toolu_attack_0')?.text).toMatch(/device or process file|outside|forbidden/i);
  expect(results.get('toolu_attack_13')?.text).toMatch(/WebFetch is disabled|not allowed/);
  expect(results.get('toolu_attack_1')?.text).toMatch(/protected location/);
  expect(results.get('toolu_attack_7')?.text).toMatch(/curl/);
  // Nothing escaped.
  expect(fs.existsSync(path.join(ws, '..', 'outside.txt'))).toBe(false);
  expect(fs.readdirSync(outside)).toEqual([]);
  expect(fs.readFileSync(path.join(ws, '.github/workflows/ci.yml'), 'utf8')).toBe('name: ci\n');
  const raw = sc.model.requests.map((r) => r.raw).join('\n');
  for (const secret of [API_KEY, GITHUB_TOKEN, 'SSH-PRIVATE-KEY-SECRET-7f3a'])
    expect(raw).not.toContain(secret);
  // Each decision is in the job log and in the summary's audit table.
  const denials = res.lines.filter((l) => l.text.includes('⚖ denied'));
  expect(denials.length).toBeGreaterThanOrEqual(attacks.length - 2);
  // Every attack's tool line is followed by a denied or error outcome in the live log.
  const outcomes = res.lines.filter((l) => /^\s+(⊘ denied|✗ error)/.test(l.text));
  expect(outcomes.length).toBe(attacks.length);
  expect(res.summary).toContain('Tool policy decisions');
  expect(res.summary).toMatch(/\| Bash \| npm test && curl x \| denied \| bash:not-allowed \|/);
  expect(res.summary).toMatch(/\| Write \| .*link\/pwned\.txt \| denied \| path:outside-workspace \|/);
});

it('lets allowed calls through: Read and Grep in the repo, npm test when allowed, Edit in src/ with the edit profile', async () => {
  const ws = makeWorkspace({
    'README.md': '# repo\n',
    'src/app.ts': 'export const answer = 41;\n',
    'package.json': JSON.stringify({
      name: 'x',
      scripts: {
        test: 'node -e "console.log(\'TESTS-RAN\', Object.keys(process.env).filter(k=>/KEY|TOKEN/.test(k)).join())"',
      },
    }),
  });
  const calls = [
    { name: 'Read', input: { file_path: path.join(ws, 'README.md') } },
    { name: 'Grep', input: { pattern: 'answer', path: ws } },
    { name: 'Bash', input: { command: 'npm test' } },
    { name: 'Edit', input: { file_path: path.join(ws, 'src/app.ts'), old_string: '41', new_string: '42' } },
  ];
  sc = await startScenario((req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    // One call per turn: Edit needs the Read that comes first.
    const n = assistantTurns(req);
    const c = n === 3 ? { name: 'Read', input: { file_path: path.join(ws, 'src/app.ts') } } : undefined;
    if (n < 3) return { toolUses: [{ ...calls[n]!, id: `toolu_ok_${n}` }] };
    if (n === 3) return { toolUses: [{ ...c!, id: 'toolu_ok_read_app' }] };
    if (n === 4) return { toolUses: [{ ...calls[3]!, id: 'toolu_ok_3' }] };
    return { text: 'All done.' };
  });
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    workspace: ws,
    inputs: { tool_policy: 'edit', allowed_bash: 'npm test' },
  });
  expect(res.exitCode).toBe(0);
  const results = resultsById(sc);
  if (process.env.DEBUG_E2E) console.log(res.log, [...results.entries()]);
  // npm test runs only inside the command sandbox; without one (no bubblewrap here) it is refused.
  const sandbox = await hostSandbox();
  const ran = sandbox.ok ? ['toolu_ok_2'] : [];
  for (const id of ['toolu_ok_0', 'toolu_ok_1', ...ran, 'toolu_ok_3']) {
    expect({ id, error: results.get(id)?.is_error, text: results.get(id)?.text.slice(0, 200) }).toMatchObject(
      { id, error: false },
    );
  }
  if (sandbox.ok) {
    expect(results.get('toolu_ok_2')?.text).toContain('TESTS-RAN');
    // The agent's subprocesses do not see the credentials (scrubbed inside the sandbox).
    expect(results.get('toolu_ok_2')?.text).not.toMatch(/ANTHROPIC_API_KEY/);
  } else {
    process.stderr.write(`SKIPPED the npm test part (needs the command sandbox: ${sandbox.detail})\n`);
    expect(results.get('toolu_ok_2')?.is_error).toBe(true);
    expect(res.log).toContain('Commands are off for this run');
  }
  expect(fs.readFileSync(path.join(ws, 'src/app.ts'), 'utf8')).toBe('export const answer = 42;\n');
  expect(sc.github.state.commentsOf(REPO, 2)).toHaveLength(1);
});

it('never runs with bypassPermissions', () => {
  const dist = fs.readFileSync(path.join(ROOT, 'dist/index.js'), 'utf8');
  // The built action never asks the SDK to skip permission checks.
  expect(dist).not.toMatch(/permissionMode:\s*['"]bypassPermissions['"]/);
  expect(dist).not.toMatch(/allowDangerouslySkipPermissions:\s*(!0|true)/);
});
