import { COMMANDS, commandForWord, getCommand, helpText, usage } from '../../src/commands/registry';

describe('command registry', () => {
  it('describes every comment command once', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual([
      'ask',
      'cost',
      'fix',
      'help',
      'new',
      'review',
      'stop',
    ]);
  });

  it.each([
    ['ask', 'task', true, false],
    ['review', 'read-only', true, false],
    ['fix', 'edit', true, false],
    ['new', 'task', true, true],
    ['stop', 'none', false, false],
    ['cost', 'none', false, false],
    ['help', 'none', false, false],
  ] as const)('%s: profile %s, runsAgent %s, fresh %s', (name, profile, runsAgent, fresh) => {
    const c = getCommand(name);
    expect(c.profile).toBe(profile);
    expect(c.runsAgent).toBe(runsAgent);
    expect(c.freshSession).toBe(fresh);
  });

  it('finds commands by word, case-insensitively; ask has no word', () => {
    expect(commandForWord('FIX')?.name).toBe('fix');
    expect(commandForWord('ask')).toBeUndefined();
    expect(commandForWord('')).toBeUndefined();
  });

  it('renders usage with the phrase', () => {
    expect(usage(getCommand('review'), '/claude')).toBe('/claude review [focus]');
    expect(usage(getCommand('ask'), '@bot')).toBe('@bot <text>');
    expect(usage(getCommand('stop'), '/claude')).toBe('/claude stop');
  });

  it('renders a markdown table for help', () => {
    const text = helpText('/claude');
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(COMMANDS.length);
    expect(text).toContain('| command | what it does |');
    expect(text).toContain('`/claude fix <text>`');
    expect(text).toContain('`/claude help`');
  });

  it('escapes table pipes in a custom phrase', () => {
    expect(helpText('a|b')).toContain('a\\|b review');
  });
});
