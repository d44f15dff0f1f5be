import { findTrigger, parseCommandText } from '../../src/commands/parse';
import type { ParsedCommand } from '../../src/request/types';

const P = '/claude';

describe('findTrigger', () => {
  const cases: Array<[string, string, ParsedCommand | undefined]> = [
    ['plain question', '/claude why is this slow?', { name: 'ask', text: 'why is this slow?' }],
    ['phrase alone', '/claude', { name: 'ask', text: '' }],
    ['leading spaces', '  /claude fix the bug', { name: 'fix', text: 'the bug' }],
    ['command is case-insensitive', '/claude REVIEW security', { name: 'review', text: 'security' }],
    ['phrase is case-insensitive', '/Claude help', { name: 'help', text: '' }],
    ['unknown word is plain text', '/claude whatever', { name: 'ask', text: 'whatever' }],
    ['sub-word is plain text', '/claude reviewing this', { name: 'ask', text: 'reviewing this' }],
    ['stop', '/claude stop', { name: 'stop', text: '' }],
    ['cost', '/claude cost', { name: 'cost', text: '' }],
    ['new', '/claude new start over', { name: 'new', text: 'start over' }],
    ['tab after phrase', '/claude\tfix it', { name: 'fix', text: 'it' }],
    [
      'multi-line request',
      'Thanks!\n/claude fix the parser\nso that it handles\n\n- tabs\n- CRLF',
      { name: 'fix', text: 'the parser\nso that it handles\n\n- tabs\n- CRLF' },
    ],
    ['CRLF', 'hi\r\n/claude review perf\r\nand memory\r\n', { name: 'review', text: 'perf\nand memory' }],
    [
      'command word only on the phrase line',
      '/claude\nfix this later',
      { name: 'ask', text: 'fix this later' },
    ],
    ['block quote', '> /claude fix it', undefined],
    ['indented block quote', '  > /claude fix it', undefined],
    ['inline code', 'use `/claude` to start', undefined],
    ['inline code opening a line', '`/claude fix`', undefined],
    ['code span across lines', 'type `foo\n/claude fix\nbar` here', undefined],
    ['not a whole word', '/claudex fix', undefined],
    ['punctuation after phrase', '/claude, fix it', undefined],
    ['colon after phrase', '/claude: fix it', undefined],
    ['not at line start', 'please /claude fix', undefined],
    ['list item', '- /claude fix', undefined],
    ['backtick fence', '```\n/claude fix\n```', undefined],
    ['fence with info string', '```ts title="x"\n/claude fix\n```', undefined],
    ['tilde fence', '~~~\n/claude fix\n~~~', undefined],
    ['indented fence', '- item\n  ```\n  /claude fix\n  ```', undefined],
    ['longer fence not closed by shorter', '````\n```\n/claude fix\n````', undefined],
    ['unclosed fence runs to the end', '```\ncode\n/claude fix', undefined],
    ['indented code block', 'text\n\n    /claude fix', undefined],
    ['HTML comment', '<!-- /claude fix -->', undefined],
    ['multi-line HTML comment', '<!--\n/claude fix\n-->', undefined],
    ['empty phrase body', '', undefined],
  ];
  it.each(cases)('%s', (_name, body, expected) => {
    expect(findTrigger(body, P)).toEqual(expected);
  });

  it('uses the first triggering line', () => {
    expect(findTrigger('> /claude fix a\n/claude review b\n/claude fix c', P)).toEqual({
      name: 'review',
      text: 'b\n/claude fix c',
    });
  });

  it('triggers after a closed fence', () => {
    expect(findTrigger('```\n/claude no\n```\n/claude yes', P)).toEqual({ name: 'ask', text: 'yes' });
  });

  it('triggers after a closed HTML comment', () => {
    expect(findTrigger('<!-- template\n-->\n/claude fix it', P)).toEqual({ name: 'fix', text: 'it' });
  });

  it('keeps code in the request text', () => {
    expect(findTrigger('/claude fix this:\n```js\nx()\n```', P)).toEqual({
      name: 'fix',
      text: 'this:\n```js\nx()\n```',
    });
  });

  it('stays fast on a hostile 65k-character body', () => {
    const bodies = [
      '`' + '\n/claude x'.repeat(6500) + '\n`',
      '<!--' + '\n/claude x'.repeat(6500),
      '/claude,\n'.repeat(8000),
      '`a` ``b\n'.repeat(6000) + '/claude x',
    ];
    const start = Date.now();
    for (const body of bodies) findTrigger(body, P);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(findTrigger(bodies[0] ?? '', P)).toBeUndefined();
  });

  it('honours a custom phrase', () => {
    expect(findTrigger('@bot review', '@bot')).toEqual({ name: 'review', text: '' });
    expect(findTrigger('/claude review', '@bot')).toBeUndefined();
  });
});

describe('parseCommandText', () => {
  it.each([
    ['review focus on x', { name: 'review', text: 'focus on x' }],
    ['why does it fail?', { name: 'ask', text: 'why does it fail?' }],
    ['fix the\nthing', { name: 'fix', text: 'the\nthing' }],
    ['', { name: 'ask', text: '' }],
  ])('%j', (text, expected) => {
    expect(parseCommandText(text, P)).toEqual(expected);
  });
});
