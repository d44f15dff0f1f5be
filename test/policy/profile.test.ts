import type { CommandName, TriggerKind } from '../../src/request/types';
import { profileTools, resolveProfile, type Profile, type ToolPolicy } from '../../src/policy/profile';
import { summarizeInput } from '../../src/policy/audit';

describe('resolveProfile', () => {
  const rows: [ToolPolicy, CommandName, TriggerKind, 'pull_request' | 'issue' | undefined, Profile][] = [
    ['auto', 'ask', 'comment', 'pull_request', 'read-only'],
    ['auto', 'review', 'comment', 'pull_request', 'read-only'],
    ['auto', 'new', 'comment', 'pull_request', 'read-only'],
    ['auto', 'review', 'event', 'pull_request', 'read-only'],
    ['auto', 'ask', 'event', 'pull_request', 'read-only'],
    ['auto', 'fix', 'comment', 'pull_request', 'edit'],
    ['auto', 'fix', 'dispatch', undefined, 'edit'],
    ['auto', 'ask', 'event', 'issue', 'edit'],
    ['auto', 'ask', 'label', 'issue', 'edit'],
    ['auto', 'ask', 'assignee', 'issue', 'edit'],
    ['auto', 'ask', 'label', undefined, 'edit'],
    ['auto', 'ask', 'comment', 'issue', 'read-only'],
    ['auto', 'ask', 'label', 'pull_request', 'read-only'],
    ['read-only', 'fix', 'comment', 'pull_request', 'read-only'],
    ['edit', 'review', 'comment', 'pull_request', 'edit'],
  ];
  it.each(rows)('%s %s via %s on %s → %s', (policy, command, trigger, target, expected) => {
    expect(resolveProfile(policy, command, trigger, target)).toBe(expected);
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
