/**
 * Configurable triggers through dist/index.js with the real CLI: `label_trigger`,
 * `assignee_trigger`, `branch_prefix` (the issue branch pushed to a local bare remote) and
 * `custom_instructions` (in the system prompt the CLI sends), and input errors that name the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assistantTurns, isMainLoop, type MessagesRequest, type Turn } from '../support/fake-anthropic';
import { git, writeFiles } from '../support/git';
import { issueEvent, prOpened } from '../support/payloads';
import { seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

const systemText = (req: MessagesRequest) =>
  typeof req.system === 'string' ? req.system : (req.system ?? []).map((b) => b.text).join('\n');

function issue(n: number) {
  sc.github.state.addIssue({
    number: n,
    title: 'Answer should be 42',
    body: 'Please fix.',
    user: 'Codertocat',
  });
}

it('label_trigger: only the configured label starts an issue task', async () => {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'on it' } : { text: 't' }));
  issue(5);
  const labeled = (name: string) =>
    issueEvent('labeled', { issue: { number: 5, title: 'Answer should be 42' }, label: { name } });
  const inputs = { label_trigger: 'ai: fix me' };

  const other = await sc.run({ eventName: 'issues', payload: labeled('claude'), inputs });
  expect(other.outputs.conclusion).toBe('skipped');
  expect(other.log).toContain('label "claude" is not the ai: fix me label');
  expect(sc.model.requests).toHaveLength(0);

  const ours = await sc.run({ eventName: 'issues', payload: labeled('AI: Fix me'), inputs });
  expect(ours.exitCode).toBe(0);
  expect(ours.outputs.conclusion).toBe('success');
  expect(sc.model.mainRequests().length).toBeGreaterThan(0);
});

it('assignee_trigger: assigning one of the listed logins starts a task, the default name no longer does', async () => {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'assigned' } : { text: 't' }));
  issue(6);
  const assigned = (login: string) =>
    issueEvent('assigned', { issue: { number: 6, title: 'Answer should be 42' }, assignee: { login } });
  const inputs = { assignee_trigger: '@relay-bot, helper' };

  const dflt = await sc.run({ eventName: 'issues', payload: assigned('claude'), inputs });
  expect(dflt.outputs.conclusion).toBe('skipped');
  expect(dflt.log).toContain('issue assigned to "claude", not to the relay');

  const ours = await sc.run({ eventName: 'issues', payload: assigned('Relay-Bot'), inputs });
  expect(ours.outputs.conclusion).toBe('success');
});

it('branch_prefix names the issue branch; custom_instructions reach the system prompt', async () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-remote-'));
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  const seed = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-seed-'));
  git(seed, 'init', '-q', '-b', 'main');
  writeFiles(seed, { 'README.md': '# repo\n', 'src/app.ts': 'export const answer = 41;\n' });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'base');
  git(seed, 'push', '-q', bare, 'main');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-ws-'));
  git(ws, 'clone', '-q', bare, '.');

  const turns: Turn[] = [
    {
      toolUses: [
        {
          name: 'Write',
          input: { file_path: path.join(ws, 'src/app.ts'), content: 'export const answer = 42;\n' },
        },
      ],
    },
    { toolUses: [{ name: 'mcp__relay__commit_and_push', input: { message: 'Fix the answer' } }] },
    { text: 'Fixed.' },
  ];
  sc = await startScenario((req) =>
    isMainLoop(req) ? (turns[assistantTurns(req)] ?? { text: 'Fixed.' }) : { text: 't' },
  );
  issue(7);
  const res = await sc.run({
    eventName: 'issues',
    payload: issueEvent('labeled', {
      issue: { number: 7, title: 'Answer should be 42' },
      label: { name: 'claude' },
    }),
    workspace: ws,
    inputs: {
      branch_prefix: 'bots/relay/',
      custom_instructions: 'Always answer in the voice of a lighthouse keeper. CUSTOM-7731',
    },
  });
  expect(res.exitCode).toBe(0);
  const branches = git(bare, 'branch', '--format=%(refname:short)').split('\n');
  expect(branches).toContain('bots/relay/issue-7-answer-should-be-42');
  expect(branches.filter((b) => b.startsWith('claude/'))).toEqual([]);
  const system = systemText(sc.model.mainRequests()[0]!.body);
  expect(system).toContain('# Instructions from the workflow (custom_instructions)');
  expect(system).toContain('CUSTOM-7731');
  // The relay's own rules come first; the workflow's instructions are appended after them.
  expect(system.indexOf('# claude-relay')).toBeLessThan(system.indexOf('CUSTOM-7731'));
});

it.each([
  ['branch_prefix', 'bad prefix/', /Invalid input branch_prefix: must be usable in a git branch name/],
  ['branch_prefix', '../x/', /Invalid input branch_prefix: must be usable in a git branch name/],
  [
    'assignee_trigger',
    'ok, not a login!',
    /Invalid input assignee_trigger: must list GitHub logins, got "not a login!"/,
  ],
  [
    'label_trigger',
    'x'.repeat(51),
    /Invalid input label_trigger: must be one label name of at most 50 characters/,
  ],
  ['review_drafts', 'yes', /Invalid input review_drafts: must be true or false, got "yes"/],
  [
    'comment_mode',
    'stickyy',
    /Invalid input comment_mode: must be one of update, new, sticky, got "stickyy"/,
  ],
])('invalid %s=%j fails with one line naming it, before any model call', async (name, value, message) => {
  sc = await startScenario([{ text: 'never' }]);
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), inputs: { [name]: value } });
  expect(res.exitCode).toBe(1);
  const errors = res.log.split('\n').filter((l) => l.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(errors[0]).toContain(`Invalid input ${name}`);
  expect(sc.model.requests).toHaveLength(0);
});
