/**
 * Trigger detection and command parsing, shared by the action and the companion.
 *
 * The phrase must open a line (up to three columns of indentation, or more inside a paragraph)
 * that renders as text: not in a block quote, a fenced or indented code block, an inline code span
 * or an HTML comment. It must stand as a whole word: followed by whitespace or the end of the line
 * (`/claude,` and `/claudex` do not trigger). The phrase matches case-insensitively. The rest of
 * that line plus all following lines are the request; the first word on the phrase's line picks the
 * command (case-insensitive), anything else is a plain `ask`.
 *
 * A small line scanner, not a Markdown parser: where it and GitHub's renderer could disagree it
 * errs on the side of not triggering.
 */
import type { ParsedCommand } from '../request/types';
import { commandForWord } from './registry';

interface Fence {
  char: '`' | '~';
  length: number;
}

const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;

/** Columns of leading whitespace (tabs to the next multiple of 4) and its length in characters. */
function indentation(line: string): { columns: number; chars: number } {
  let columns = 0;
  let chars = 0;
  for (const ch of line) {
    if (ch === ' ') columns += 1;
    else if (ch === '\t') columns += 4 - (columns % 4);
    else break;
    chars += 1;
  }
  return { columns, chars };
}

function fenceOpen(text: string): Fence | undefined {
  const m = FENCE_OPEN.exec(text);
  if (!m) return undefined;
  const run = m[1] ?? '';
  const info = m[2] ?? '';
  const char = run[0] === '`' ? '`' : '~';
  // A backtick fence's info string may not contain backticks (it would be inline code).
  if (char === '`' && info.includes('`')) return undefined;
  return { char, length: run.length };
}

function closesFence(text: string, fence: Fence): boolean {
  const t = text.trim();
  if (t.length < fence.length) return false;
  for (const ch of t) if (ch !== fence.char) return false;
  return true;
}

/** Whether we are inside an HTML comment after scanning `line` (starting in state `inComment`). */
function commentStateAfter(line: string, inComment: boolean): boolean {
  let pos = 0;
  let open = inComment;
  for (;;) {
    if (open) {
      const end = line.indexOf('-->', pos);
      if (end < 0) return true;
      pos = end + 3;
      open = false;
    } else {
      const start = line.indexOf('<!--', pos);
      if (start < 0) return false;
      pos = start + 4;
      // `<!-->` and `<!--->` are complete (empty) comments.
      if (line.startsWith('>', pos)) pos += 1;
      else if (line.startsWith('->', pos)) pos += 2;
      else open = true;
    }
  }
}

/** Code spans `[start, end)` in a paragraph's text (CommonMark backtick-run matching). */
export function codeSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c !== '`') {
      i += 1;
      continue;
    }
    let j = i;
    while (text[j] === '`') j += 1;
    const length = j - i;
    let k = j;
    let close = -1;
    while (k < text.length) {
      if (text[k] === '`') {
        let m = k;
        while (text[m] === '`') m += 1;
        if (m - k === length) {
          close = k;
          break;
        }
        k = m;
      } else {
        k += 1;
      }
    }
    if (close >= 0) {
      spans.push([i, close + length]);
      i = close + length;
    } else {
      i = j;
    }
  }
  return spans;
}

/** Code spans of the paragraph starting at `paraStart`, cached: a body may hold many candidates. */
interface Paragraph {
  start: number;
  /** Offset of each line of the paragraph in its joined text. */
  offsets: number[];
  spans: Array<[number, number]>;
}

function paragraphAt(lines: string[], paraStart: number): Paragraph {
  let end = paraStart;
  while (end + 1 < lines.length && (lines[end + 1] ?? '').trim() !== '') end += 1;
  const para = lines.slice(paraStart, end + 1);
  const offsets: number[] = [];
  let offset = 0;
  for (const line of para) {
    offsets.push(offset);
    offset += line.length + 1;
  }
  return { start: paraStart, offsets, spans: codeSpans(para.join('\n')) };
}

/** True when the start of `lines[index]` lies inside a code span opened on an earlier line. */
function insideCodeSpan(para: Paragraph, lines: string[], index: number): boolean {
  const offset = (para.offsets[index - para.start] ?? 0) + indentation(lines[index] ?? '').chars;
  return para.spans.some(([start, end]) => start < offset && offset < end);
}

/** `text` is everything after the phrase; the command word must be on the phrase's own line. */
function parseRequest(sameLine: string, following: string[]): ParsedCommand {
  const first = sameLine.trim();
  const rest = following.join('\n');
  const m = /^(\S+)(.*)$/.exec(first);
  const spec = m ? commandForWord(m[1] ?? '') : undefined;
  if (m && spec) {
    const text = [m[2] ?? '', rest].join('\n').trim();
    return { name: spec.name, text };
  }
  return { name: 'ask', text: [first, rest].join('\n').trim() };
}

/**
 * The command of the first line that opens with `phrase` as rendered text, or undefined when the
 * body does not trigger.
 */
export function findTrigger(body: string, phrase: string): ParsedCommand | undefined {
  const wanted = phrase.trim().toLowerCase();
  if (wanted === '') return undefined;
  const lines = body.replace(/\r\n?/g, '\n').split('\n');

  let fence: Fence | undefined;
  let inComment = false;
  let inIndentedCode = false;
  // Whether the previous line was paragraph text (an indented line then continues it).
  let inParagraph = false;
  let paraStart = 0;
  let para: Paragraph | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    if (inComment) {
      const end = line.indexOf('-->');
      inComment = end < 0 ? true : commentStateAfter(line.slice(end + 3), false);
      inParagraph = false;
      continue;
    }
    if (line.trim() === '') {
      inParagraph = false;
      continue;
    }
    const { columns, chars } = indentation(line);
    if (columns >= 4 && (inIndentedCode || !inParagraph)) {
      inIndentedCode = true;
      continue;
    }
    inIndentedCode = false;
    const text = line.slice(chars);

    // Fences may sit deeper than three columns inside list items: accept any indentation.
    const open = fenceOpen(text);
    if (open) {
      fence = open;
      inParagraph = false;
      continue;
    }
    if (text.startsWith('>')) {
      inParagraph = false;
      continue;
    }
    if (!inParagraph) paraStart = i;
    inParagraph = !/^#{1,6}(\s|$)/.test(text);

    if (text.toLowerCase().startsWith(wanted)) {
      const after = text.slice(wanted.length);
      if (after === '' || /^\s/.test(after)) {
        if (para?.start !== paraStart) para = paragraphAt(lines, paraStart);
        if (!insideCodeSpan(para, lines, i)) return parseRequest(after, lines.slice(i + 1));
      }
    }
    inComment = commentStateAfter(text, false);
    if (inComment) inParagraph = false;
  }
  return undefined;
}

/** The command a dispatch's `command` input names: the text that followed the phrase. */
export function parseCommandText(text: string, phrase: string): ParsedCommand {
  return findTrigger(`${phrase.trim()} ${text}`, phrase) ?? { name: 'ask', text: text.trim() };
}
