/**
 * The structure of a Bash command, for judging it command by command.
 *
 * Two parsers agree or the command is refused:
 * 1. `sh-syntax` (mvdan/sh compiled to WASM) is the grammar authority: the command must parse as
 *    Bash. Its AST, however, only exposes top-level statements (with their background flag and
 *    redirections) and source spans — not the commands inside `&&`, `|`, subshells or loops.
 * 2. So the command tree is built here by a small fail-closed tokenizer + recursive-descent parser
 *    that accepts only a safe subset: literal words (quotes and backslash escapes allowed), lists
 *    (`;`, `&&`, `||`, newline), pipelines, `( … )`, `{ …; }`, if/while/until/for and
 *    redirections. Every expansion ($VAR, ${…}, $(…), backticks, <(…), $((…)), ~, brace
 *    expansion) is refused here, as are case/select/[[ ]]/(( ))/functions/coproc.
 * The tree is then cross-checked against sh-syntax: the top-level statements must start at the
 * same offsets, and every simple command re-parsed on its own line must be exactly one statement
 * with the same word span and the same redirections. Any disagreement refuses the command.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { getProcessor, parse as shDefaultParse } from 'sh-syntax';
// Defines globalThis.Go. sh-syntax imports it for its side effect, but its package.json does not
// list the .cjs file under sideEffects, so bundlers drop that import: referencing the module
// keeps it (and runs it) in the bundle.
import * as goRuntime from 'sh-syntax/vendors/wasm_exec.cjs';
import type { File as ShFile, Redirect as ShRedirectNode, Stmt as ShStmt } from 'sh-syntax';

export interface ShWord {
  /** The word after quote removal. */
  value: string;
  /** Source span (JS string indices). */
  start: number;
  end: number;
  /** No quotes and no backslashes anywhere in the word. */
  plain: boolean;
  /** Contains an unquoted glob character (`*`, `?`, `[`). */
  glob: boolean;
  /** The unquoted text before the first quote or escape (assignment detection). */
  lead: string;
}

export interface ShHeredoc {
  body: string;
  /** Delimiter was quoted: the body is taken literally. */
  quoted: boolean;
  /** Source span of the body and its terminator line. */
  rawStart: number;
  rawEnd: number;
}

export interface ShRedirect {
  op: string;
  /** Explicit file descriptor (`2>`), as written. */
  fd?: string;
  target: ShWord;
  heredoc?: ShHeredoc;
  start: number;
  end: number;
}

export interface ShSimple {
  kind: 'simple';
  words: ShWord[];
  redirects: ShRedirect[];
  start: number;
  end: number;
}

export interface ShCompound {
  kind: 'subshell' | 'group' | 'if' | 'while' | 'until' | 'for';
  /** Nested lists (condition and bodies) in source order. */
  lists: ShAndOr[][];
  /** `for NAME in WORDS`: the words. */
  words: ShWord[];
  redirects: ShRedirect[];
  start: number;
  end: number;
}

export type ShCommand = ShSimple | ShCompound;

export interface ShPipeline {
  negated: boolean;
  commands: ShCommand[];
}

export interface ShAndOr {
  pipelines: ShPipeline[];
  background: boolean;
  start: number;
  end: number;
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
// Tokenizer

type Token =
  | { t: 'word'; word: ShWord }
  | { t: 'op'; op: string; start: number; end: number; fd?: string; heredoc?: ShHeredoc }
  | { t: 'nl'; start: number; end: number }
  | { t: 'eof'; start: number; end: number };

const REDIRECT_OPS = new Set(['<', '>', '>>', '>|', '<>', '<&', '>&', '&>', '&>>', '<<', '<<-', '<<<']);
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const GLOB_CHARS = new Set(['*', '?', '[']);

function dollarRefusal(src: string, i: number): never {
  const next = src[i + 1];
  if (next === '(') {
    if (src[i + 2] === '(') refuse('arithmetic expansion $((…)) is not allowed', 'bash:expansion');
    refuse('command substitution $(…) is not allowed', 'bash:substitution');
  }
  if (next === '{') refuse('parameter expansion ${…} is not allowed', 'bash:expansion');
  if (next === '[') refuse('arithmetic expansion $[…] is not allowed', 'bash:expansion');
  if (next === "'" || next === '"') refuse(`${'$'}${next}…${next} quoting is not allowed`, 'bash:expansion');
  let name = '';
  for (let j = i + 1; j < src.length && name.length < 40; j++) {
    const c = src[j] as string;
    if (/[A-Za-z0-9_]/.test(c)) name += c;
    else break;
  }
  if (name === '' && next !== undefined && '@*#?$!-0'.includes(next)) name = next;
  refuse(`parameter expansion ($${name || '…'}) is not allowed`, 'bash:expansion');
}

interface PendingHeredoc {
  token: { heredoc?: ShHeredoc };
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const pending: PendingHeredoc[] = [];
  let expectDelimiter: { token: { heredoc?: ShHeredoc }; stripTabs: boolean } | undefined;
  let i = 0;
  const n = src.length;

  const readHeredocBodies = () => {
    for (const h of pending) {
      const rawStart = i;
      let body = '';
      for (;;) {
        if (i >= n) refuse(`here-document delimited by \`${h.delimiter}\` is not terminated`, 'bash:syntax');
        let nl = src.indexOf('\n', i);
        if (nl === -1) nl = n;
        let line = src.slice(i, nl);
        if (h.stripTabs) line = line.replace(/^\t+/, '');
        const lineEnd = nl;
        i = nl < n ? nl + 1 : n;
        if (line === h.delimiter) {
          h.token.heredoc = { body, quoted: h.quoted, rawStart, rawEnd: lineEnd };
          break;
        }
        body += `${line}\n`;
      }
      if (!h.quoted) {
        for (const c of body) {
          if (c === '$' || c === '`' || c === '\\') {
            refuse(
              'a here-document with an unquoted delimiter may only contain literal text (no $, ` or \\); quote the delimiter',
              'bash:heredoc',
            );
          }
        }
      }
    }
    pending.length = 0;
  };

  while (i < n) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      tokens.push({ t: 'nl', start: i, end: i + 1 });
      i++;
      if (expectDelimiter) refuse('a here-document operator needs a delimiter word', 'bash:syntax');
      if (pending.length > 0) readHeredocBodies();
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\0') refuse('the command contains a NUL byte', 'bash:syntax');
    // Operators (longest match first).
    if (c === ';' || c === '&' || c === '|' || c === '<' || c === '>' || c === '(' || c === ')') {
      const three = src.slice(i, i + 3);
      const two = src.slice(i, i + 2);
      if (two === '<(' || two === '>(')
        refuse(`process substitution ${two}…) is not allowed`, 'bash:substitution');
      if (two === ';;' || two === ';&') refuse('case clauses are not allowed', 'bash:unsupported');
      let op: string;
      if (three === '&>>' || three === '<<<' || three === '<<-') op = three;
      else if (['&&', '||', '|&', '&>', '<<', '<>', '<&', '>>', '>|', '>&'].includes(two)) op = two;
      else op = c;
      const token: Token & { t: 'op' } = { t: 'op', op, start: i, end: i + op.length };
      // An all-digit word right before a redirection is its file descriptor.
      const prev = tokens[tokens.length - 1];
      if (
        REDIRECT_OPS.has(op) &&
        prev?.t === 'word' &&
        prev.word.end === i &&
        prev.word.plain &&
        /^\d+$/.test(prev.word.value) &&
        expectDelimiter === undefined
      ) {
        tokens.pop();
        token.fd = prev.word.value;
        token.start = prev.word.start;
      }
      if (expectDelimiter) refuse('a here-document operator needs a delimiter word', 'bash:syntax');
      if (op === '<<' || op === '<<-') expectDelimiter = { token, stripTabs: op === '<<-' };
      tokens.push(token);
      i += op.length;
      continue;
    }
    // A word.
    const start = i;
    let value = '';
    let lead = '';
    let plain = true;
    let glob = false;
    let quotedSeen = false;
    const atWordStart = () => value === '' && !quotedSeen;
    while (i < n) {
      const ch = src[i] as string;
      if (WORD_BREAK.has(ch)) break;
      if (ch === '\\') {
        const next = src[i + 1];
        if (next === '\n') {
          i += 2;
          continue;
        }
        if (next === undefined) refuse('a trailing backslash is not allowed', 'bash:syntax');
        plain = false;
        quotedSeen = true;
        value += next;
        i += 2;
        continue;
      }
      if (ch === "'") {
        const close = src.indexOf("'", i + 1);
        if (close === -1) refuse('unterminated single quote', 'bash:syntax');
        value += src.slice(i + 1, close);
        plain = false;
        quotedSeen = true;
        i = close + 1;
        continue;
      }
      if (ch === '"') {
        plain = false;
        quotedSeen = true;
        i++;
        for (;;) {
          if (i >= n) refuse('unterminated double quote', 'bash:syntax');
          const d = src[i] as string;
          if (d === '"') {
            i++;
            break;
          }
          if (d === '$') dollarRefusal(src, i);
          if (d === '`') refuse('command substitution `…` is not allowed', 'bash:substitution');
          if (d === '\\') {
            const next = src[i + 1];
            if (next === '\n') {
              i += 2;
              continue;
            }
            if (next === '$' || next === '`' || next === '"' || next === '\\') {
              value += next;
              i += 2;
              continue;
            }
          }
          value += d;
          i++;
        }
        continue;
      }
      if (ch === '$') dollarRefusal(src, i);
      if (ch === '`') refuse('command substitution `…` is not allowed', 'bash:substitution');
      if (ch === '\0') refuse('the command contains a NUL byte', 'bash:syntax');
      if (ch === '~' && !quotedSeen && (atWordStart() || value.endsWith('=') || value.endsWith(':'))) {
        refuse('~ (home directory expansion) is not allowed', 'bash:expansion');
      }
      if (ch === '{') {
        const rest = src.slice(i);
        const standaloneBrace = atWordStart() && (rest.length === 1 || WORD_BREAK.has(rest[1] as string));
        const emptyPair = rest.startsWith('{}') && (rest.length === 2 || WORD_BREAK.has(rest[2] as string));
        if (!standaloneBrace && !emptyPair)
          refuse('unquoted { (brace expansion) is not allowed; quote it', 'bash:expansion');
      }
      if (GLOB_CHARS.has(ch)) glob = true;
      if (!quotedSeen) lead += ch;
      value += ch;
      i++;
    }
    const word: ShWord = { value, start, end: i, plain, glob, lead };
    if (expectDelimiter) {
      pending.push({
        token: expectDelimiter.token,
        delimiter: value,
        quoted: !plain,
        stripTabs: expectDelimiter.stripTabs,
      });
      expectDelimiter = undefined;
    }
    tokens.push({ t: 'word', word });
  }
  if (expectDelimiter) refuse('a here-document operator needs a delimiter word', 'bash:syntax');
  if (pending.length > 0) refuse('a here-document is not terminated', 'bash:syntax');
  tokens.push({ t: 'eof', start: n, end: n });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser

const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  case: 'case statements are not allowed',
  select: 'select loops are not allowed',
  function: 'function declarations are not allowed',
  coproc: 'coprocesses (coproc) are not allowed',
  '[[': '[[ … ]] tests are not allowed',
};
const CLOSING_KEYWORDS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', 'esac', '}', 'in', ']]']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }
  private next(): Token {
    const t = this.tokens[this.pos] as Token;
    if (t.t !== 'eof') this.pos++;
    return t;
  }
  private isOp(op: string, t: Token = this.peek()): boolean {
    return t.t === 'op' && t.op === op;
  }
  /** A plain (unquoted) word equal to `kw`, in command position. */
  private isKeyword(kw: string, t: Token = this.peek()): boolean {
    return t.t === 'word' && t.word.plain && t.word.value === kw;
  }
  private skipNewlines(): void {
    while (this.peek().t === 'nl') this.next();
  }
  private expectKeyword(kw: string): Token {
    if (!this.isKeyword(kw)) refuse(`syntax error: expected \`${kw}\``, 'bash:syntax');
    return this.next();
  }

  program(): ShAndOr[] {
    const list = this.list(() => this.peek().t === 'eof');
    if (this.peek().t !== 'eof') refuse('syntax error: unexpected token', 'bash:syntax');
    return list;
  }

  /** A list of and-or items until `atEnd()` holds in command position. */
  private list(atEnd: () => boolean): ShAndOr[] {
    const items: ShAndOr[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek().t === 'eof' || atEnd()) return items;
      const item = this.andOr();
      items.push(item);
      const sep = this.peek();
      if (sep.t === 'op' && sep.op === ';') this.next();
      else if (sep.t === 'op' && sep.op === '&') {
        this.next();
        item.background = true;
      } else if (sep.t === 'nl') this.next();
      else if (sep.t === 'eof' || atEnd()) return items;
      else refuse('syntax error: unexpected token after a command', 'bash:syntax');
    }
  }

  private andOr(): ShAndOr {
    const startTok = this.peek();
    const pipelines: ShPipeline[] = [this.pipeline()];
    while (this.isOp('&&') || this.isOp('||')) {
      this.next();
      this.skipNewlines();
      pipelines.push(this.pipeline());
    }
    const prev = this.tokens[this.pos - 1] as Token;
    return { pipelines, background: false, start: tokStart(startTok), end: tokEnd(prev) };
  }

  private pipeline(): ShPipeline {
    let negated = false;
    if (this.isKeyword('!')) {
      this.next();
      negated = true;
    }
    const commands: ShCommand[] = [this.command()];
    while (this.isOp('|') || this.isOp('|&')) {
      this.next();
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negated, commands };
  }

  private command(): ShCommand {
    const t = this.peek();
    if (t.t === 'op' && t.op === '(') {
      const after = this.tokens[this.pos + 1];
      if (after?.t === 'op' && after.op === '(' && after.start === t.end) {
        refuse('arithmetic commands ((…)) are not allowed', 'bash:expansion');
      }
      this.next();
      const body = this.list(() => this.isOp(')'));
      if (!this.isOp(')')) refuse('syntax error: expected `)`', 'bash:syntax');
      this.next();
      return this.compound('subshell', [body], [], t.start);
    }
    if (t.t === 'word' && t.word.plain) {
      const kw = t.word.value;
      if (kw in UNSUPPORTED_KEYWORDS) refuse(UNSUPPORTED_KEYWORDS[kw] as string, 'bash:unsupported');
      if (CLOSING_KEYWORDS.has(kw)) refuse(`syntax error: unexpected \`${kw}\``, 'bash:syntax');
      if (kw === '{') {
        this.next();
        const body = this.list(() => this.isKeyword('}'));
        this.expectKeyword('}');
        return this.compound('group', [body], [], t.word.start);
      }
      if (kw === 'if') {
        this.next();
        const lists: ShAndOr[][] = [];
        lists.push(this.list(() => this.isKeyword('then')));
        this.expectKeyword('then');
        lists.push(this.list(() => this.isKeyword('elif') || this.isKeyword('else') || this.isKeyword('fi')));
        while (this.isKeyword('elif')) {
          this.next();
          lists.push(this.list(() => this.isKeyword('then')));
          this.expectKeyword('then');
          lists.push(
            this.list(() => this.isKeyword('elif') || this.isKeyword('else') || this.isKeyword('fi')),
          );
        }
        if (this.isKeyword('else')) {
          this.next();
          lists.push(this.list(() => this.isKeyword('fi')));
        }
        this.expectKeyword('fi');
        return this.compound('if', lists, [], t.word.start);
      }
      if (kw === 'while' || kw === 'until') {
        this.next();
        const cond = this.list(() => this.isKeyword('do'));
        this.expectKeyword('do');
        const body = this.list(() => this.isKeyword('done'));
        this.expectKeyword('done');
        return this.compound(kw, [cond, body], [], t.word.start);
      }
      if (kw === 'for') {
        this.next();
        if (this.isOp('(')) refuse('arithmetic for loops are not allowed', 'bash:expansion');
        const name = this.next();
        if (name.t !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.word.value) || !name.word.plain) {
          refuse('syntax error: expected a loop variable name', 'bash:syntax');
        }
        const words: ShWord[] = [];
        this.skipNewlines();
        if (this.isKeyword('in')) {
          this.next();
          for (let w = this.peek(); w.t === 'word'; w = this.peek()) {
            words.push(w.word);
            this.next();
          }
        }
        if (this.isOp(';')) this.next();
        this.skipNewlines();
        this.expectKeyword('do');
        const body = this.list(() => this.isKeyword('done'));
        this.expectKeyword('done');
        return this.compound('for', [body], words, t.word.start);
      }
    }
    return this.simple();
  }

  private compound(kind: ShCompound['kind'], lists: ShAndOr[][], words: ShWord[], start: number): ShCompound {
    const redirects: ShRedirect[] = [];
    for (let t = this.peek(); t.t === 'op' && REDIRECT_OPS.has(t.op); t = this.peek())
      redirects.push(this.redirect());
    const prev = this.tokens[this.pos - 1] as Token;
    const next = this.peek();
    if (next.t === 'word') refuse('syntax error: unexpected word after a compound command', 'bash:syntax');
    return { kind, lists, words, redirects, start, end: tokEnd(prev) };
  }

  private redirect(): ShRedirect {
    const op = this.next();
    if (op.t !== 'op') return refuse('syntax error: expected a redirection', 'bash:syntax');
    const target = this.next();
    if (target.t !== 'word') refuse(`syntax error: \`${op.op}\` needs a target`, 'bash:syntax');
    const word = (target as Token & { t: 'word' }).word;
    const r: ShRedirect = { op: op.op, target: word, start: op.start, end: word.end };
    if (op.fd !== undefined) r.fd = op.fd;
    if (op.heredoc) r.heredoc = op.heredoc;
    return r;
  }

  private simple(): ShSimple {
    const words: ShWord[] = [];
    const redirects: ShRedirect[] = [];
    const startTok = this.peek();
    for (;;) {
      const t = this.peek();
      if (t.t === 'word') {
        words.push(t.word);
        this.next();
        continue;
      }
      if (t.t === 'op' && REDIRECT_OPS.has(t.op)) {
        redirects.push(this.redirect());
        continue;
      }
      break;
    }
    if (words.length === 0 && redirects.length === 0) {
      const t = this.peek();
      refuse(
        `syntax error near \`${t.t === 'op' ? t.op : t.t === 'nl' ? 'newline' : 'end of input'}\``,
        'bash:syntax',
      );
    }
    if (this.isOp('(')) {
      refuse(
        words.length === 1 && redirects.length === 0
          ? 'function declarations are not allowed'
          : 'unquoted parentheses are not allowed here; quote them',
        words.length === 1 ? 'bash:unsupported' : 'bash:syntax',
      );
    }
    const prev = this.tokens[this.pos - 1] as Token;
    return { kind: 'simple', words, redirects, start: tokStart(startTok), end: tokEnd(prev) };
  }
}

function tokStart(t: Token): number {
  return t.t === 'word' ? t.word.start : t.start;
}
function tokEnd(t: Token): number {
  return t.t === 'word' ? t.word.end : t.end;
}

/** Parse into and-or items (the top-level statements). Throws ShellRefusal. */
export function parseStructure(src: string): ShAndOr[] {
  return new Parser(tokenize(src)).program();
}

/** Every simple command in source order, including those nested in compounds. */
export function simpleCommands(items: ShAndOr[]): ShSimple[] {
  const out: ShSimple[] = [];
  const walkList = (list: ShAndOr[]) => {
    for (const item of list) for (const p of item.pipelines) for (const c of p.commands) walkCommand(c);
  };
  const walkCommand = (c: ShCommand) => {
    if (c.kind === 'simple') out.push(c);
    else for (const l of c.lists) walkList(l);
  };
  walkList(items);
  return out;
}

/** Every compound command (for its redirections), in source order. */
export function compoundCommands(items: ShAndOr[]): ShCompound[] {
  const out: ShCompound[] = [];
  const walkList = (list: ShAndOr[]) => {
    for (const item of list)
      for (const p of item.pipelines)
        for (const c of p.commands) {
          if (c.kind !== 'simple') {
            out.push(c);
            for (const l of c.lists) walkList(l);
          }
        }
  };
  walkList(items);
  return out;
}

// ---------------------------------------------------------------------------------------------
// sh-syntax: the grammar authority and cross-check

type ShParse = (text: string) => Promise<ShFile>;
let shParser: Promise<ShParse> | undefined;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: unknown): Promise<unknown>;
}

/**
 * Where sh-syntax's main.wasm may be. The `new URL(…, import.meta.url)` form is what a bundler
 * (ncc/webpack) recognises as an asset and copies next to the bundle; from the sources it points
 * into node_modules. The package resolution covers other layouts.
 */
function wasmCandidates(): string[] {
  const out: string[] = [];
  try {
    // A bundler replaces the whole `new URL(…)` expression with the emitted asset's path (a string).
    const asset: URL | string = new URL('../../node_modules/sh-syntax/main.wasm', import.meta.url);
    out.push(typeof asset === 'string' ? asset : fileURLToPath(asset));
  } catch {
    // not a file: URL (unusual loaders)
  }
  try {
    out.push(createRequire(import.meta.url).resolve('sh-syntax/main.wasm'));
  } catch {
    // not resolvable from here (bundled)
  }
  return out;
}

/**
 * The sh-syntax parser with its WASM module compiled once (the package's own `parse` recompiles
 * the module on every call, ~10 ms; an instance of a compiled module costs ~1–2 ms). Falls back
 * to the package's `parse` when the .wasm file cannot be found; if that fails too, every Bash
 * command is refused as unparseable (fail closed).
 */
export function loadShellParser(wasmPath?: string): Promise<ShParse> {
  if (shParser && wasmPath === undefined) return shParser;
  shParser = (async (): Promise<ShParse> => {
    void goRuntime;
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm) {
      for (const file of wasmPath !== undefined ? [wasmPath] : wasmCandidates()) {
        try {
          const module = await wasm.compile(await readFile(file));
          const processor = getProcessor(
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sh-syntax's types use DOM's WebAssembly
            ((imports: unknown) => wasm.instantiate(module, imports)) as any,
          );
          return (text) => processor(text, { keepComments: false });
        } catch {
          // try the next location
        }
      }
    }
    return (text) => shDefaultParse(text, { keepComments: false });
  })();
  return shParser;
}

async function shParse(text: string): Promise<ShFile> {
  const parse = await loadShellParser();
  try {
    return await parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return refuse(`the command does not parse as shell: ${msg.slice(0, 200)}`, 'bash:syntax');
  }
}

/** UTF-8 byte offset of a JS string index (sh-syntax positions are byte offsets). */
function byteOffsetFn(src: string): (i: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(src)) return (i) => i;
  return (i) => Buffer.byteLength(src.slice(0, i), 'utf8');
}

function stmtsOf(file: ShFile): ShStmt[] {
  // sh-syntax's d.ts calls it Stmts; its Go struct (some versions) serialises Stmt.
  const f = file as unknown as { Stmts?: ShStmt[]; Stmt?: ShStmt[] };
  return f.Stmts ?? f.Stmt ?? [];
}

function mismatch(what: string): never {
  return refuse(`the command could not be analysed reliably (${what}); simplify it`, 'bash:parse-mismatch');
}

function compareRedirects(
  src: string,
  mine: ShRedirect[],
  theirs: ShRedirectNode[] | null | undefined,
): void {
  const t = theirs ?? [];
  if (t.length !== mine.length) mismatch('redirections');
  mine.forEach((m, k) => {
    const r = t[k] as ShRedirectNode;
    if (r.Op !== m.op) mismatch(`redirection ${m.op}`);
    if ((r.N?.Value ?? undefined) !== m.fd) mismatch('file descriptor');
    const lit = r.Word?.Lit ?? '';
    if (lit !== '') {
      if (lit !== src.slice(m.target.start, m.target.end)) mismatch('redirection target');
    } else if (m.target.plain) mismatch('redirection target');
    if (m.op === '<<' || m.op === '<<-') {
      const h = r.Hdoc;
      if (!m.heredoc) return mismatch('here-document');
      if (h && h.Lit === '' && h.Parts.length > 0) {
        refuse('here-documents with expansions are not allowed', 'bash:heredoc');
      }
      if (m.op === '<<' && (h?.Lit ?? '') !== m.heredoc.body) mismatch('here-document body');
    }
  });
}

function compareStmt(
  src: string,
  stmt: ShStmt,
  words: ShWord[],
  redirects: ShRedirect[],
  off: (i: number) => number,
  base: number,
): void {
  if (stmt.Background) refuse('background jobs (&) are not allowed', 'bash:background');
  if (stmt.Coprocess) refuse('coprocesses (coproc) are not allowed', 'bash:unsupported');
  if (words.length > 0) {
    const first = words[0] as ShWord;
    const last = words[words.length - 1] as ShWord;
    if (!stmt.Cmd) return mismatch('command words');
    if (stmt.Cmd.Pos.Offset !== base + off(first.start) || stmt.Cmd.End.Offset !== base + off(last.end)) {
      mismatch('command words');
    }
  }
  compareRedirects(src, redirects, stmt.Redirs);
}

/**
 * Check our structure against sh-syntax's parse of the same text. Throws ShellRefusal on a syntax
 * error or on any disagreement.
 */
export async function crossCheck(src: string, items: ShAndOr[]): Promise<void> {
  const file = await shParse(src);
  const stmts = stmtsOf(file);
  const off = byteOffsetFn(src);
  if (stmts.length !== items.length) mismatch('statements');
  items.forEach((item, k) => {
    const s = stmts[k] as ShStmt;
    if (s.Pos.Offset !== off(item.start)) mismatch('statement boundaries');
    if (s.Background) refuse('background jobs (&) are not allowed', 'bash:background');
    if (s.Coprocess) refuse('coprocesses (coproc) are not allowed', 'bash:unsupported');
  });

  // Units whose redirections/words we check: every simple command and every compound with
  // redirections. Top-level lone commands are checked against the statement directly.
  const lone = (item: ShAndOr): ShCommand | undefined =>
    item.pipelines.length === 1 && item.pipelines[0]?.commands.length === 1
      ? item.pipelines[0].commands[0]
      : undefined;
  const flat = items.every((item) => lone(item)?.kind === 'simple');
  if (flat) {
    items.forEach((item, k) => {
      const c = lone(item) as ShSimple;
      compareStmt(src, stmts[k] as ShStmt, c.words, c.redirects, off, 0);
    });
    return;
  }

  // Re-parse each unit on its own line: it must be exactly one statement with our words and
  // redirections (this is what checks the commands inside pipelines, lists and compounds).
  interface Unit {
    text: string;
    words: ShWord[];
    redirects: ShRedirect[];
    /** Shift from the unit text's offsets back to the source's. */
    shift: number;
  }
  const units: Unit[] = [];
  const heredocTail = (redirects: ShRedirect[]) => {
    const docs = redirects.map((r) => r.heredoc).filter((h): h is ShHeredoc => h !== undefined);
    if (docs.length === 0) return '';
    return `\n${src.slice((docs[0] as ShHeredoc).rawStart, (docs[docs.length - 1] as ShHeredoc).rawEnd)}`;
  };
  for (const c of simpleCommands(items)) {
    units.push({
      text: src.slice(c.start, c.end) + heredocTail(c.redirects),
      words: c.words,
      redirects: c.redirects,
      shift: c.start,
    });
  }
  for (const c of compoundCommands(items)) {
    if (c.redirects.length === 0) continue;
    const first = c.redirects[0] as ShRedirect;
    const last = c.redirects[c.redirects.length - 1] as ShRedirect;
    // `:` stands in for the compound; only the redirections are compared.
    units.push({
      text: `: ${src.slice(first.start, last.end)}${heredocTail(c.redirects)}`,
      words: [],
      redirects: c.redirects,
      shift: first.start - 2,
    });
  }
  const batch = units.map((u) => u.text).join('\n');
  const file2 = await shParse(batch);
  const stmts2 = stmtsOf(file2);
  if (stmts2.length !== units.length) mismatch('commands');
  let lineStart = 0;
  units.forEach((u, k) => {
    const s = stmts2[k] as ShStmt;
    const base = Buffer.byteLength(batch.slice(0, lineStart), 'utf8');
    if (s.Pos.Offset !== base) mismatch('command boundaries');
    // Offsets inside the unit: byte offsets of the unit text (relative to its start in src).
    const unitOff = (i: number) =>
      Buffer.byteLength(batch.slice(lineStart, lineStart + (i - u.shift)), 'utf8');
    compareStmt(
      batch.slice(lineStart),
      s,
      u.words,
      shiftRedirects(u.redirects, -u.shift),
      (i) => unitOff(i),
      base,
    );
    lineStart += u.text.length + 1;
  });
}

/** Redirections with spans moved by `delta` (to compare against a re-parsed unit's text). */
function shiftRedirects(redirects: ShRedirect[], delta: number): ShRedirect[] {
  return redirects.map((r) => ({
    ...r,
    start: r.start + delta,
    end: r.end + delta,
    target: { ...r.target, start: r.target.start + delta, end: r.target.end + delta },
  }));
}
