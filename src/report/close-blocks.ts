/**
 * The agent's answer comes first in the relay's comment, then the relay's own footer (cost, run
 * link) and its hidden record. An answer that ends inside a code fence or an HTML comment or
 * `<pre>` block would swallow that footer (shown as code, or hidden). The answer's open blocks are
 * closed before the footer is added. Whether text ends inside a block is the CommonMark parser's
 * call: a probe line is appended and the parser says whether it landed in one.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';

const PROBE = 'claude-relay-open-block-probe';

export function closeOpenBlocks(markdown: string): string {
  const tree = fromMarkdown(`${markdown}\n\n${PROBE}`);
  const last = tree.children.at(-1);
  if (!last || (last.type === 'paragraph' && last.position?.start.column === 1)) return markdown;
  if (last.type === 'code' && last.value.endsWith(PROBE)) {
    // Closed by the same fence it opened with (a longer or different fence would not close it).
    const start = last.position?.start.offset ?? 0;
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(markdown.slice(start))?.[1] ?? '```';
    return `${markdown}\n${opener}`;
  }
  if (last.type === 'html' && last.value.endsWith(PROBE)) {
    const open = /<(pre|script|style|textarea)\b/i.exec(last.value);
    return `${markdown}\n${open ? `</${open[1]!.toLowerCase()}>` : '-->'}`;
  }
  return markdown;
}
