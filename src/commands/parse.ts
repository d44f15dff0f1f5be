/**
 * Trigger detection and command parsing, shared by the action and the companion (both import
 * this module; there is no second copy).
 *
 * The phrase must open a line of a top-level paragraph as plain text — see `markdown.ts` for what
 * that excludes (quotes, code, HTML, lists, tables, footnotes …); it is read with a CommonMark/GFM
 * parser. It must stand as a whole word: followed by whitespace or the end of the line
 * (`/claude,` and `/claudex` do not trigger), and matches case-insensitively. The rest of that
 * line plus all following lines of the source text are the request; the first word on the
 * phrase's line picks the command (case-insensitive), anything else is a plain `ask`.
 */
import type { ParsedCommand } from '../request/types';
import { firstTriggerOffset } from './markdown';
import { commandForWord } from './registry';

/** `sameLine` is the rest of the phrase's line; the command word must be on it. */
function parseRequest(sameLine: string, following: string): ParsedCommand {
  const first = sameLine.trim();
  const m = /^(\S+)(.*)$/.exec(first);
  const spec = m ? commandForWord(m[1] ?? '') : undefined;
  if (m && spec) {
    const text = [m[2] ?? '', following].join('\n').trim();
    return { name: spec.name, text };
  }
  return { name: 'ask', text: [first, following].join('\n').trim() };
}

/** Split `text` at its first line break: the line and everything after it. */
function splitFirstLine(text: string): [string, string] {
  const nl = text.indexOf('\n');
  return nl < 0 ? [text, ''] : [text.slice(0, nl), text.slice(nl + 1)];
}

/**
 * The command of the first line that opens with `phrase` as rendered text, or undefined when the
 * body does not trigger. The request is cut from the source text, so code and quotes after the
 * command line reach the agent as written.
 */
export function findTrigger(body: string, phrase: string): ParsedCommand | undefined {
  const wanted = phrase.trim();
  if (wanted === '') return undefined;
  const source = body.replace(/\r\n?/g, '\n');
  const at = firstTriggerOffset(source, wanted);
  if (at === undefined) return undefined;
  return parseRequest(...splitFirstLine(source.slice(at + wanted.length)));
}

/**
 * The command a dispatch's `command` input names: the text that followed the phrase (the
 * companion already found the trigger, so this is not read as Markdown again).
 */
export function parseCommandText(text: string): ParsedCommand {
  return parseRequest(...splitFirstLine(text.replace(/\r\n?/g, '\n')));
}
