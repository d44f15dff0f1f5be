/**
 * Bash judged after parsing: every simple command — in lists, pipelines, subshells, blocks and
 * if/while/until/for — must start with an allowed prefix (whole words), words must be literal,
 * wrappers that run other commands are refused, and redirections stay inside the workspace.
 * See shell.ts for how the command is parsed (mvdan/sh's AST, walked with a whitelist).
 */
import path from 'node:path';
import { judgeArguments, unwrap } from './bash-args';
import { checkReadPath, checkWritePath, type PathContext } from './paths';
import { bashPrefixWords } from './rules';
import { ShellRefusal, loadShellParser, parseShell, type ShRedirect, type ShSimple } from './shell';

export { loadShellParser };

export type Verdict = { allowed: true } | { allowed: false; reason: string; rule: string };

export interface BashCommand {
  /** Words after quote removal. */
  words: string[];
  /** Leading `NAME=value` assignments. */
  assignments: string[];
  redirects: { op: string; fd?: string; target: string; heredoc: boolean }[];
  /** The command as written. */
  source: string;
}

export type ParsedBash =
  | {
      ok: true;
      commands: BashCommand[];
      /** top-level statements */ statements: number;
      internal: ParsedInternal;
    }
  | { ok: false; reason: string; rule: string };

/** The parser's structures, for judging (not a stable API). */
export interface ParsedInternal {
  simple: ShSimple[];
  compoundRedirects: ShRedirect[];
}

export async function parseBash(command: string): Promise<ParsedBash> {
  if (typeof command !== 'string' || command.trim() === '') {
    return { ok: false, reason: 'Bash: an empty command is not allowed', rule: 'bash:syntax' };
  }
  try {
    const parsed = await parseShell(command);
    const commands = parsed.simple.map((c): BashCommand => ({
      words: c.words.map((w) => w.value),
      assignments: c.assignments,
      redirects: c.redirects.map((r) => ({
        op: r.op,
        ...(r.fd !== undefined ? { fd: r.fd } : {}),
        target: r.target.value,
        heredoc: r.heredoc,
      })),
      source: command.slice(c.start, c.end),
    }));
    return {
      ok: true,
      commands,
      statements: parsed.statements,
      internal: { simple: parsed.simple, compoundRedirects: parsed.compoundRedirects },
    };
  } catch (e) {
    if (e instanceof ShellRefusal) return { ok: false, reason: e.reason, rule: e.rule };
    throw e;
  }
}

/** Commands that run other commands, change the shell, or leak its environment. */
const WRAPPERS: Record<string, string> = {
  eval: 'runs a string as shell code',
  exec: 'replaces the shell with another command',
  source: 'runs a file as shell code',
  '.': 'runs a file as shell code',
  printenv: 'prints the environment',
  export: 'changes the environment of later commands',
  declare: 'changes shell variables',
  typeset: 'changes shell variables',
  local: 'changes shell variables',
  readonly: 'changes shell variables',
  set: 'changes shell options or prints variables',
  unset: 'changes shell variables',
  alias: 'changes what later commands mean',
  unalias: 'changes what later commands mean',
  trap: 'runs code on signals',
  enable: 'changes shell builtins',
  shopt: 'changes shell options',
  hash: 'changes how commands are found',
  sudo: 'runs another command as another user',
  doas: 'runs another command as another user',
  su: 'runs commands as another user',
  runuser: 'runs commands as another user',
  command: 'runs another command',
  builtin: 'runs another command',
  time: 'runs another command',
  ionice: 'runs another command',
  stdbuf: 'runs another command',
  setsid: 'runs another command',
  chroot: 'runs another command',
  unshare: 'runs another command',
  nsenter: 'runs another command',
  watch: 'runs another command',
  coproc: 'runs a coprocess',
  cd: 'changes the working directory (commands run at the workspace root)',
  pushd: 'changes the working directory (commands run at the workspace root)',
  popd: 'changes the working directory (commands run at the workspace root)',
  read: 'changes shell variables',
  mapfile: 'changes shell variables and can run code',
  readarray: 'changes shell variables and can run code',
  getopts: 'changes shell variables',
  fc: 'runs commands from the history',
  compgen: 'can run other commands',
  complete: 'can run other commands',
};

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox']);

/** Redirect targets that are always fine. */
const SAFE_DEVICES_WRITE = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);
const SAFE_DEVICES_READ = new Set(['/dev/null', '/dev/stdin']);
const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

function show(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A parsed allow-list entry: words, with `:*` / ` *` suffixes dropped. */
export function prefixWords(prefixes: readonly string[]): string[][] {
  return prefixes.map((p) => bashPrefixWords(p)).filter((w) => w.length > 0);
}

export function matchesPrefix(words: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || words.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (words[i] !== prefix[i]) return false;
  return true;
}

function wrapperReason(words: readonly string[]): string | undefined {
  const name = words[0];
  if (name === undefined) return undefined;
  const base = name.includes('/') ? path.posix.basename(name) : name;
  const why = Object.hasOwn(WRAPPERS, base) ? WRAPPERS[base] : undefined;
  if (why !== undefined) return `\`${base}\` ${why} and is not allowed`;
  if (base === 'printf' && words[1]?.startsWith('-v')) {
    return '`printf -v` changes shell variables and is not allowed';
  }
  if (SHELLS.has(base)) {
    const args = words.slice(1);
    let operand = false;
    for (const a of args) {
      if (a === '--') break;
      if (a === '-c' || /^-[A-Za-z]*c[A-Za-z]*$/.test(a) || a === '--command' || a === '-s' || a === '-i') {
        return `\`${base} ${a}\` runs a command string and is not allowed`;
      }
      if (!a.startsWith('-') && !a.startsWith('+')) {
        operand = true;
        break;
      }
    }
    if (!operand) return `\`${base}\` without a script reads commands from its input and is not allowed`;
  }
  return undefined;
}

export interface JudgeOptions {
  /** The workflow's `allow_config_writes` (redirections into protected paths). */
  allowConfigWrites?: boolean;
  /** Roots never readable (for `<` redirections). */
  forbiddenRoots?: readonly string[];
  /** disallowed_tools Bash prefixes: any command matching one is refused. */
  deniedPrefixes?: readonly { words: readonly string[]; rule: string }[];
}

function judgeRedirect(r: ShRedirect, ctx: PathContext): Verdict {
  const op = r.op;
  const target = r.target.value;
  // Here-documents and here-strings feed text, not files (their content was checked by the parser).
  if (r.heredoc || op === '<<<') return { allowed: true };
  if ((op === '>&' || op === '<&') && (/^\d+$/.test(target) || target === '-')) return { allowed: true };
  if (op === '<&') {
    return {
      allowed: false,
      reason: `Bash: \`<&${show(target)}\` is not a valid descriptor duplication`,
      rule: 'bash:redirect',
    };
  }
  if (r.target.glob) {
    return {
      allowed: false,
      reason: `Bash: redirection target \`${show(target)}\` must be a plain path (no wildcards)`,
      rule: 'bash:redirect',
    };
  }
  if (target === '')
    return {
      allowed: false,
      reason: 'Bash: an empty redirection target is not allowed',
      rule: 'bash:redirect',
    };
  const write = WRITE_OPS.has(op) || op === '>&';
  if (write && SAFE_DEVICES_WRITE.has(target)) return { allowed: true };
  if (!write && SAFE_DEVICES_READ.has(target)) return { allowed: true };
  const v = write ? checkWritePath(target, ctx, 'Bash') : checkReadPath(target, ctx, 'Bash');
  if (v.ok) return { allowed: true };
  return {
    allowed: false,
    reason: `Bash: redirection \`${op}${show(target)}\` is refused: ${v.reason.replace(/^Bash: /, '')}`,
    rule: 'bash:redirect',
  };
}

/** Judge an already parsed command. */
export function judgeParsed(
  parsed: ParsedBash,
  allowedPrefixes: readonly string[],
  workspace: string,
  opts: JudgeOptions = {},
): Verdict {
  if (!parsed.ok) return { allowed: false, reason: parsed.reason, rule: parsed.rule };
  const prefixes = prefixWords(allowedPrefixes);
  const ctx: PathContext = {
    workspace,
    forbiddenRoots: opts.forbiddenRoots ?? [],
    allowConfigWrites: opts.allowConfigWrites,
  };
  const allowedList = prefixes.length > 0 ? prefixes.map((p) => p.join(' ')).join(', ') : 'none';
  const { simple } = parsed.internal;
  for (let k = 0; k < parsed.commands.length; k++) {
    const cmd = parsed.commands[k] as BashCommand;
    const node = simple[k] as ShSimple;
    const shown = show(cmd.source);
    if (cmd.assignments.length > 0) {
      return {
        allowed: false,
        reason: `Bash: variable assignments (\`${show(cmd.assignments[0] as string, 40)}\`) are not allowed`,
        rule: 'bash:assignment',
      };
    }
    if (cmd.words.length === 0) {
      return {
        allowed: false,
        reason: `Bash: \`${shown}\` is a redirection without a command and is not allowed`,
        rule: 'bash:redirect',
      };
    }
    // env/nice/nohup/timeout/xargs are judged by the command they run.
    const unwrapped = unwrap(cmd.words);
    if (!unwrapped.ok) return { allowed: false, reason: unwrapped.reason, rule: unwrapped.rule };
    const words = unwrapped.words;
    if (words.length === 0) {
      return { allowed: false, reason: `Bash: \`${shown}\` runs no command`, rule: 'bash:wrapper' };
    }
    const wrapper = wrapperReason(words);
    if (wrapper !== undefined) return { allowed: false, reason: `Bash: ${wrapper}`, rule: 'bash:wrapper' };
    for (const d of opts.deniedPrefixes ?? []) {
      if (d.words.length === 0 || matchesPrefix(words, d.words) || matchesPrefix(cmd.words, d.words)) {
        return {
          allowed: false,
          reason: `Bash: \`${shown}\` is disallowed by ${d.rule.replace(/^disallowed_tools:/, '')}`,
          rule: d.rule,
        };
      }
    }
    const matched = prefixes.find((p) => matchesPrefix(words, p));
    if (matched === undefined) {
      return {
        allowed: false,
        reason:
          prefixes.length === 0
            ? `Bash: \`${shown}\` is not allowed: no commands are allowed (allowed_bash is empty)`
            : `Bash: \`${shown}\` is not an allowed command (allowed: ${allowedList})`,
        rule: 'bash:not-allowed',
      };
    }
    const args = judgeArguments(words, matched, ctx);
    if (!args.ok) return { allowed: false, reason: args.reason, rule: args.rule };
    for (const r of node.redirects) {
      const v = judgeRedirect(r, ctx);
      if (!v.allowed) return v;
    }
  }
  for (const r of parsed.internal.compoundRedirects) {
    const v = judgeRedirect(r, ctx);
    if (!v.allowed) return v;
  }
  return { allowed: true };
}

/**
 * Judge a Bash command: allowed only if every simple command matches an allowed prefix on word
 * boundaries and nothing in it expands, substitutes, backgrounds, wraps or redirects outside the
 * workspace. An empty allow-list refuses every command.
 */
export async function judgeBash(
  command: string,
  allowedPrefixes: readonly string[],
  workspace: string,
  opts: JudgeOptions = {},
): Promise<Verdict> {
  if (prefixWords(allowedPrefixes).length === 0) {
    return {
      allowed: false,
      reason: 'Bash: no commands are allowed (allowed_bash is empty)',
      rule: 'bash:not-allowed',
    };
  }
  return judgeParsed(await parseBash(command), allowedPrefixes, workspace, opts);
}
