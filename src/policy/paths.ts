/**
 * Path checks for every path-taking tool (and Bash redirections): a path is resolved against the
 * workspace, `..` normalised, the nearest existing ancestor realpath'd (dangling symlinks
 * followed), and the result must lie inside the workspace. Writes are further refused to the
 * protected paths below (agent configuration and repository plumbing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';

export interface PathContext {
  /** Workspace root, realpath'd. */
  workspace: string;
  /** Roots never readable (HOME, RUNNER_TEMP, tool cache, /proc …), unless they contain the workspace. */
  forbiddenRoots: readonly string[];
  /** The workflow's `allow_config_writes`: protected paths (except `.git`) become writable. */
  allowConfigWrites?: boolean;
}

export type PathVerdict =
  | {
      ok: true;
      /** realpath'd absolute path */ resolved: string;
      /** relative to the workspace, '' for the root */ relative: string;
    }
  | { ok: false; reason: string; rule: string };

/** Always forbidden for reads outside the workspace, on top of the context's roots. */
const SYSTEM_FORBIDDEN = ['/proc', '/sys', '/dev'];

/**
 * THE protected list: what configures the agent or the repository's automation, so a run must
 * not change it for the next one — MCP servers, Claude settings, hooks, skills and instructions,
 * workflows, submodules, git hooks. Globs relative to the workspace root, matched with picomatch
 * case-insensitively (case-insensitive file systems and `claude.md` loaders alike), dotfiles
 * included, in any folder. Write/Edit, Bash redirections and the push tool refuse them unless the
 * workflow sets `allow_config_writes: true`; the sandbox's denyWrite asks the same list
 * (`protectedReason`, in agent/sandbox/config.ts).
 */
export const PROTECTED_PATHS: readonly { glob: string; what: string }[] = [
  { glob: '**/.mcp.json', what: '.mcp.json (MCP servers)' },
  { glob: '**/.claude', what: '.claude/ (agent settings, hooks, skills)' },
  { glob: '**/.claude/**', what: '.claude/ (agent settings, hooks, skills)' },
  { glob: '**/CLAUDE.md', what: 'CLAUDE.md (agent instructions)' },
  { glob: '**/CLAUDE.local.md', what: 'CLAUDE.local.md (agent instructions)' },
  { glob: '**/.github', what: '.github/ (workflows and repository automation)' },
  { glob: '**/.github/**', what: '.github/ (workflows and repository automation)' },
  { glob: '**/.gitmodules', what: '.gitmodules (submodules)' },
  { glob: '**/.husky', what: '.husky/ (git hooks)' },
  { glob: '**/.husky/**', what: '.husky/ (git hooks)' },
  { glob: '**/.git', what: '.git (git internals)' },
  { glob: '**/.git/**', what: '.git (git internals)' },
];

/**
 * `.git` internals stay refused even with `allow_config_writes`: they hold the checkout's
 * credential and hooks that git runs outside the sandbox, and git never pushes them anyway.
 */
const ALWAYS_PROTECTED = new Set(['**/.git', '**/.git/**']);

const MATCH_OPTIONS = { dot: true, nocase: true } as const;
const protectedMatchers = PROTECTED_PATHS.map((p) => ({
  ...p,
  always: ALWAYS_PROTECTED.has(p.glob),
  isMatch: picomatch(p.glob, MATCH_OPTIONS),
}));

/**
 * What protected path `relative` (to the workspace root; either separator) is, or undefined.
 * With `allowConfigWrites` only `.git` internals remain protected.
 */
export function protectedPath(
  relative: string,
  opts: { allowConfigWrites?: boolean } = {},
): string | undefined {
  const rel = relative
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (rel === '' || rel === '.') return undefined;
  for (const m of protectedMatchers) {
    if (opts.allowConfigWrites && !m.always) continue;
    if (m.isMatch(rel)) return m.what;
  }
  return undefined;
}

const MAX_SYMLINK_HOPS = 40;

function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && 'code' in e;
}

/** `child` equals `root` or lies beneath it (both absolute, normalised). */
export function isWithin(root: string, child: string): boolean {
  if (child === root) return true;
  const base = root.endsWith(path.sep) ? root : root + path.sep;
  return child.startsWith(base);
}

/**
 * realpath of the nearest existing ancestor, with the missing tail re-appended. A dangling
 * symlink on the way is followed (its target may not exist yet, but writing through it would
 * create the target), so `ws/link -> /outside/new` resolves to `/outside/new`.
 */
export function realpathNearest(abs: string): string {
  let current = abs;
  let tail: string[] = [];
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS;) {
    try {
      const real = fs.realpathSync.native(current);
      return tail.length === 0 ? real : path.join(real, ...tail);
    } catch (e) {
      if (!isErrno(e) || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR')) throw e;
    }
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(current);
    } catch (e) {
      if (!isErrno(e) || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR')) throw e;
    }
    if (stat?.isSymbolicLink()) {
      // Dangling (or pointing through a missing directory): follow it by hand.
      hops++;
      const target = path.resolve(path.dirname(current), fs.readlinkSync(current));
      current = target;
      continue;
    }
    const parent = path.dirname(current);
    if (parent === current) return path.join(current, ...tail);
    tail = [path.basename(current), ...tail];
    current = parent;
  }
  const err = new Error(`too many symbolic links resolving ${abs}`) as NodeJS.ErrnoException;
  err.code = 'ELOOP';
  throw err;
}

/** Realpath of a root if it exists, its normalised form otherwise; '' for blanks. */
export function normalizeRoot(root: string): string {
  if (root.trim() === '') return '';
  const abs = path.resolve(root);
  try {
    return realpathNearest(abs);
  } catch {
    return abs;
  }
}

function homeDir(): string {
  return process.env.HOME && process.env.HOME !== '' ? process.env.HOME : os.homedir();
}

/** Lexical resolution: `~` expansion, relative to the workspace, `..` normalised. */
function lexicalResolve(p: string, workspace: string): string | undefined {
  if (p === '~' || p.startsWith('~/')) return path.resolve(homeDir(), p.slice(2));
  if (p.startsWith('~')) return undefined; // ~user: refuse rather than guess
  return path.resolve(workspace, p);
}

/** The same path joined but not normalised, so `..` applies after symlinks (as the kernel does). */
function rawJoin(p: string, workspace: string): string {
  if (p === '~' || p.startsWith('~/')) return `${homeDir()}${path.sep}${p.slice(2)}`;
  return path.isAbsolute(p) ? p : `${workspace}${path.sep}${p}`;
}

function hasDotDot(p: string): boolean {
  return p.split(/[/\\]/).includes('..');
}

function display(p: string): string {
  return p.length > 120 ? `${p.slice(0, 117)}…` : p;
}

/**
 * Resolve a tool's path argument. Does not apply read- or write-specific rules: see
 * checkReadPath / checkWritePath.
 */
export function resolveInWorkspace(p: unknown, ctx: PathContext, tool = 'Path'): PathVerdict {
  if (typeof p !== 'string' || p === '') {
    return { ok: false, reason: `${tool}: a path argument is required`, rule: 'path:invalid' };
  }
  if (p.includes('\0')) {
    return { ok: false, reason: `${tool}: the path contains a NUL byte`, rule: 'path:invalid' };
  }
  const lexical = lexicalResolve(p, ctx.workspace);
  if (lexical === undefined) {
    return {
      ok: false,
      reason: `${tool}: \`${display(p)}\` (~user paths) is not allowed`,
      rule: 'path:invalid',
    };
  }
  let resolved: string;
  try {
    resolved = realpathNearest(lexical);
    // `link/../x`: the kernel applies `..` to the link's target, path.resolve to the link. If
    // the two disagree, the path is ambiguous (and possibly outside): refuse it.
    if (hasDotDot(p) && realpathNearest(rawJoin(p, ctx.workspace)) !== resolved) {
      return {
        ok: false,
        reason: `${tool}: \`${display(p)}\` combines a symbolic link with \`..\`; use the real path`,
        rule: 'path:ambiguous',
      };
    }
  } catch (e) {
    const code = isErrno(e) ? e.code : undefined;
    return {
      ok: false,
      reason: `${tool}: \`${display(p)}\` cannot be resolved (${code ?? 'error'})`,
      rule: 'path:unresolvable',
    };
  }
  if (!isWithin(ctx.workspace, resolved)) {
    const forbidden = forbiddenRootOf(resolved, ctx);
    if (forbidden !== undefined) {
      return {
        ok: false,
        reason: `${tool}: \`${display(p)}\` is in a protected location (${forbidden}) that the agent may never access`,
        rule: 'path:forbidden',
      };
    }
    const via = resolved !== lexical && isWithin(ctx.workspace, lexical) ? ' (through a symbolic link)' : '';
    return {
      ok: false,
      reason: `${tool}: \`${display(p)}\` is outside the workspace${via}; only files inside ${ctx.workspace} are allowed`,
      rule: 'path:outside-workspace',
    };
  }
  // A forbidden root strictly inside the workspace (odd setups) still applies.
  const inner = forbiddenRootOf(resolved, ctx);
  if (inner !== undefined) {
    return {
      ok: false,
      reason: `${tool}: \`${display(p)}\` is in a protected location (${inner}) that the agent may never access`,
      rule: 'path:forbidden',
    };
  }
  return { ok: true, resolved, relative: path.relative(ctx.workspace, resolved) };
}

/** The forbidden root containing `resolved`, ignoring roots that contain the workspace itself. */
function forbiddenRootOf(resolved: string, ctx: PathContext): string | undefined {
  for (const root of SYSTEM_FORBIDDEN) {
    if (isWithin(root, resolved) && !isWithin(root, ctx.workspace)) return root;
  }
  for (const root of ctx.forbiddenRoots) {
    if (root === '' || isWithin(root, ctx.workspace)) continue;
    if (isWithin(root, resolved)) return root;
  }
  return undefined;
}

function segments(relative: string): string[] {
  return relative === '' ? [] : relative.split(path.sep).map((s) => s.toLowerCase());
}

/** Why writing `relative` (relative to the workspace) is refused, or undefined. */
export function protectedReason(
  relative: string,
  opts: { allowConfigWrites?: boolean } = {},
): string | undefined {
  return protectedPath(relative, opts);
}

/** `.git` internals may hold credentials (actions/checkout persists the token in .git/config). */
function gitInternal(relative: string): boolean {
  return segments(relative).includes('.git');
}

export function checkReadPath(p: unknown, ctx: PathContext, tool = 'Read'): PathVerdict {
  const v = resolveInWorkspace(p, ctx, tool);
  if (!v.ok) return v;
  if (gitInternal(v.relative)) {
    return {
      ok: false,
      reason: `${tool}: \`${display(String(p))}\` is inside .git/, which is not readable (it may hold credentials)`,
      rule: 'path:git-internal',
    };
  }
  return v;
}

export function checkWritePath(p: unknown, ctx: PathContext, tool = 'Write'): PathVerdict {
  const v = resolveInWorkspace(p, ctx, tool);
  if (!v.ok) return v;
  // The path as written counts too: writing through `CLAUDE.md -> notes.md` changes CLAUDE.md.
  const lexical = typeof p === 'string' ? lexicalResolve(p, ctx.workspace) : undefined;
  const asWritten =
    lexical !== undefined && isWithin(ctx.workspace, lexical) ? path.relative(ctx.workspace, lexical) : '';
  const opts = { allowConfigWrites: ctx.allowConfigWrites };
  const prot = protectedReason(v.relative, opts) ?? protectedReason(asWritten, opts);
  if (prot !== undefined) {
    return {
      ok: false,
      reason: `${tool}: \`${display(String(p))}\` is protected: ${prot} is not written by the agent unless the workflow sets allow_config_writes: true`,
      rule: 'path:protected',
    };
  }
  if (v.relative === '') {
    return {
      ok: false,
      reason: `${tool}: the workspace root itself cannot be written`,
      rule: 'path:invalid',
    };
  }
  return v;
}

/**
 * A glob pattern (Glob's pattern, Grep's glob) must stay beneath its base: no absolute or `~`
 * patterns, no `..` that climbs above the base (also inside `{…}` alternatives).
 */
export function checkGlobPattern(
  pattern: unknown,
  tool = 'Glob',
): { ok: true } | { ok: false; reason: string; rule: string } {
  if (pattern === undefined) return { ok: true };
  if (typeof pattern !== 'string')
    return { ok: false, reason: `${tool}: the pattern must be a string`, rule: 'path:invalid' };
  if (pattern.includes('\0'))
    return { ok: false, reason: `${tool}: the pattern contains a NUL byte`, rule: 'path:invalid' };
  const deny = (why: string) => ({
    ok: false as const,
    reason: `${tool}: pattern \`${display(pattern)}\` ${why}; use a pattern relative to the workspace`,
    rule: 'path:outside-workspace',
  });
  if (
    pattern.startsWith('/') ||
    pattern.startsWith('~') ||
    pattern.startsWith('\\') ||
    /^[A-Za-z]:/.test(pattern)
  ) {
    return deny('is absolute');
  }
  // Brace alternatives may hide a `..`: refuse any `..` inside braces outright.
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') braceDepth++;
    else if (c === '}' && braceDepth > 0) braceDepth--;
    else if (c === '.' && pattern[i + 1] === '.' && braceDepth > 0)
      return deny('climbs out of its base with ..');
  }
  let depth = 0;
  for (const seg of pattern.split(/[/\\]/)) {
    if (seg === '' || seg === '.' || seg === '**') continue;
    if (seg === '..') {
      depth--;
      if (depth < 0) return deny('climbs out of its base with ..');
    } else depth++;
  }
  return { ok: true };
}
