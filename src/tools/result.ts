/**
 * Tool results as MCP expects them. Every failure is a result the model can read
 * (`isError: true`), never an exception that would crash the server or the run.
 */
import { describeGitHubError } from '../github/client';

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
}

/** A failure to report to the model as it is (the message is already readable). */
export class ToolError extends Error {}

export function ok(text: string): ToolResult {
  return { content: [{ type: 'text', text }] };
}

export function fail(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export function httpStatus(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Runs a handler and turns any exception into a tool error result. */
export function guarded<A>(name: string, handler: (args: A) => Promise<ToolResult>) {
  return async (args: A): Promise<ToolResult> => {
    try {
      return await handler(args);
    } catch (err) {
      if (err instanceof ToolError) return fail(err.message);
      return fail(`${name} failed: ${describeGitHubError(err)}`);
    }
  };
}

/** Characters a tool answer carries at most (well under the CLI's MCP output limit). */
export const MAX_ANSWER_CHARS = 20_000;

/**
 * One page of `text` of at most `size` characters, cut at line ends where possible, with a note
 * naming the next page. Pages count from 1.
 */
export function pageOf(
  text: string,
  page: number,
  size: number = MAX_ANSWER_CHARS,
): { text: string; page: number; pages: number } {
  const pages: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let cut = rest.lastIndexOf('\n', size);
    if (cut <= 0) cut = size;
    else cut += 1;
    pages.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pages.push(rest);
  const p = Math.min(Math.max(1, page), pages.length);
  return { text: pages[p - 1] ?? '', page: p, pages: pages.length };
}

/** Hidden HTML comments (and so forged relay markers) never go into what the relay posts. */
export function stripHtmlComments(text: string): string {
  let t = text;
  for (let i = 0; i < 5; i++) {
    const next = t.replace(/<!--(?:>|->|[\s\S]*?-->|[\s\S]*$)/g, '');
    if (next === t) break;
    t = next;
  }
  return t;
}

/**
 * Pages of whole items (each already fenced): items are never split across pages; one longer than
 * a page is cut with a note.
 */
export function pageItems(
  items: readonly string[],
  page: number,
  size: number = MAX_ANSWER_CHARS,
): { text: string; page: number; pages: number } {
  const pages: string[][] = [[]];
  let used = 0;
  for (const raw of items) {
    const item = raw.length > size ? `${raw.slice(0, size - 80)}\n… (cut: ${raw.length} characters)` : raw;
    const current = pages[pages.length - 1] ?? [];
    if (current.length > 0 && used + item.length + 1 > size) {
      pages.push([item]);
      used = item.length + 1;
    } else {
      current.push(item);
      used += item.length + 1;
    }
  }
  const p = Math.min(Math.max(1, page), pages.length);
  return { text: (pages[p - 1] ?? []).join('\n'), page: p, pages: pages.length };
}
