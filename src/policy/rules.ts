/**
 * `allowed_tools` / `disallowed_tools` entries in Claude Code rule syntax: `Tool`,
 * `Tool(specifier)`, `mcp__server__tool`, `mcp__server`. Disallowed rules always win; allowed
 * rules only widen inside the repository (decide() still runs the path and Bash checks).
 *
 * Specifiers understood:
 * - file tools (Read, Edit, Write, MultiEdit, NotebookEdit, Glob, Grep, LS): a gitignore-style
 *   path glob: `docs/**`, `src/*.ts`, `/abs-from-repo-root`, `//absolute`, `~/home`; a pattern
 *   without `/` matches the name at any depth; a pattern matches a directory's contents too.
 * - Bash: a command prefix, `npm run build:*`, `npm run build *` or `npm test`.
 * - WebFetch: `domain:example.com` (or `domain:*.example.com`).
 * - Task/Agent: a subagent type.
 * A specifier that cannot be understood matches nothing when allowing and everything when
 * disallowing (fail closed).
 */
import os from 'node:os';
import path from 'node:path';

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
  /** kind 'path': the pattern made absolute, and its compiled matcher. */
  pathPattern?: string;
  pathRegex?: RegExp;
  /** kind 'domain': lower-case host, `*.` allowed at the start. */
  domain?: string;
}

export interface ParsedRules {
  rules: ToolRule[];
  /** Entries that could not be parsed (e.g. `Bash(npm test` without `)`), with why. */
  errors: string[];
}

/** Tools whose path argument a rule's path specifier is matched against. */
const READ_FAMILY = new Set(['Read', 'Grep', 'Glob', 'LS']);
const EDIT_FAMILY = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
export const FILE_TOOLS = new Set([...READ_FAMILY, ...EDIT_FAMILY]);
const SUBAGENT_TOOLS = new Set(['Task', 'Agent']);

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Parse one entry. Returns an error string for an entry that is not `Name` or `Name(spec)`.
 */
export function parseRule(entry: string, base: { workspace: string; home?: string }): ToolRule | string {
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
    rule.pathRegex = compilePathPattern(abs);
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

export function parseRules(
  entries: readonly string[],
  base: { workspace: string; home?: string },
): ParsedRules {
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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * gitignore-ish glob → RegExp source. `**` spans directories, `*` and `?` stay within one,
 * `[…]` and `{a,b}` as usual.
 */
export function globToRegExpSource(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let cls = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = close;
      }
    } else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close === -1) re += '\\{';
      else {
        const alts = glob
          .slice(i + 1, close)
          .split(',')
          .map((a) => globToRegExpSource(a));
        re += `(?:${alts.join('|')})`;
        i = close;
      }
    } else re += escapeRe(c);
  }
  return re;
}

function compilePathPattern(p: { base: string; glob: string }): RegExp {
  if (p.glob === '') return new RegExp(`^${escapeRe(p.base === '' ? '/' : p.base)}$`);
  return new RegExp(`^${escapeRe(p.base)}/${globToRegExpSource(p.glob)}$`);
}

/** A path rule matches the path or any of its ancestors (a directory rule covers its contents). */
export function pathRuleMatches(rule: ToolRule, absPath: string): boolean {
  const re = rule.pathRegex;
  if (!re) return false;
  const p = absPath.split(path.sep).join('/');
  for (let cur = p; ;) {
    if (re.test(cur)) return true;
    const parent = path.posix.dirname(cur);
    if (parent === cur) return false;
    cur = parent;
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
