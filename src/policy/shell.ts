/**
 * The structure of a Bash command, for judging it command by command.
 *
 * The command is parsed by mvdan/sh (`mvdan-sh`: the GopherJS build of mvdan.cc/sh/v3/syntax, the
 * parser behind shfmt and sh-syntax) in Bash mode; a syntax error refuses the command. Its tree is
 * then walked here with a whitelist, and anything outside it is refused:
 * - statements: no `&`, no `coproc`; `!` and redirections are fine;
 * - commands: simple commands (CallExpr), `&&` `||` `|` `|&`, `( … )`, `{ …; }`, if/elif/else,
 *   while/until and `for NAME in WORDS` — whose inner commands are all collected for judging;
 *   every other command node (functions, case, select, `[[ ]]`, `(( ))`, let, declare/export,
 *   time, coproc, C-style for) is refused;
 * - words: only literal text, single quotes and double quotes holding literal text. `$VAR`,
 *   `${…}`, `$(…)`, backticks, `<(…)`, `$((…))`, `$'…'`, `$"…"`, extended globs, and — which the
 *   parser leaves as literal text — `~` expansion and `{a,b}` brace expansion are refused.
 *   Quotes and backslashes are removed here to give the words bash would pass;
 * - redirections: known operators, numeric descriptors only, literal targets; here-documents may
 *   not expand anything.
 * Where this mvdan/sh build and bash read the same text differently, the command is refused:
 * a carriage return (a blank to the parser, part of a word to bash), and a comment ending in a
 * backslash (the parser continues the command on the next line, bash ends it:
 * `npm test # \<newline>curl x` would otherwise be judged as the single command
 * `npm test curl x`). Independently of comments, the words and redirections of one command must
 * be separated by blanks and line continuations only.
 * Judging the collected commands (prefixes, wrappers, redirect targets) is bash.ts's job.
 */
import type {
  MvAssign,
  MvBinaryCmd,
  MvCallExpr,
  MvCmdSubst,
  MvComment,
  MvDblQuoted,
  MvDeclClause,
  MvFile,
  MvForClause,
  MvIfClause,
  MvLit,
  MvNode,
  MvParamExp,
  MvParseError,
  MvParser,
  MvRedirect,
  MvSglQuoted,
  MvStmt,
  MvStmtList,
  MvSyntax,
  MvWhileClause,
  MvWord,
  MvWordIter,
} from 'mvdan-sh';

export interface ShWord {
  /** The word after quote removal. */
  value: string;
  /** Source span (JS string indices). */
  start: number;
  end: number;
  /** Contains an unquoted glob character (`*`, `?`, `[`). */
  glob: boolean;
}

export interface ShRedirect {
  /** The operator as written: `>`, `>>`, `2>&1` gives `>&`, … */
  op: string;
  /** Explicit file descriptor (`2>`), as written. */
  fd?: string;
  /** The target (for here-documents: the delimiter). */
  target: ShWord;
  /** A here-document (`<<`, `<<-`). */
  heredoc: boolean;
}

export interface ShSimple {
  words: ShWord[];
  /** Leading `NAME=value` assignments, values after quote removal. */
  assignments: string[];
  redirects: ShRedirect[];
  /** Source span (JS string indices), redirections included. */
  start: number;
  end: number;
}

export interface ShParsed {
  /** Top-level statements. */
  statements: number;
  /** Every simple command in source order, those nested in compounds included. */
  simple: ShSimple[];
  /** Redirections of compound commands (`{ …; } > out`). */
  compoundRedirects: ShRedirect[];
}

/** A refusal raised while parsing: the reason is meant for the model to read. */
export class ShellRefusal extends Error {
  constructor(
    public readonly reason: string,
    public readonly rule: string,
  ) {
    super(reason);
    this.name = 'ShellRefusal';
  }
}

function refuse(reason: string, rule: string): never {
  throw new ShellRefusal(`Bash: ${reason}`, rule);
}

// ---------------------------------------------------------------------------------------------
// Loading mvdan-sh

interface Loaded {
  syntax: MvSyntax;
  parser: MvParser;
  redirectOps: Map<number, string>;
  binaryOps: Map<number, string>;
}

let loading: Promise<Loaded> | undefined;

/**
 * GopherJS's runtime, when the package loads, sets `Error.stackTraceLimit = Infinity` (every Error
 * in the process would then capture its whole stack) and `globalThis.require`. Both are put back.
 * It reads the stack depth only while a Go panic unwinds, so the limit is lifted during each parse
 * (`withGoRuntime`).
 */
async function importMvdan(): Promise<MvSyntax> {
  const limit = Error.stackTraceLimit;
  const requireDesc = Object.getOwnPropertyDescriptor(globalThis, 'require');
  try {
    // A chunk of its own in the bundle: its 1.5 MB are read and compiled only when a command is
    // first parsed, not on every run's start-up.
    const mod = (await import('mvdan-sh')) as {
      default?: { syntax?: MvSyntax };
      syntax?: MvSyntax;
    };
    const syntax = mod.default?.syntax ?? mod.syntax;
    if (!syntax) throw new Error('mvdan-sh has no `syntax` export');
    return syntax;
  } finally {
    Error.stackTraceLimit = limit;
    if (requireDesc) Object.defineProperty(globalThis, 'require', requireDesc);
    else delete (globalThis as { require?: unknown }).require;
  }
}

function withGoRuntime<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const REDIRECT_SAMPLES: Record<string, string> = {
  '<': ': <x',
  '>': ': >x',
  '>>': ': >>x',
  '>|': ': >|x',
  '<>': ': <>x',
  '<&': ': <&0',
  '>&': ': >&2',
  '&>': ': &>x',
  '&>>': ': &>>x',
  '<<': ': <<x\nx\n',
  '<<-': ': <<-x\nx\n',
  '<<<': ': <<<x',
};
const BINARY_OPS = ['&&', '||', '|', '|&'];

/**
 * The operator numbers of this build, learnt by parsing one sample per operator (the package
 * exports no token constants). Anything not learnt here is refused.
 */
function calibrate(syntax: MvSyntax, parser: MvParser): Pick<Loaded, 'redirectOps' | 'binaryOps'> {
  const redirectOps = new Map<number, string>();
  for (const [op, sample] of Object.entries(REDIRECT_SAMPLES)) {
    const stmt = parser.Parse(sample, '').Stmts[0];
    const r = stmt?.Redirs[0];
    if (!r || stmt.Redirs.length !== 1 || redirectOps.has(r.Op)) throw new Error(`calibrating ${op}`);
    redirectOps.set(r.Op, op);
  }
  const binaryOps = new Map<number, string>();
  for (const op of BINARY_OPS) {
    const cmd = parser.Parse(`: ${op} :`, '').Stmts[0]?.Cmd;
    if (!cmd || syntax.NodeType(cmd) !== 'BinaryCmd') throw new Error(`calibrating ${op}`);
    const n = (cmd as MvBinaryCmd).Op;
    if (binaryOps.has(n)) throw new Error(`calibrating ${op}`);
    binaryOps.set(n, op);
  }
  return { redirectOps, binaryOps };
}

/** Load mvdan-sh once (~70 ms), on the first parse. */
function load(): Promise<Loaded> {
  loading ??= (async () => {
    const syntax = await importMvdan();
    return withGoRuntime(() => {
      // Comments are kept only to be checked (see Walker.comments).
      const parser = syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash));
      return { syntax, parser, ...calibrate(syntax, parser) };
    });
  })();
  return loading;
}

/**
 * Load the parser ahead of the first Bash command (optional: only moves the cost). Never rejects:
 * if the package cannot be loaded, every Bash command is refused (see parseShell).
 */
export async function loadShellParser(): Promise<void> {
  try {
    await load();
  } catch {
    // reported by parseShell
  }
}

// ---------------------------------------------------------------------------------------------
// Positions

/** JS string index of a UTF-8 byte offset (mvdan/sh positions are byte offsets). */
function indexFn(src: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(src)) return (b) => Math.min(b, src.length);
  const starts: number[] = []; // byte offset of each JS index
  let bytes = 0;
  for (let i = 0; i < src.length; i++) {
    starts.push(bytes);
    const c = src.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < src.length) {
      const d = src.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        starts.push(bytes); // the low surrogate shares the pair's 4 bytes
        bytes += 4;
        i++;
        continue;
      }
      bytes += 3;
    } else bytes += 3; // BMP character or lone surrogate (encoded as U+FFFD)
  }
  return (b) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

// ---------------------------------------------------------------------------------------------
// The walk

/** Bash variables that change how the shell itself behaves, even when not exported. */
const SPECIAL_LOWERCASE_VARS = new Set(['auto_resume', 'histchars']);

/** What may separate the words and redirections of one command. */
const BLANKS = /^(?:[ \t]|\\\n)*$/;

interface Span {
  start: number;
  end: number;
}

class Walker {
  readonly simple: ShSimple[] = [];
  readonly compoundRedirects: ShRedirect[] = [];
  private readonly index: (b: number) => number;

  constructor(
    private readonly L: Loaded,
    private readonly src: string,
  ) {
    this.index = indexFn(src);
  }

  private span(node: MvNode): Span {
    return { start: this.index(node.Pos().Offset()), end: this.index(node.End().Offset()) };
  }

  /**
   * mvdan/sh treats a backslash-newline at the end of a comment as a line continuation; bash
   * ends the comment (and the command) at the newline. Such a comment's text then holds the
   * newline.
   */
  comments(list: MvComment[] | null | undefined): void {
    for (const c of list ?? []) {
      const text = c.Text;
      if (text.includes('\n') || text.endsWith('\\')) {
        refuse(
          'a comment may not end with a backslash (bash ends the comment at the newline)',
          'bash:syntax',
        );
      }
    }
  }

  /** The parts of one command must be separated by blanks and line continuations only. */
  private checkGaps(spans: Span[]): void {
    if (spans.length < 2) return;
    spans.sort((a, b) => a.start - b.start);
    for (let k = 1; k < spans.length; k++) {
      const prev = spans[k - 1] as Span;
      const cur = spans[k] as Span;
      if (cur.start < prev.end || !BLANKS.test(this.src.slice(prev.end, cur.start))) {
        refuse(
          'the command could not be analysed reliably (unexpected text between its words)',
          'bash:syntax',
        );
      }
    }
  }

  private type(node: unknown): string {
    return this.L.syntax.NodeType(node);
  }

  stmts(list: MvStmt[] | null): void {
    for (const s of list ?? []) this.stmt(s);
  }

  private stmt(s: MvStmt): void {
    this.comments(s.Comments);
    if (s.Background) refuse('background jobs (&) are not allowed', 'bash:background');
    if (s.Coprocess) refuse('coprocesses (coproc) are not allowed', 'bash:unsupported');
    const cmd = s.Cmd;
    const redirects: ShRedirect[] = [];
    const spans: Span[] = [];
    for (const r of s.Redirs ?? []) {
      const { redirect, span } = this.redirect(r);
      redirects.push(redirect);
      spans.push(span);
    }
    if (cmd === null) {
      // Redirections alone (`> file`): judged (refused) as a command without words.
      this.checkGaps(spans);
      this.simple.push({ words: [], assignments: [], redirects, ...cover(spans) });
      return;
    }
    const t = this.type(cmd);
    if (t === 'CallExpr') {
      const c = cmd as MvCallExpr;
      const assignments: string[] = [];
      for (const a of c.Assigns ?? []) {
        assignments.push(this.assign(a));
        spans.push(this.span(a));
      }
      const words = (c.Args ?? []).map((w) => this.word(w));
      spans.push(...words);
      this.checkGaps(spans);
      this.simple.push({ words, assignments, redirects, ...cover(spans) });
      return;
    }
    this.command(cmd, t);
    if (spans.length > 0) this.checkGaps([this.span(cmd), ...spans]);
    this.compoundRedirects.push(...redirects);
  }

  private assign(a: MvAssign): string {
    if (a.Index !== null || a.Array !== null || a.Naked || a.Name === null) {
      refuse('array and indexed variable assignments are not allowed', 'bash:assignment');
    }
    const value = a.Value === null ? '' : this.word(a.Value).value;
    return `${a.Name.Value}${a.Append ? '+=' : '='}${value}`;
  }

  private command(cmd: MvNode, t: string): void {
    switch (t) {
      case 'BinaryCmd': {
        const b = cmd as MvBinaryCmd;
        if (!this.L.binaryOps.has(b.Op))
          refuse('this command list operator is not supported', 'bash:unsupported');
        this.stmt(b.X);
        this.stmt(b.Y);
        return;
      }
      case 'Subshell':
      case 'Block': {
        const l = cmd as MvStmtList;
        this.stmts(l.Stmts);
        this.comments(l.Last);
        return;
      }
      case 'IfClause': {
        for (let c: MvIfClause | null = cmd as MvIfClause; c !== null; c = c.Else) {
          this.stmts(c.Cond);
          this.comments(c.CondLast);
          this.stmts(c.Then);
          this.comments(c.ThenLast);
          this.comments(c.Last);
        }
        return;
      }
      case 'WhileClause': {
        const w = cmd as MvWhileClause;
        this.stmts(w.Cond);
        this.comments(w.CondLast);
        this.stmts(w.Do);
        this.comments(w.DoLast);
        return;
      }
      case 'ForClause': {
        const f = cmd as MvForClause;
        if (f.Select) refuse('select loops are not allowed', 'bash:unsupported');
        const loopType = this.type(f.Loop);
        if (loopType === 'CStyleLoop') refuse('arithmetic for loops are not allowed', 'bash:expansion');
        if (loopType !== 'WordIter') refuse('this kind of for loop is not supported', 'bash:unsupported');
        const it = f.Loop as MvWordIter;
        this.loopVariable(it.Name.Value);
        for (const w of it.Items ?? []) this.word(w);
        this.stmts(f.Do);
        this.comments(f.DoLast);
        return;
      }
      case 'FuncDecl':
        return refuse('function declarations are not allowed', 'bash:unsupported');
      case 'CaseClause':
        return refuse('case statements are not allowed', 'bash:unsupported');
      case 'TestClause':
        return refuse('[[ … ]] tests are not allowed', 'bash:unsupported');
      case 'CoprocClause':
        return refuse('coprocesses (coproc) are not allowed', 'bash:unsupported');
      case 'ArithmCmd':
        return refuse('arithmetic commands ((…)) are not allowed', 'bash:expansion');
      case 'LetClause':
        return refuse('`let` (arithmetic on shell variables) is not allowed', 'bash:expansion');
      case 'TimeClause':
        return refuse('`time` runs another command and is not allowed', 'bash:wrapper');
      case 'DeclClause': {
        const name = (cmd as MvDeclClause).Variant?.Value ?? 'declare';
        return refuse(`\`${name}\` changes shell variables and is not allowed`, 'bash:wrapper');
      }
      default:
        return refuse(`unsupported shell construct (${t})`, 'bash:unsupported');
    }
  }

  /**
   * `for NAME in …` assigns NAME in the shell running the commands. An exported or special
   * variable (PATH, HOME, GIT_DIR, LD_PRELOAD, http_proxy, …) would change what the allowed
   * commands do, so only a lowercase name that is not in the environment is accepted.
   */
  private loopVariable(name: string): void {
    if (
      !/^[a-z_][a-z0-9_]*$/.test(name) ||
      SPECIAL_LOWERCASE_VARS.has(name) ||
      name.endsWith('_proxy') ||
      Object.prototype.hasOwnProperty.call(process.env, name)
    ) {
      refuse(
        `the for-loop variable \`${name}\` is not allowed (it would set a shell variable); use a lowercase name such as \`i\``,
        'bash:assignment',
      );
    }
  }

  private redirect(r: MvRedirect): { redirect: ShRedirect; span: Span } {
    const op = this.L.redirectOps.get(r.Op);
    if (op === undefined) refuse('this redirection operator is not supported', 'bash:unsupported');
    let fd: string | undefined;
    if (r.N !== null) {
      fd = r.N.Value;
      if (!/^\d+$/.test(fd)) {
        refuse(`named file descriptors (\`${fd}${op}\`) are not allowed`, 'bash:redirect');
      }
    }
    if (r.Word === null) refuse(`\`${op}\` needs a target`, 'bash:syntax');
    const target = this.word(r.Word);
    const heredoc = op === '<<' || op === '<<-';
    if (heredoc && r.Hdoc !== null) {
      for (const p of r.Hdoc.Parts ?? []) {
        if (this.type(p) !== 'Lit') {
          refuse(
            "here-documents with expansions ($, `) are not allowed; quote the delimiter (<<'EOF') to keep the text literal",
            'bash:heredoc',
          );
        }
      }
    }
    const out: ShRedirect = { op, target, heredoc };
    if (fd !== undefined) out.fd = fd;
    // The redirection as written (for a here-document, without its body).
    return { redirect: out, span: { start: this.index(r.Pos().Offset()), end: target.end } };
  }

  /** A word made only of literal text and quotes, after quote removal. */
  word(w: MvWord): ShWord {
    const parts = w.Parts ?? [];
    let value = '';
    let glob = false;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k] as MvNode;
      const t = this.type(p);
      if (t === 'Lit') {
        const lit = unquotedLit((p as MvLit).Value, k === 0, k === parts.length - 1, parts.length === 1);
        value += lit.value;
        glob ||= lit.glob;
      } else if (t === 'SglQuoted') {
        const q = p as MvSglQuoted;
        if (q.Dollar) refuse("$'…' quoting is not allowed", 'bash:expansion');
        value += q.Value;
      } else if (t === 'DblQuoted') {
        const q = p as MvDblQuoted;
        if (q.Dollar) refuse('$"…" quoting is not allowed', 'bash:expansion');
        for (const inner of q.Parts ?? []) {
          const it = this.type(inner);
          if (it !== 'Lit') this.partRefusal(inner, it);
          value += doubleQuotedLit((inner as MvLit).Value);
        }
      } else this.partRefusal(p, t);
    }
    return { value, start: this.index(w.Pos().Offset()), end: this.index(w.End().Offset()), glob };
  }

  private partRefusal(p: MvNode, t: string): never {
    switch (t) {
      case 'ParamExp': {
        const pe = p as MvParamExp;
        const name = pe.Param?.Value ?? '';
        return refuse(
          pe.Short && name !== ''
            ? `parameter expansion ($${name}) is not allowed`
            : 'parameter expansion ${…} is not allowed',
          'bash:expansion',
        );
      }
      case 'CmdSubst':
        return refuse(
          (p as MvCmdSubst).Backquotes
            ? 'command substitution `…` is not allowed'
            : 'command substitution $(…) is not allowed',
          'bash:substitution',
        );
      case 'ProcSubst':
        return refuse('process substitution <(…) / >(…) is not allowed', 'bash:substitution');
      case 'ArithmExp':
        return refuse('arithmetic expansion $((…)) is not allowed', 'bash:expansion');
      case 'ExtGlob':
        return refuse('extended globs (@(…), !(…), …) are not allowed', 'bash:expansion');
      case 'BraceExp':
        return refuse('brace expansion is not allowed; quote the braces', 'bash:expansion');
      default:
        return refuse(`unsupported word part (${t})`, 'bash:unsupported');
    }
  }
}

function cover(spans: Span[]): Span {
  if (spans.length === 0) return { start: 0, end: 0 };
  return { start: Math.min(...spans.map((x) => x.start)), end: Math.max(...spans.map((x) => x.end)) };
}

/**
 * Quote removal for an unquoted literal, refusing the expansions bash performs on literal text
 * that mvdan/sh leaves as a Lit: `~` (at the start of a word or after `=`/`:`) and `{…}`.
 */
function unquotedLit(
  raw: string,
  wordStart: boolean,
  wordEnd: boolean,
  whole: boolean,
): { value: string; glob: boolean } {
  let value = '';
  let glob = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === undefined) value += '\\';
      else if (next !== '\n') value += next;
      i++;
      continue;
    }
    if (c === '~') {
      const prev = raw[i - 1];
      if ((i === 0 && wordStart) || prev === '=' || prev === ':')
        refuse('~ (home directory expansion) is not allowed', 'bash:expansion');
    } else if (c === '{') {
      // A lone `{` word, or `{}` ending a word (find -exec … {}), is not a brace expansion.
      const lone = whole && raw === '{';
      const emptyPair = raw[i + 1] === '}' && i + 2 === raw.length && wordEnd;
      if (!lone && !emptyPair)
        refuse('unquoted { (brace expansion) is not allowed; quote it', 'bash:expansion');
    } else if (c === '*' || c === '?' || c === '[') glob = true;
    value += c;
  }
  return { value, glob };
}

/** Quote removal inside double quotes: `\` escapes only `$`, `` ` ``, `"`, `\` and newline. */
function doubleQuotedLit(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let value = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    const next = raw[i + 1];
    if (c === '\\' && next !== undefined && '$`"\\\n'.includes(next)) {
      if (next !== '\n') value += next;
      i++;
      continue;
    }
    value += c;
  }
  return value;
}

/**
 * Parse a command into its simple commands. Throws ShellRefusal for a syntax error, for anything
 * outside the whitelist, and when the parser cannot be loaded (fail closed).
 */
export async function parseShell(src: string): Promise<ShParsed> {
  if (src.includes('\0')) refuse('the command contains a NUL byte', 'bash:syntax');
  // mvdan/sh reads a carriage return as a blank; bash keeps it in the word (`npm\rtest` is one
  // word to bash, two to the parser).
  if (src.includes('\r')) refuse('carriage returns are not allowed; use plain newlines', 'bash:syntax');
  let L: Loaded;
  try {
    L = await load();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return refuse(`the shell parser could not be loaded (${msg.slice(0, 120)})`, 'bash:syntax');
  }
  return withGoRuntime(() => {
    let file: MvFile;
    try {
      file = L.parser.Parse(src, '');
    } catch (e) {
      const err = e as Partial<MvParseError> & { message?: unknown };
      const msg =
        typeof err?.Error === 'function'
          ? err.Error()
          : typeof err?.message === 'string'
            ? err.message
            : String(e);
      return refuse(`the command does not parse as shell: ${msg.slice(0, 200)}`, 'bash:syntax');
    }
    const stmts = file.Stmts ?? [];
    const walker = new Walker(L, src);
    try {
      walker.comments(file.Last);
      if (stmts.length === 0) refuse('an empty command is not allowed', 'bash:syntax');
      walker.stmts(stmts);
    } catch (e) {
      if (e instanceof ShellRefusal) throw e;
      // A tree shape this walk does not expect: refuse rather than guess.
      const msg = e instanceof Error ? e.message : String(e);
      refuse(`the command could not be analysed (${msg.slice(0, 120)})`, 'bash:unsupported');
    }
    return {
      statements: stmts.length,
      simple: walker.simple,
      compoundRedirects: walker.compoundRedirects,
    };
  });
}
