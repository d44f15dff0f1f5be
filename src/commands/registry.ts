/**
 * The one command registry, shared by the action, the companion and `npm run local`.
 * The parser (`parse.ts`) takes its command words from here and `/claude help` is rendered from it.
 */
import type { CommandName } from '../request/types';

/**
 * Tool profile a command asks for when `tool_policy` is `auto` (`policy/profile.ts` decides):
 * `task` is read-only unless the issue itself is the task; `none` for direct replies.
 */
export type ProfileHint = 'read-only' | 'edit' | 'task' | 'none';

export interface CommandSpec {
  name: CommandName;
  /** What the user types after the phrase; empty for `ask` (plain text follows the phrase). */
  word: string;
  /** Argument placeholder for the usage line, e.g. `[focus]` or `<text>`. */
  args: string;
  /** One line for the help table. */
  summary: string;
  profile: ProfileHint;
  /** True: the command starts an agent turn on Actions. False: the relay replies directly. */
  runsAgent: boolean;
  /** True: the turn starts a fresh session instead of resuming the PR's/issue's current one. */
  freshSession: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'ask',
    word: '',
    args: '<text>',
    summary: "A follow-up turn in this PR's or issue's current session (a new one if none).",
    profile: 'task',
    runsAgent: true,
    freshSession: false,
  },
  {
    name: 'review',
    word: 'review',
    args: '[focus]',
    summary: 'Review the pull request, read-only; optionally name what to focus on.',
    profile: 'read-only',
    runsAgent: true,
    freshSession: false,
  },
  {
    name: 'fix',
    word: 'fix',
    args: '<text>',
    summary: 'Make the change and push it to the PR branch (same-repository PRs only).',
    profile: 'edit',
    runsAgent: true,
    freshSession: false,
  },
  {
    name: 'new',
    word: 'new',
    args: '<text>',
    summary: 'Like the plain form, but in a fresh session.',
    profile: 'task',
    runsAgent: true,
    freshSession: true,
  },
  {
    name: 'stop',
    word: 'stop',
    args: '',
    summary: "Cancel this PR's or issue's in-flight run(s).",
    profile: 'none',
    runsAgent: false,
    freshSession: false,
  },
  {
    name: 'cost',
    word: 'cost',
    args: '',
    summary: "Reply with this PR's or issue's cost so far (per run and total).",
    profile: 'none',
    runsAgent: false,
    freshSession: false,
  },
  {
    name: 'help',
    word: 'help',
    args: '',
    summary: 'Reply with this command list.',
    profile: 'none',
    runsAgent: false,
    freshSession: false,
  },
];

const byName = new Map<CommandName, CommandSpec>(COMMANDS.map((c) => [c.name, c]));
const byWord = new Map<string, CommandSpec>(COMMANDS.filter((c) => c.word !== '').map((c) => [c.word, c]));

export function getCommand(name: CommandName): CommandSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`Unknown command ${name}`);
  return spec;
}

/** The command a first word names (case-insensitive), or undefined for plain text. */
export function commandForWord(word: string): CommandSpec | undefined {
  return byWord.get(word.toLowerCase());
}

/** `/claude review [focus]` for the given phrase. */
export function usage(spec: CommandSpec, phrase: string): string {
  return [phrase, spec.word, spec.args].filter((p) => p !== '').join(' ');
}

/** Markdown table for `/claude help`. */
export function helpText(phrase: string): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const code = (s: string) => {
    const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
    const ticks = '`'.repeat(longest + 1);
    const pad = longest > 0 ? ' ' : '';
    return `${ticks}${pad}${s}${pad}${ticks}`;
  };
  const rows = COMMANDS.map((c) => `| ${cell(code(usage(c, phrase)))} | ${cell(c.summary)} |`);
  return [
    `Start a line of a comment with \`${phrase.replace(/`/g, '')}\`; the rest of that line and the lines below are the request.`,
    '',
    '| command | what it does |',
    '|---|---|',
    ...rows,
  ].join('\n');
}
