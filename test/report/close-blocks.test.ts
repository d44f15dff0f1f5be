/**
 * The agent's answer cannot swallow the relay's footer: a fence, HTML comment or <pre> block left
 * open at its end is closed (as CommonMark reads it), and anything else is left as it is.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { closeOpenBlocks } from '../../src/report/close-blocks';

/** The block types of `text` followed by a footer line, as GitHub's CommonMark parser sees them. */
function blocksWithFooter(text: string): string[] {
  return fromMarkdown(`${closeOpenBlocks(text)}\n\nFOOTER $0.01`).children.map((n) => n.type);
}

it.each([
  ['a backtick fence', 'Fix:\n```ts\nconst a = 1;'],
  ['a tilde fence', 'Fix:\n~~~\nconst a = 1;'],
  ['a longer fence that a shorter one would not close', 'Fix:\n`````\n```\nstill code'],
  ['an HTML comment', 'Done.\n<!-- hidden'],
  ['a <pre> block', 'Log:\n<pre>\nline'],
])('closes %s left open at the end', (_what, text) => {
  expect(blocksWithFooter(text).at(-1)).toBe('paragraph');
  expect(closeOpenBlocks(text).startsWith(text)).toBe(true);
});

it.each([
  ['plain text', 'Looks good.'],
  ['a closed fence', 'Fix:\n```ts\nconst a = 1;\n```'],
  ['inline code with backticks', 'Use ```` `x` ```` here.'],
  ['a closed comment', 'Done. <!-- note -->'],
])('leaves %s unchanged', (_what, text) => {
  expect(closeOpenBlocks(text)).toBe(text);
});
