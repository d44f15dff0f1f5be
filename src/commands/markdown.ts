/**
 * Where a comment's Markdown lets a trigger phrase count, read with the CommonMark + GFM parser
 * GitHub's renderer follows (micromark via mdast-util-from-markdown), not a line scanner.
 *
 * A phrase counts only where it opens a source line of a top-level paragraph, as plain text
 * (a direct text child of the paragraph), and outside any HTML element still open at that point.
 * So these never trigger: block quotes (including their lazy continuation lines), fenced and
 * indented code, inline code spans, HTML blocks and comments, headings, tables, footnote
 * definitions, list items (and lines that lazily continue one), link text and emphasis.
 *
 * HTML elements: text between an opening tag and its closing tag — `<blockquote>`, `<pre>`,
 * `<details>` bodies included — does not trigger, even when CommonMark ends the HTML block at a
 * blank line and parses the inside as a paragraph. A quoted or collapsed command is either
 * someone else's words or hidden from the thread's readers; a command should be visible and the
 * commenter's own. Void elements (`<br>`, `<img>` …) open nothing.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Html, Paragraph, Root } from 'mdast';

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** Every inline construct but raw HTML switched off: used to find the tags in an HTML block. */
const ONLY_HTML_TAGS = {
  disable: {
    null: [
      'attention',
      'autolink',
      'characterEscape',
      'characterReference',
      'codeText',
      'hardBreakEscape',
      'labelEnd',
      'labelStartImage',
      'labelStartLink',
    ],
  },
};

interface Span {
  start: number;
  end: number;
}

function span(node: {
  position?: { start: { offset?: number }; end: { offset?: number } };
}): Span | undefined {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return start === undefined || end === undefined ? undefined : { start, end };
}

/** The element stack as tags are seen in document order. */
class OpenElements {
  private readonly stack: string[] = [];

  get empty(): boolean {
    return this.stack.length === 0;
  }

  /** One tag as micromark tokenised it (`<x …>`, `</x>`, `<x/>`; comments and the like ignored). */
  tag(raw: string): void {
    const m = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(raw);
    if (!m) return;
    const name = (m[2] ?? '').toLowerCase();
    if (m[1] === '/') {
      const at = this.stack.lastIndexOf(name);
      if (at >= 0) this.stack.length = at;
      return;
    }
    if (VOID_ELEMENTS.has(name) || /\/>$/.test(raw)) return;
    this.stack.push(name);
  }

  /**
   * The tags of an HTML block. Its text is re-read with only micromark's raw-HTML tokenizer on,
   * each line prefixed so that none starts a block of its own: the tag grammar stays CommonMark's.
   */
  block(value: string): void {
    if (!value.includes('<')) return;
    const inline = value
      .split('\n')
      .map((line) => `x${line}`)
      .join('\n');
    const tree = fromMarkdown(inline, { extensions: [ONLY_HTML_TAGS] });
    for (const node of tree.children) {
      if (node.type !== 'paragraph') continue;
      for (const child of node.children) if (child.type === 'html') this.tag(child.value);
    }
  }
}

/** Offsets where each source line of `[start, end)` begins. */
function lineStarts(source: string, start: number, end: number): number[] {
  const starts = [start];
  for (let i = source.indexOf('\n', start); i >= 0 && i + 1 < end; i = source.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  return starts;
}

function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/** `phrase` (lower-case) at `at` in `source`, as a whole word. */
function phraseAt(source: string, at: number, phrase: string): boolean {
  if (source.slice(at, at + phrase.length).toLowerCase() !== phrase) return false;
  const next = source[at + phrase.length];
  return next === undefined || /\s/.test(next);
}

/** The offset of the phrase in `para`, if one opens a line as plain text before any open element. */
function inParagraph(
  source: string,
  para: Paragraph,
  phrase: string,
  open: OpenElements,
): number | undefined {
  const at = span(para);
  if (!at) return undefined;
  const texts: Span[] = [];
  const htmlAt: Array<{ start: number; node: Html }> = [];
  for (const child of para.children) {
    const s = span(child);
    if (!s) continue;
    if (child.type === 'text') texts.push(s);
    else if (child.type === 'html') htmlAt.push({ start: s.start, node: child });
  }
  let nextHtml = 0;
  for (const lineStart of lineStarts(source, at.start, at.end)) {
    let first = lineStart;
    while (isBlank(source[first])) first += 1;
    // Tags earlier in the paragraph open or close elements before this line.
    while (nextHtml < htmlAt.length && (htmlAt[nextHtml]?.start ?? Infinity) < first) {
      open.tag(htmlAt[nextHtml]?.node.value ?? '');
      nextHtml += 1;
    }
    if (!open.empty || !phraseAt(source, first, phrase)) continue;
    const end = first + phrase.length;
    if (texts.some((t) => t.start <= first && end <= t.end)) return first;
  }
  for (; nextHtml < htmlAt.length; nextHtml++) open.tag(htmlAt[nextHtml]?.node.value ?? '');
  return undefined;
}

/** Parse `source` (LF line endings) as GitHub-flavoured Markdown. */
export function parseMarkdown(source: string): Root {
  return fromMarkdown(source, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

/** Offsets of lines that open with the phrase after blanks: the only places a trigger can be. */
function candidateLines(source: string, phrase: string): number[] {
  const found: number[] = [];
  for (let line = 0; line < source.length;) {
    let first = line;
    while (isBlank(source[first])) first += 1;
    if (phraseAt(source, first, phrase)) found.push(first);
    const nl = source.indexOf('\n', first);
    if (nl < 0) break;
    line = nl + 1;
  }
  return found;
}

/** The start of the first blank line at or after `from`, or the end of `source`. */
function blankLineAfter(source: string, from: number): number {
  const re = /\n[ \t]*(?=\n|$)/g;
  re.lastIndex = from;
  const m = re.exec(source);
  return m ? m.index + 1 : source.length;
}

/** The first phrase that counts in the parsed `prefix` of the source, if any. */
function firstInTree(source: string, tree: Root, phrase: string): number | undefined {
  const open = new OpenElements();
  for (const node of tree.children) {
    if (node.type === 'html') open.block(node.value);
    else if (node.type === 'paragraph') {
      const found = inParagraph(source, node, phrase, open);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The offset of the first phrase that counts (see the file comment), or undefined. `source` must
 * use LF line endings; `phrase` is matched case-insensitively.
 *
 * Parsing is the cost (micromark reads a 65 kB comment in a few hundred milliseconds), so only
 * bodies with a line opening with the phrase are parsed, and only a prefix of them: up to the
 * blank line after the first candidate, then a prefix at least twice as long while candidates
 * remain (linear overall). A blank line ends every open paragraph, so what precedes it parses the
 * same in the prefix as in the whole body — except that a link reference definition further down
 * could turn bracketed text into a link; then the commenter's own comment triggers, harmlessly.
 */
export function firstTriggerOffset(source: string, phrase: string): number | undefined {
  const wanted = phrase.toLowerCase();
  if (wanted === '') return undefined;
  const candidates = candidateLines(source, wanted);
  let parsed = 0;
  for (const candidate of candidates) {
    if (candidate < parsed) continue;
    parsed = blankLineAfter(source, Math.max(candidate, 2 * parsed));
    const prefix = source.slice(0, parsed);
    const found = firstInTree(prefix, parseMarkdown(prefix), wanted);
    if (found !== undefined) return found;
  }
  return undefined;
}
