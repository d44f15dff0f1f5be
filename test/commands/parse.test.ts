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
    ['HTML comment inside a paragraph', 'text <!--\n/claude fix -->', undefined],
    ['empty phrase body', '', undefined],
    // Block quotes, including lines that continue one lazily (no `>` of their own).
    ['lazy continuation of a quote', '> I said\n/claude fix it', undefined],
    ['lazy continuation after a quoted trigger', '> /claude review\n/claude fix', undefined],
    ['nested quote', '> > /claude fix', undefined],
    // HTML blocks and the elements they open, even when a blank line ends the block.
    ['one-line <blockquote>', '<blockquote>/claude fix</blockquote>', undefined],
    ['<blockquote> with a blank line inside', '<blockquote>\n\n/claude fix\n\n</blockquote>', undefined],
    ['<pre>', '<pre>\n/claude fix\n</pre>', undefined],
    ['<pre> with a blank line inside', '<pre>\n\n/claude fix\n\n</pre>', undefined],
    ['<details> body', '<details>\n<summary>more</summary>\n\n/claude fix\n\n</details>', undefined],
    ['<DETAILS> in capitals', '<DETAILS>\n\n/claude fix\n\n</Details>', undefined],
    ['unclosed <div>', '<div>\n\n/claude fix', undefined],
    ['inline element across lines', 'see <kbd>\n/claude fix</kbd>', undefined],
    ['<script> (filtered by GitHub, still no trigger)', '<script>\n\n/claude fix', undefined],
    // Other blocks that are not top-level paragraphs.
    ['table cell', '| a |\n|---|\n| /claude fix |', undefined],
    ['footnote definition', 'x[^1]\n\n[^1]: /claude fix', undefined],
    ['lazy continuation of a list item', '- one\n/claude fix', undefined],
    ['ordered list item', '1. /claude fix', undefined],
    ['task list item', '- [ ] /claude fix', undefined],
    ['ATX heading', '# /claude fix', undefined],
    ['setext heading', '/claude fix\n---', undefined],
    ['emphasis across lines', '*note\n/claude fix*', undefined],
    ['link text across lines', '[see\n/claude fix](https://example.com)', undefined],
    ['escaped slash', '\\/claude fix', undefined],
    ['character reference', '&#47;claude fix', undefined],
    ['non-breaking space then phrase', '\u00a0/claude fix', undefined],
    // Still triggers.
    ['continuation line of a paragraph', 'hello\n  /claude fix it\nmore', { name: 'fix', text: 'it\nmore' }],
    ['indented line continuing a paragraph', 'text\n    /claude fix', { name: 'fix', text: '' }],
    ['after a <br>', 'line<br>\n/claude fix', { name: 'fix', text: '' }],
    ['after a void element block', '<img src="x.png">\n\n/claude fix', { name: 'fix', text: '' }],
    [
      'after a closed <details>',
      '<details>\n\n/claude no\n\n</details>\n\n/claude review',
      { name: 'review', text: '' },
    ],
    ['after a quote and a blank line', '> /claude no\n\n/claude fix', { name: 'fix', text: '' }],
    ['non-breaking space after the phrase', '/claude\u00a0fix it', { name: 'fix', text: 'it' }],
    ['phrase then inline code', '/claude fix `a()`', { name: 'fix', text: '`a()`' }],
  ];
  it.each(cases)('%s', (_name, body, expected) => {
    expect(findTrigger(body, P)).toEqual(expected);
  });

  it('uses the first triggering line', () => {
    expect(findTrigger('> /claude fix a\n\n/claude review b\n/claude fix c', P)).toEqual({
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

  it('reads hostile 65k-character bodies correctly', () => {
    expect(findTrigger('`' + '\n/claude x'.repeat(6500) + '\n`', P)).toBeUndefined();
    expect(findTrigger('<!--' + '\n/claude x'.repeat(6500), P)).toBeUndefined();
    expect(findTrigger('/claude,\n'.repeat(8000), P)).toBeUndefined();
    expect(findTrigger('```\n' + '/claude x\n\n'.repeat(5000) + '```\n/claude yes', P)).toEqual({
      name: 'ask',
      text: 'yes',
    });
    expect(findTrigger('`a` ``b\n'.repeat(6000) + '/claude x', P)).toEqual({ name: 'ask', text: 'x' });
  });

  it('takes the request from the source text, quotes and HTML included', () => {
    expect(findTrigger('/claude fix this\n> quoted\n\n<pre>x</pre>\r\nend', P)).toEqual({
      name: 'fix',
      text: 'this\n> quoted\n\n<pre>x</pre>\nend',
    });
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
    // The dispatch input is the text after the phrase, not Markdown to search again.
    ['> quoted\nline', { name: 'ask', text: '> quoted\nline' }],
    ['fix it\n---', { name: 'fix', text: 'it\n---' }],
  ])('%j', (text, expected) => {
    expect(parseCommandText(text)).toEqual(expected);
  });
});
