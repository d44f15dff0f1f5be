import type { CommandName } from '../../src/request/types';
import { COMMANDS } from '../../src/commands/registry';
import { profileTools, resolveProfile, type Profile, type ToolPolicy } from '../../src/policy/profile';
import { summarizeInput } from '../../src/policy/audit';

describe('resolveProfile', () => {
  type Row = [ToolPolicy, string, CommandName, 'pull_request' | 'issue' | 'repository', Profile];
  const rows: Row[] = [
    // auto: questions and reviews read, fixes edit.
    ['auto', 'issue_comment', 'ask', 'pull_request', 'read-only'],
    ['auto', 'issue_comment', 'review', 'pull_request', 'read-only'],
    ['auto', 'issue_comment', 'new', 'pull_request', 'read-only'],
    ['auto', 'pull_request', 'review', 'pull_request', 'read-only'],
    ['auto', 'pull_request_review_comment', 'fix', 'pull_request', 'edit'],
    ['auto', 'workflow_dispatch', 'fix', 'pull_request', 'edit'],
    ['auto', 'workflow_dispatch', 'ask', 'issue', 'read-only'],
    // A question in an issue's comments is not a task; the issue itself asking is.
    ['auto', 'issue_comment', 'ask', 'issue', 'read-only'],
    ['auto', 'issue_comment', 'new', 'issue', 'read-only'],
    ['auto', 'issues', 'ask', 'issue', 'edit'],
    ['auto', 'issues', 'new', 'issue', 'edit'],
    ['auto', 'issues', 'fix', 'issue', 'edit'],
    ['auto', 'issues', 'review', 'issue', 'read-only'],
    // Direct replies never run the agent; if asked, the answer is the narrow one.
    ['auto', 'issues', 'help', 'issue', 'read-only'],
    ['auto', 'issue_comment', 'stop', 'pull_request', 'read-only'],
    // Automation runs (no PR or issue) are read-only unless tool_policy says edit.
    ['auto', 'push', 'ask', 'repository', 'read-only'],
    ['edit', 'push', 'ask', 'repository', 'edit'],
    // An explicit tool_policy wins over the command.
    ['read-only', 'issue_comment', 'fix', 'pull_request', 'read-only'],
    ['read-only', 'issues', 'ask', 'issue', 'read-only'],
    ['edit', 'issue_comment', 'review', 'pull_request', 'edit'],
  ];
  it.each(rows)('%s: %s %s on a %s → %s', (policy, eventName, command, kind, expected) => {
    const req = { eventName, command: { name: command, text: '' }, target: { kind, number: 1 } };
    expect(resolveProfile(policy, req)).toBe(expected);
  });

  it('reads the registry entry: every command has a profile the rule knows', () => {
    for (const c of COMMANDS) {
      const req = {
        eventName: 'issue_comment',
        command: { name: c.name, text: '' },
        target: { kind: 'pull_request' as const, number: 1 },
      };
      expect(resolveProfile('auto', req)).toBe(c.profile === 'edit' ? 'edit' : 'read-only');
    }
  });
});

describe('profileTools', () => {
  const relayTools = { read: ['get_diff'], write: ['commit_and_push'] };
  it('read-only: readers, harmless tools and relay read tools', () => {
    const t = profileTools('read-only', { relayTools, allowedBash: ['npm test'] });
    expect(t).toEqual(expect.arrayContaining(['Read', 'Grep', 'Glob', 'TodoWrite', 'mcp__relay__get_diff']));
    expect(t).not.toContain('Edit');
    expect(t).not.toContain('Bash');
    expect(t).not.toContain('mcp__relay__commit_and_push');
    expect(t).not.toContain('WebFetch');
  });
  it('edit: adds editors, relay write tools and Bash when allowed_bash is set', () => {
    expect(profileTools('edit', { relayTools, allowedBash: ['npm test'] })).toEqual(
      expect.arrayContaining([
        'Edit',
        'Write',
        'MultiEdit',
        'NotebookEdit',
        'Bash',
        'mcp__relay__commit_and_push',
      ]),
    );
    expect(profileTools('edit', { relayTools })).not.toContain('Bash');
  });
  it('allowed_tools adds named tools', () => {
    expect(profileTools('read-only', { allowedTools: ['WebFetch(domain:x.com)', 'Task'] })).toEqual(
      expect.arrayContaining(['WebFetch', 'Task']),
    );
  });
});

describe('summarizeInput', () => {
  it.each([
    ['Read', { file_path: '/ws/src/a.ts' }, '/ws/src/a.ts'],
    ['NotebookEdit', { notebook_path: 'n.ipynb' }, 'n.ipynb'],
    ['Glob', { pattern: '**/*.ts', path: 'src' }, '**/*.ts in src'],
    ['Grep', { pattern: 'TODO', glob: '*.ts' }, 'TODO (*.ts)'],
    ['Bash', { command: 'npm test\ncurl x' }, 'npm test ⏎ curl x'],
    ['WebFetch', { url: 'https://x.com' }, 'https://x.com'],
    ['TodoWrite', { todos: [{}, {}] }, '2 todos'],
    ['mcp__relay__x', { a: 1, b: 'two' }, 'a=1 b=two'],
  ])('%s', (tool, input, expected) => {
    expect(summarizeInput(tool, input)).toBe(expected);
  });
  it('truncates long commands to 80 characters on one line', () => {
    const s = summarizeInput('Bash', { command: `npm test ${'x'.repeat(200)}` });
    expect(s.length).toBe(80);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toMatch(/\n/);
  });
});
