/**
 * THE tool-policy decision: one function every surface (PreToolUse hook, canUseTool, the prompt's
 * tool list) asks. Order: input sanity → disallowed_tools (always wins) → the tool's own checks
 * (paths, Bash parsing, network) → profile → allowed_tools widening (inside the repo only).
 */
import path from 'node:path';
import { judgeParsed, parseBash } from './bash';
import {
  checkGlobPattern,
  checkReadPath,
  checkWritePath,
  normalizeRoot,
  type PathContext,
  type PathVerdict,
} from './paths';
import { HARMLESS_TOOLS, RELAY_MCP_PREFIX, type Profile } from './profile';
import {
  bashPrefixIsExact,
  domainMatches,
  parseRules,
  pathRuleMatches,
  ruleAppliesTo,
  type ToolRule,
} from './rules';

export interface PolicyContext {
  /** Workspace root (realpath). */
  workspace: string;
  profile: Profile;
  allowedBash: string[];
  allowedTools: string[];
  disallowedTools: string[];
  /** Never readable: HOME, RUNNER_TEMP, the tool cache (/proc, /sys, /dev always are). */
  forbiddenRoots: string[];
  /** mcp__relay__* tools by class (full names or the part after `mcp__relay__`). */
  relayTools: { read: string[]; write: string[] };
  /** Why commands cannot run in this job (no working sandbox): every command is refused. */
  commandsOff?: string;
  /** The workflow's `allow_config_writes`: protected paths (except `.git`) may be written. */
  allowConfigWrites?: boolean;
}

export interface ToolCall {
  toolName: string;
  input: Record<string, unknown>;
}

export type Decision =
  { behavior: 'allow'; rule: string } | { behavior: 'deny'; message: string; rule: string };

/** Everything derived from a context once (decide() is called for every tool use). */
interface Compiled {
  paths: PathContext;
  allowed: ToolRule[];
  disallowed: ToolRule[];
  /** A disallowed_tools entry that could not be read (settings refuse these; fail closed here). */
  unreadableDeny?: string;
  relayRead: Set<string>;
  relayWrite: Set<string>;
}

const compiledCache = new WeakMap<PolicyContext, Compiled>();

function compile(ctx: PolicyContext): Compiled {
  let c = compiledCache.get(ctx);
  if (c) return c;
  const workspace = normalizeRoot(ctx.workspace);
  const base = { workspace };
  const short = (n: string) => (n.startsWith(RELAY_MCP_PREFIX) ? n.slice(RELAY_MCP_PREFIX.length) : n);
  const disallowed = parseRules(ctx.disallowedTools, { ...base, nocase: true });
  c = {
    paths: {
      workspace,
      forbiddenRoots: ctx.forbiddenRoots.map(normalizeRoot).filter((r) => r !== ''),
      allowConfigWrites: ctx.allowConfigWrites === true,
    },
    // Malformed allow entries cannot widen anything; the settings already refused them.
    allowed: parseRules(ctx.allowedTools, base).rules,
    disallowed: disallowed.rules,
    ...(disallowed.errors[0] !== undefined ? { unreadableDeny: disallowed.errors[0] } : {}),
    relayRead: new Set(ctx.relayTools.read.map(short)),
    relayWrite: new Set(ctx.relayTools.write.map(short)),
  };
  compiledCache.set(ctx, c);
  return c;
}

const allow = (rule: string): Decision => ({ behavior: 'allow', rule });
const deny = (message: string, rule: string): Decision => ({ behavior: 'deny', message, rule });
const fromPath = (v: PathVerdict & { ok: false }): Decision => deny(v.reason, v.rule);

const HARMLESS = new Set<string>(HARMLESS_TOOLS);
const READ_PATH_TOOLS = new Set(['Read', 'LS', 'Glob', 'Grep']);
const EDIT_PATH_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

function rulesFor(rules: ToolRule[], toolName: string): ToolRule[] {
  return rules.filter((r) => ruleAppliesTo(r.tool, toolName));
}

function profileDenied(toolName: string, profile: Profile): Decision {
  return deny(
    `${toolName} is not available in the ${profile} profile: this run may read and answer but not change files. ` +
      'Ask for a fix with the `fix` command, or set tool_policy: edit.',
    `profile:${profile}`,
  );
}

/** The path argument each file tool takes (undefined = the workspace, for Glob/Grep). */
function pathArg(toolName: string, input: Record<string, unknown>): { value: unknown; optional: boolean } {
  switch (toolName) {
    case 'NotebookEdit':
      return { value: input.notebook_path, optional: false };
    case 'LS':
      return { value: input.path, optional: false };
    case 'Glob':
    case 'Grep':
      return { value: input.path, optional: true };
    default:
      return { value: input.file_path, optional: false };
  }
}

function decideFile(call: ToolCall, ctx: PolicyContext, c: Compiled): Decision {
  const { toolName, input } = call;
  const write = EDIT_PATH_TOOLS.has(toolName);
  const arg = pathArg(toolName, input);
  const value =
    arg.optional && (arg.value === undefined || arg.value === null || arg.value === '') ? '.' : arg.value;
  const v = write ? checkWritePath(value, c.paths, toolName) : checkReadPath(value, c.paths, toolName);
  if (!v.ok) return fromPath(v);
  if (toolName === 'Glob') {
    const g = checkGlobPattern(input.pattern, 'Glob');
    if (!g.ok) return deny(g.reason, g.rule);
  }
  if (toolName === 'Grep' && input.glob !== undefined) {
    const g = checkGlobPattern(input.glob, 'Grep');
    if (!g.ok) return deny(g.reason, g.rule);
  }
  // disallowed_tools with a path specifier: matched against the lexical and the real path.
  const lexical = typeof value === 'string' ? path.resolve(c.paths.workspace, value) : v.resolved;
  for (const r of rulesFor(c.disallowed, toolName)) {
    if (r.kind === 'path' && !pathRuleMatches(r, v.resolved) && !pathRuleMatches(r, lexical)) continue;
    return deny(
      `${toolName}: \`${String(value)}\` is disallowed by disallowed_tools ${r.raw}`,
      `disallowed_tools:${r.raw}`,
    );
  }
  if (!write) return allow(`profile:${ctx.profile}`);
  if (ctx.profile === 'edit') return allow('profile:edit');
  for (const r of rulesFor(c.allowed, toolName)) {
    if (r.kind === 'none' || (r.kind === 'path' && pathRuleMatches(r, v.resolved)))
      return allow(`allowed_tools:${r.raw}`);
  }
  return profileDenied(toolName, ctx.profile);
}

async function decideBash(call: ToolCall, ctx: PolicyContext, c: Compiled): Promise<Decision> {
  const command = call.input.command;
  if (typeof command !== 'string' || command.trim() === '')
    return deny('Bash: a command string is required', 'bash:syntax');
  if (ctx.commandsOff !== undefined) {
    return deny(`Bash: commands are not run in this job: ${ctx.commandsOff}`, 'bash:commands-off');
  }
  if (call.input.run_in_background === true) {
    return deny('Bash: background commands (run_in_background) are not allowed', 'bash:background');
  }
  if (call.input.dangerouslyDisableSandbox === true) {
    return deny('Bash: dangerouslyDisableSandbox is not allowed', 'bash:sandbox');
  }
  // Prefixes: the profile's allowed_bash (edit, or read-only when allowed_tools lists bare Bash)
  // plus every allowed_tools Bash(prefix) rule.
  const allowedRules = rulesFor(c.allowed, 'Bash');
  const barelyAllowed = allowedRules.some(
    (r) => r.kind === 'none' || (r.kind === 'bash' && (r.bashPrefix ?? []).length === 0),
  );
  const prefixes: string[] = [];
  if (ctx.profile === 'edit' || barelyAllowed) prefixes.push(...ctx.allowedBash);
  for (const r of allowedRules) {
    if (
      r.kind === 'bash' &&
      r.specifier !== undefined &&
      bashPrefixIsExact(r.specifier) &&
      (r.bashPrefix ?? []).length > 0
    ) {
      prefixes.push((r.bashPrefix ?? []).join(' '));
    }
  }
  const denied = rulesFor(c.disallowed, 'Bash').map((r) => ({
    words: r.kind === 'bash' ? (r.bashPrefix ?? []) : [],
    rule: `disallowed_tools:${r.raw}`,
  }));
  // A bare `Bash` in disallowed_tools refuses before any parsing.
  const bare = denied.find((d) => d.words.length === 0);
  if (bare)
    return deny(
      `Bash is disallowed by disallowed_tools ${bare.rule.slice('disallowed_tools:'.length)}`,
      bare.rule,
    );
  if (ctx.profile === 'read-only' && prefixes.length === 0) return profileDenied('Bash', ctx.profile);
  if (prefixes.every((p) => p.trim() === '')) {
    return deny('Bash: no commands are allowed (allowed_bash is empty)', 'bash:not-allowed');
  }
  const parsed = await parseBash(command);
  const v = judgeParsed(parsed, prefixes, c.paths.workspace, {
    forbiddenRoots: c.paths.forbiddenRoots,
    allowConfigWrites: c.paths.allowConfigWrites,
    deniedPrefixes: denied,
  });
  if (!v.allowed) return deny(v.reason, v.rule);
  return allow('bash:allowed');
}

function decideWebFetch(call: ToolCall, c: Compiled): Decision {
  const raw = call.input.url;
  let host: string | undefined;
  if (typeof raw === 'string') {
    try {
      const u = new URL(raw);
      if (u.protocol === 'http:' || u.protocol === 'https:') host = u.hostname;
    } catch {
      host = undefined;
    }
  }
  for (const r of rulesFor(c.disallowed, 'WebFetch')) {
    if (r.kind === 'domain' && host !== undefined && !domainMatches(r.domain ?? '', host, true)) continue;
    return deny(
      `WebFetch: ${String(raw)} is disallowed by disallowed_tools ${r.raw}`,
      `disallowed_tools:${r.raw}`,
    );
  }
  if (host === undefined) return deny('WebFetch: the url must be an http(s) URL', 'network:invalid-url');
  for (const r of rulesFor(c.allowed, 'WebFetch')) {
    if (r.kind === 'none' || (r.kind === 'domain' && domainMatches(r.domain ?? '', host, false)))
      return allow(`allowed_tools:${r.raw}`);
  }
  return deny(
    `WebFetch is off: network tools are not allowed unless allowed_tools lists them (${host} was not allowed)`,
    'network:off',
  );
}

function decideWebSearch(c: Compiled): Decision {
  const d = rulesFor(c.disallowed, 'WebSearch')[0];
  if (d) return deny(`WebSearch is disallowed by disallowed_tools ${d.raw}`, `disallowed_tools:${d.raw}`);
  const a = rulesFor(c.allowed, 'WebSearch').find((r) => r.kind === 'none');
  if (a) return allow(`allowed_tools:${a.raw}`);
  return deny(
    'WebSearch is off: network tools are not allowed unless allowed_tools lists them',
    'network:off',
  );
}

function decideSubagent(call: ToolCall, c: Compiled): Decision {
  const type = typeof call.input.subagent_type === 'string' ? call.input.subagent_type : undefined;
  for (const r of rulesFor(c.disallowed, call.toolName)) {
    if (r.kind === 'subagent' && type !== undefined && r.specifier !== type) continue;
    return deny(`${call.toolName} is disallowed by disallowed_tools ${r.raw}`, `disallowed_tools:${r.raw}`);
  }
  for (const r of rulesFor(c.allowed, call.toolName)) {
    if (r.kind === 'none' || (r.kind === 'subagent' && r.specifier === type))
      return allow(`allowed_tools:${r.raw}`);
  }
  return deny(`${call.toolName} (subagents) is not allowed unless allowed_tools lists it`, 'tool:subagent');
}

function decideMcp(call: ToolCall, ctx: PolicyContext, c: Compiled): Decision {
  const name = call.toolName;
  const d = rulesFor(c.disallowed, name)[0];
  if (d) return deny(`${name} is disallowed by disallowed_tools ${d.raw}`, `disallowed_tools:${d.raw}`);
  const listed = rulesFor(c.allowed, name).find((r) => r.kind === 'none');
  if (name.startsWith(RELAY_MCP_PREFIX)) {
    const short = name.slice(RELAY_MCP_PREFIX.length);
    if (c.relayRead.has(short)) return allow('relay:read');
    if (c.relayWrite.has(short)) {
      if (ctx.profile === 'edit') return allow('relay:write');
      if (listed) return allow(`allowed_tools:${listed.raw}`);
      return profileDenied(name, ctx.profile);
    }
    if (listed) return allow(`allowed_tools:${listed.raw}`);
    return deny(`${name} is not a known relay tool`, 'mcp:unknown');
  }
  if (listed) return allow(`allowed_tools:${listed.raw}`);
  return deny(
    `${name}: MCP tools from other servers are not allowed unless allowed_tools lists them`,
    'mcp:not-allowed',
  );
}

/**
 * Decide one tool call. Never throws for bad input: anything unexpected is a deny with a message
 * the model can act on.
 */
export async function decide(call: ToolCall, ctx: PolicyContext): Promise<Decision> {
  const toolName = typeof call?.toolName === 'string' ? call.toolName : '';
  if (toolName === '') return deny('A tool name is required', 'tool:unknown');
  if (typeof call.input !== 'object' || call.input === null || Array.isArray(call.input)) {
    return deny(`${toolName}: the tool input must be an object`, 'input:invalid');
  }
  const c = compile(ctx);
  if (c.unreadableDeny !== undefined) {
    return deny(
      `${toolName}: disallowed_tools cannot be read (${c.unreadableDeny})`,
      'disallowed_tools:unreadable',
    );
  }
  const normalized: ToolCall = { toolName, input: call.input };

  if (READ_PATH_TOOLS.has(toolName) || EDIT_PATH_TOOLS.has(toolName)) {
    try {
      return decideFile(normalized, ctx, c);
    } catch (e) {
      return deny(
        `${toolName}: the path could not be checked (${e instanceof Error ? e.message : String(e)})`,
        'path:unresolvable',
      );
    }
  }
  if (toolName === 'Bash') return decideBash(normalized, ctx, c);
  if (toolName === 'WebFetch') return decideWebFetch(normalized, c);
  if (toolName === 'WebSearch') return decideWebSearch(c);
  if (toolName === 'Task' || toolName === 'Agent') return decideSubagent(normalized, c);
  if (toolName.startsWith('mcp__')) return decideMcp(normalized, ctx, c);

  const d = rulesFor(c.disallowed, toolName)[0];
  if (d) return deny(`${toolName} is disallowed by disallowed_tools ${d.raw}`, `disallowed_tools:${d.raw}`);
  if (HARMLESS.has(toolName)) return allow('tool:harmless');
  // The CLI's own tool for json_schema runs: it only hands the final answer back (validated by the CLI).
  if (toolName === 'StructuredOutput') return allow('tool:structured-output');
  return deny(`${toolName} is not a tool the relay allows (unknown tools are refused)`, 'tool:unknown');
}
