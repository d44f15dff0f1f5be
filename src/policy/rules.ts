/**
 * `allowed_tools` / `disallowed_tools` entries in Claude Code rule syntax: `Tool`,
 * `Tool(specifier)`, `mcp__server__tool`, `mcp__server`. Disallowed rules always win; allowed
 * rules only widen inside the repository (decide() still runs the path and Bash checks).
 *
 * Specifiers understood:
 * - file tools (Read, Edit, Write, MultiEdit, NotebookEdit, Glob, Grep, LS): a gitignore-style
 *   path glob as Claude Code reads it: `docs/**`, `src/*.ts`, `/from-the-repo-root`,
 *   `//absolute`, `~/home`; a pattern without `/` (or with only a trailing one) matches the name
 *   at any depth; a pattern matches a directory's contents too. `*` and `?` stay within one
 *   directory, `**` spans directories, `[…]` (`[!…]`, `[[:digit:]]`) and `{a,b}` (nested too) as
 *   in picomatch, dotfiles included; a leading `!` is literal (one rule cannot negate).
 *   Deny rules match case-insensitively (a runner's file system may be case-insensitive, and a
 *   deny rule should not be sidestepped by `SRC/A.ts`); allow rules match case exactly.
 * - Bash: a command prefix, `npm run build:*`, `npm run build *` or `npm test`.
 * - WebFetch: `domain:example.com` (or `domain:*.example.com`).
 * - Task/Agent: a subagent type.
 * A specifier that cannot be understood matches nothing when allowing and everything when
 * disallowing (fail closed).
 */
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { HARMLESS_TOOLS } from './profile';

export type RuleKind = 'path' | 'bash' | 'domain' | 'subagent' | 'none' | 'unsupported';

export interface ToolRule {
  /** The entry as written (trimmed): used in rule names like `disallowed_tools:Read`. */
  raw: string;
  /** Tool name as written (`Read`, `Bash`, `mcp__github__get_issue`, `mcp__github`). */
  tool: string;
  /** Text between the parentheses, if any. */
  specifier?: string;
  kind: RuleKind;
  /** kind 'bash': the prefix words ([] = any command, e.g. `Bash(*)`). */
  bashPrefix?: string[];
  /** kind 'path': the pattern made absolute (for messages), and its compiled matcher. */
  pathPattern?: string;
  pathMatch?: PathMatcher;
  /** kind 'domain': lower-case host, `*.` allowed at the start. */
  domain?: string;
}

export interface ParsedRules {
  rules: ToolRule[];
  /** Entries that could not be parsed (e.g. `Bash(npm test` without `)`), with why. */
  errors: string[];
}

/** A path rule compiled: a literal base directory and a glob matched against paths beneath it. */
interface PathMatcher {
  base: string;
  /** undefined: the rule names the base itself (`~`, `//`, `/`). */
  glob?: (relative: string) => boolean;
  nocase: boolean;
}

export interface RuleOptions {
  workspace: string;
  home?: string;
  /** Match path globs case-insensitively (deny rules). */
  nocase?: boolean;
}

/** Tools whose path argument a rule's path specifier is matched against. */
const READ_FAMILY = new Set(['Read', 'Grep', 'Glob', 'LS']);
const EDIT_FAMILY = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
export const FILE_TOOLS = new Set([...READ_FAMILY, ...EDIT_FAMILY]);
const SUBAGENT_TOOLS = new Set(['Task', 'Agent']);

/** A tool name, or an MCP server's tools as `mcp__server__*`. */
const TOOL_NAME = /^(?:[A-Za-z][A-Za-z0-9_.-]*|mcp__[A-Za-z0-9][A-Za-z0-9_.-]*__\*)$/;

/** Built-in tools the policy decides about; every other built-in tool is refused anyway. */
const KNOWN_TOOLS = new Set<string>([
  ...FILE_TOOLS,
  ...SUBAGENT_TOOLS,
  'Bash',
  'WebFetch',
  'WebSearch',
  ...HARMLESS_TOOLS,
]);

/**
 * Parse one entry. Returns an error string for an entry that is not `Name` or `Name(spec)`.
 */
export function parseRule(entry: string, base: RuleOptions): ToolRule | string {
  const raw = entry.trim();
  if (raw === '') return 'empty rule';
  const open = raw.indexOf('(');
  let tool: string;
  let specifier: string | undefined;
  if (open === -1) {
    tool = raw;
  } else {
    if (!raw.endsWith(')')) return `rule "${raw}" has "(" without a closing ")"`;
    tool = raw.slice(0, open).trim();
    specifier = raw.slice(open + 1, -1).trim();
  }
  if (!TOOL_NAME.test(tool)) return `rule "${raw}" does not start with a tool name`;
  const rule: ToolRule = { raw, tool, kind: 'none' };
  if (specifier === undefined || specifier === '' || (specifier === '*' && tool !== 'Bash')) return rule;
  rule.specifier = specifier;
  if (tool === 'Bash') {
    rule.kind = 'bash';
    rule.bashPrefix = bashPrefixWords(specifier);
  } else if (FILE_TOOLS.has(tool)) {
    rule.kind = 'path';
    const abs = absolutePattern(specifier, base.workspace, base.home ?? homeDir());
    rule.pathPattern = abs.glob === '' ? abs.base : `${abs.base}/${abs.glob}`;
    rule.pathMatch = compilePathPattern(abs, base.nocase ?? false);
  } else if (tool === 'WebFetch' && specifier.startsWith('domain:')) {
    const d = specifier.slice('domain:'.length).trim().toLowerCase();
    if (d === '') rule.kind = 'unsupported';
    else {
      rule.kind = 'domain';
      rule.domain = d;
    }
  } else if (SUBAGENT_TOOLS.has(tool)) {
    rule.kind = 'subagent';
  } else {
    rule.kind = 'unsupported';
  }
  return rule;
}

/** Characters that make a command prefix never match a parsed command (operators, quoting, expansion). */
const SHELL_SYNTAX = /[;&|<>$`"'\\()\n]/;

/**
 * Why a Bash prefix (an `allowed_bash` entry or a Bash rule's specifier) can never do what it
 * says, or undefined. Prefixes are compared word by word with each parsed simple command, so
 * operators, quotes and expansions never match; a `*` is understood only at the end.
 */
export function bashPrefixProblem(spec: string, allowing: boolean): string | undefined {
  // `Bash(*)` is every command, as a bare `Bash`.
  if (spec.trim() === '*') return undefined;
  if (SHELL_SYNTAX.test(spec)) {
    return 'a command prefix is plain words: shell operators, quotes and expansions never match a command (list each command on its own)';
  }
  if (allowing && !bashPrefixIsExact(spec)) {
    return 'only a trailing `*` (or `:*`) is supported in an allowed command prefix';
  }
  return undefined;
}

/** Why an `allowed_bash` entry can never allow a command, naming the entry, or undefined. */
export function allowedBashProblem(entry: string): string | undefined {
  const why =
    bashPrefixWords(entry).length === 0
      ? 'it names no command: list command prefixes such as `npm test`'
      : bashPrefixProblem(entry, true);
  return why === undefined ? undefined : `entry "${entry.trim()}": ${why}`;
}

const HOST = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

/**
 * Why an `allowed_tools` / `disallowed_tools` entry cannot be used, naming the entry, or
 * undefined. A rule that parses but could never match anything is refused too: a typo in a deny
 * rule must not silently deny nothing.
 */
export function ruleProblem(entry: string, list: 'allowed_tools' | 'disallowed_tools'): string | undefined {
  const r = parseRule(entry, { workspace: '/' });
  if (typeof r === 'string') return r;
  const named = `rule "${r.raw}"`;
  if (!r.tool.startsWith('mcp__') && !KNOWN_TOOLS.has(r.tool)) {
    return `${named}: ${r.tool} is not a tool the relay offers (tools: ${[...KNOWN_TOOLS].join(', ')}, or mcp__server__tool)`;
  }
  switch (r.kind) {
    case 'unsupported':
      return r.tool === 'WebFetch'
        ? `${named}: WebFetch rules take domain:<host>, e.g. WebFetch(domain:example.com)`
        : `${named}: ${r.tool} takes no (…) specifier`;
    case 'bash': {
      const why = bashPrefixProblem(r.specifier ?? '', list === 'allowed_tools');
      return why === undefined ? undefined : `${named}: ${why}`;
    }
    case 'domain':
      return HOST.test(r.domain ?? '')
        ? undefined
        : `${named}: "${r.domain ?? ''}" is not a host name (write domain:example.com or domain:*.example.com)`;
    default:
      return undefined;
  }
}

export function parseRules(entries: readonly string[], base: RuleOptions): ParsedRules {
  const rules: ToolRule[] = [];
  const errors: string[] = [];
  for (const e of entries) {
    if (e.trim() === '') continue;
    const r = parseRule(e, base);
    if (typeof r === 'string') errors.push(r);
    else rules.push(r);
  }
  return { rules, errors };
}

function homeDir(): string {
  return process.env.HOME && process.env.HOME !== '' ? process.env.HOME : os.homedir();
}

/**
 * Words of a Bash rule or an allowed_bash entry: trailing `:*`, ` *` or `*` wildcards dropped;
 * words before any other `*` kept (so a disallow rule stays at least as broad).
 */
export function bashPrefixWords(spec: string): string[] {
  let s = spec.trim();
  if (s.endsWith(':*')) s = s.slice(0, -2);
  const star = s.indexOf('*');
  if (star !== -1) s = s.slice(0, star);
  return s.split(/\s+/).filter((w) => w !== '');
}

/** Whether a rule's specifier is a prefix with an interior wildcard we can only approximate. */
export function bashPrefixIsExact(spec: string): boolean {
  let s = spec.trim();
  if (s.endsWith(':*')) s = s.slice(0, -2);
  else if (s.endsWith(' *')) s = s.slice(0, -2);
  return !s.includes('*');
}

/** A path specifier as a literal absolute base directory plus a glob relative to it. */
function absolutePattern(spec: string, workspace: string, home: string): { base: string; glob: string } {
  let p = spec;
  let base = workspace;
  let anchored = false;
  if (p.startsWith('//')) {
    p = p.slice(2);
    base = '/';
    anchored = true;
  } else if (p === '~' || p.startsWith('~/')) {
    p = p.slice(2);
    base = home;
    anchored = true;
  } else if (p.startsWith('/')) {
    p = p.slice(1);
    anchored = true;
  } else if (p.startsWith('./')) {
    p = p.slice(2);
    anchored = true;
  }
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  if (!anchored && !p.includes('/')) p = `**/${p}`;
  p = path.posix.normalize(p === '' ? '.' : p);
  if (p === '.') p = '';
  if (dirOnly) p = p === '' ? '**' : `${p}/**`;
  return { base: base.split(path.sep).join('/').replace(/\/+$/, ''), glob: p };
}

function compilePathPattern(p: { base: string; glob: string }, nocase: boolean): PathMatcher {
  const base = p.base === '' ? '/' : p.base;
  if (p.glob === '') return { base, nocase };
  // posix: POSIX bracket expressions (`[!a]`, `[[:digit:]]`); nonegate: `!` is a literal.
  const glob = picomatch(p.glob, { dot: true, nonegate: true, posix: true, windows: false, nocase });
  return { base, glob, nocase };
}

/** `abs` relative to `base` ('' for the base itself), or undefined when it is not beneath it. */
function beneath(base: string, abs: string, nocase: boolean): string | undefined {
  const b = nocase ? base.toLowerCase() : base;
  const p = nocase ? abs.toLowerCase() : abs;
  if (p === b) return '';
  const prefix = b.endsWith('/') ? b : `${b}/`;
  return p.startsWith(prefix) ? abs.slice(prefix.length) : undefined;
}

/** A path rule matches the path or any of its ancestors (a directory rule covers its contents). */
export function pathRuleMatches(rule: ToolRule, absPath: string): boolean {
  const m = rule.pathMatch;
  if (!m) return false;
  const rel = beneath(m.base, absPath.split(path.sep).join('/'), m.nocase);
  if (rel === undefined) return false;
  if (!m.glob) return true;
  if (rel === '') return false;
  for (let cur = rel; ;) {
    if (m.glob(cur)) return true;
    const slash = cur.lastIndexOf('/');
    if (slash < 0) return false;
    cur = cur.slice(0, slash);
  }
}

/** Does a rule naming `ruleTool` apply to a call of `toolName`? (Read covers Grep/Glob/LS, Edit covers Write/MultiEdit/NotebookEdit, Task = Agent, `mcp__s` and `mcp__s__*` cover the server.) */
export function ruleAppliesTo(ruleTool: string, toolName: string): boolean {
  if (ruleTool === toolName) return true;
  if (ruleTool === 'Read' && READ_FAMILY.has(toolName)) return true;
  if (ruleTool === 'Edit' && EDIT_FAMILY.has(toolName)) return true;
  if (SUBAGENT_TOOLS.has(ruleTool) && SUBAGENT_TOOLS.has(toolName)) return true;
  if (ruleTool.startsWith('mcp__') && toolName.startsWith('mcp__')) {
    const server = ruleTool.endsWith('__*') ? ruleTool.slice(0, -3) : ruleTool;
    if (server.split('__').length === 2 && toolName.startsWith(`${server}__`)) return true;
  }
  return false;
}

/** Host match: exact, or any subdomain with `*.example.com`; `orSubdomains` for deny rules. */
export function domainMatches(ruleDomain: string, host: string, orSubdomains: boolean): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (ruleDomain.startsWith('*.')) {
    const d = ruleDomain.slice(2);
    return h === d || h.endsWith(`.${d}`);
  }
  return h === ruleDomain || (orSubdomains && h.endsWith(`.${ruleDomain}`));
}
