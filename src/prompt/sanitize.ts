/**
 * Untrusted text (titles, bodies, comments, branch and file names) enters the prompt only stripped
 * of content a human reading it on GitHub would not see, without live `@path` mentions, and
 * fenced as data.
 *
 * Stripping errs on the side of removing too much: it runs over code blocks too (a scanner that
 * disagreed with GitHub's renderer about where a code block ends would let hidden content through),
 * so HTML in untrusted code samples loses its attributes and comments. The agent can read the real
 * files in the checkout.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isWithin, realpathNearest } from '../policy/paths';

/**
 * Invisible characters: zero-width and bidi controls, plus other invisible code points used
 * to smuggle text: soft hyphen, Hangul fillers, Mongolian vowel separator, word joiner family,
 * Unicode tag characters (U+E0000–E007F) and supplementary variation selectors.
 */
const INVISIBLE =
  // Each code point is matched on its own on purpose (joiners and combining marks included).
  // eslint-disable-next-line no-misleading-character-class
  /[\u00AD\u034F\u061C\u115F\u1160\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

/** A run of variation selectors keeps only its first (emoji presentation); more can carry data. */
const VARIATION_RUN = /([\uFE00-\uFE0F])[\uFE00-\uFE0F]+/g;

/** Character references to invisible characters (`&#8203;`, `&zwj;`, …) render invisibly too. */
const INVISIBLE_ENTITY =
  /&(?:#(?:x0*([0-9a-f]{1,6})|0*([0-9]{1,7}));|(zwj|zwnj|lrm|rlm|shy|ZeroWidthSpace|NoBreak|InvisibleTimes|InvisibleComma|ApplyFunction|it|ic|af);)/gi;

/** HTML comments (`<!-->` and `<!--->` are complete; an unterminated one runs to the end). */
const HTML_COMMENT = /<!--(?:>|->|[\s\S]*?-->|[\s\S]*$)/g;
/** Other markup GitHub never shows: processing instructions, declarations, CDATA. */
const HTML_HIDDEN = /<\?[\s\S]*?(?:\?>|$)|<![A-Za-z][^>]*(?:>|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)/g;

/** `![alt](` / `![alt][` — image alt text is not shown when the image loads. */
const IMAGE_ALT = /!\[(?:[^[\]\\]|\\[\s\S]|\[(?:[^[\]\\]|\\[\s\S])*\])*\](?=[([])/g;

/** `](dest "title")` — link and image titles only show on hover. */
const LINK_TITLE =
  /\]\(\s*(<[^<>\n]*>|(?:[^\s()\\]|\\[\s\S]|\((?:[^\s()\\]|\\[\s\S])*\))*)\s+(?:"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\((?:[^()\\]|\\[\s\S])*\))\s*\)/g;

/** Link reference definitions render as nothing: `[label]: dest "title"`. */
const REF_DEFINITION =
  /^ {0,3}\[((?:[^[\]\\]|\\[\s\S]){1,999})\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+)(?:[ \t]*\n?[ \t]*(?:"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\((?:[^()\\]|\\[\s\S])*\)))?[ \t]*$/gm;

/** An HTML start tag with attributes. */
const START_TAG =
  /<([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
/** Attributes kept: where a link or image points is shown (status bar, the image itself). */
const KEPT_ATTRIBUTES = new Set(['href', 'src']);

function stripInvisible(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(VARIATION_RUN, '$1')
    .replace(INVISIBLE_ENTITY, (entity, hex: string | undefined, dec: string | undefined) => {
      if (hex === undefined && dec === undefined) return '';
      const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec ?? '', 10);
      if (!Number.isFinite(code) || code > 0x10ffff) return entity;
      const ch = String.fromCodePoint(code);
      INVISIBLE.lastIndex = 0;
      const hidden = ch.replace(INVISIBLE, '') === '' || (code >= 0xfe00 && code <= 0xfe0f);
      return hidden ? '' : entity;
    });
}

function normaliseLabel(label: string): string {
  return label.replace(/\s+/g, ' ').trim().toLowerCase();
}

function stripReferenceDefinitions(text: string): string {
  if (!text.includes(']:')) return text;
  // Labels any bracket in the text uses (`[text][label]`, `[label]`); computed once.
  const used = new Set<string>();
  for (const m of text.matchAll(/\[((?:[^[\]\\]|\\[\s\S]){1,999})\](?!:)/g))
    used.add(normaliseLabel(m[1] ?? ''));
  // Keep a used definition without its title; drop unused ones entirely: their label shows nowhere.
  return text.replace(REF_DEFINITION, (_all, label: string, dest: string) =>
    used.has(normaliseLabel(label)) ? `[${label}]: ${dest}` : '',
  );
}

function stripAttributes(text: string): string {
  return text.replace(START_TAG, (_all, name: string, attrs: string, selfClose: string) => {
    const kept: string[] = [];
    for (const m of attrs.matchAll(ATTRIBUTE)) {
      const attr = (m[1] ?? '').toLowerCase();
      if (KEPT_ATTRIBUTES.has(attr) && m[2] !== undefined) {
        const value = m[2].replace(/^["']|["']$/g, '').replace(/"/g, '&quot;');
        kept.push(` ${attr}="${value}"`);
      }
    }
    return `<${name}${kept.join('')}${selfClose ? ' /' : ''}>`;
  });
}

function once(text: string): string {
  let t = stripInvisible(text);
  t = t.replace(HTML_COMMENT, '');
  t = t.replace(HTML_HIDDEN, '');
  t = stripReferenceDefinitions(t);
  t = t.replace(LINK_TITLE, (_all, dest: string) => `](${dest})`);
  t = t.replace(IMAGE_ALT, '![]');
  t = stripAttributes(t);
  return t;
}

/**
 * The Claude Code CLI turns `@path` in the prompt into a file read (or directory listing) before
 * the model answers, without hooks or permission checks. Measured with the real CLI: an `@` that
 * opens a whitespace-separated token (any JavaScript whitespace: space, tab, NBSP, U+3000,
 * U+2028, BOM …) or follows `。`, `、`, `？` or `！` starts a mention, also as `@"quoted path"`,
 * inside fenced code blocks and HTML comments, with trailing punctuation and `#L1` dropped. An
 * `@` right after any other character (`x@`, `(@`, `` `@ ``, `"@`, `\@`), in inline code, or the
 * fullwidth `＠` did not; nor did a run of two or more (`@@ -1 +1 @@`, `@@/etc/passwd`), even
 * with a file named `@` in the working directory. Every single `@` not preceded by an ASCII
 * letter, digit or `_` is therefore replaced by `＠` (U+FF20): a superset of what the CLI expands
 * that leaves e-mail addresses, `pkg@1.2` and diff hunk headers intact.
 */
const MENTION_AT = /(?<![A-Za-z0-9_@])@(?!@)/g;
export const NEUTRAL_AT = '\uFF20';

/** Where the CLI's mention ends: at whitespace; the quoted form at the closing quote. */
const MENTION = /(?<![A-Za-z0-9_@])@(?!@)("[^"]*"|[^\s"]*)/gu;

export interface SanitizeOptions {
  /**
   * Keep `@path` mentions that resolve (symbolic links followed) to an existing path inside this
   * directory and outside any `.git` folder — for the commanding user's own request, so they can
   * point the agent at files of the checkout. Every other mention is neutralised.
   */
  mentionsInside?: string;
}

/** The file a mention names, as the CLI resolves it (quotes, `#…` and trailing punctuation dropped). */
function mentionTargets(raw: string): string[] {
  const quoted = raw.startsWith('"');
  const body = quoted ? raw.slice(1, -1) : raw;
  const noHash = body.replace(/#.*$/, '');
  const trimmed = body.replace(/[^A-Za-z0-9_]+$/, '');
  return [...new Set([body, noHash, trimmed, trimmed.replace(/#.*$/, '')])];
}

function mentionInside(raw: string, root: string): boolean {
  const targets = mentionTargets(raw);
  if (targets.some((t) => t === '' || t.startsWith('~'))) return false;
  try {
    return targets.every((t) => {
      const real = realpathNearest(path.resolve(root, t));
      if (!isWithin(root, real) || real === root) return false;
      const rel = path.relative(root, real).split(path.sep);
      return !rel.some((seg) => seg.toLowerCase() === '.git');
    });
  } catch {
    return false;
  }
}

/** Replaces every `@` that could start a CLI file mention by `＠` (see MENTION_AT). */
export function neutralizeMentions(text: string, opts: SanitizeOptions = {}): string {
  if (!text.includes('@')) return text;
  const root = opts.mentionsInside;
  if (root === undefined) return text.replace(MENTION_AT, NEUTRAL_AT);
  let realRoot: string;
  try {
    realRoot = realpathNearest(path.resolve(root));
  } catch {
    return text.replace(MENTION_AT, NEUTRAL_AT);
  }
  return text.replace(MENTION, (all, raw: string) =>
    mentionInside(raw, realRoot) ? all : `${NEUTRAL_AT}${raw}`,
  );
}

/**
 * Removes hidden content from untrusted text: HTML comments (an unterminated `<!--` to the end),
 * zero-width, bidi and other invisible characters, image alt text, link titles, unused link
 * reference definitions and HTML attributes (except `href`/`src`). `<details>` content is kept.
 * Then neutralises `@path` mentions (see neutralizeMentions). Line endings become `\n`.
 */
export function sanitizeUntrusted(text: string, opts: SanitizeOptions = {}): string {
  let t = text.replace(/\r\n?/g, '\n');
  // Removing one kind can join the pieces of another (`<!-<!-- -->-`): repeat until stable.
  for (let i = 0; i < 5; i++) {
    const next = once(t);
    if (next === t) break;
    t = next;
  }
  return neutralizeMentions(t, opts);
}

/** Short alias. */
export const sanitize = sanitizeUntrusted;

/** A fresh nonce for one prompt's untrusted-data delimiters. */
export function newNonce(): string {
  return randomBytes(6).toString('hex');
}

/** Nonce used when a caller does not pass one: one per process, i.e. per run. */
const processNonce = newNonce();

const DELIMITER = /<\s*\/?\s*untrusted-data\b[^>\n]*>?/gi;

/**
 * Wraps untrusted text as data:
 *
 * ```
 * <untrusted-data id="a1b2c3d4e5f6" label="PR body">
 * ````text
 * …sanitized text…
 * ````
 * </untrusted-data id="a1b2c3d4e5f6">
 * ```
 *
 * The text cannot close the block: it is sanitized, every `untrusted-data` tag and the nonce are
 * removed from it, and the code fence is longer than any backtick run inside.
 */
export function fenceUntrusted(
  label: string,
  text: string,
  nonce: string = processNonce,
  opts: SanitizeOptions = {},
): string {
  const id = nonce.replace(/[^A-Za-z0-9]/g, '') || processNonce;
  const clean = (s: string, o: SanitizeOptions) => {
    let t = sanitizeUntrusted(s, o);
    for (let i = 0; i < 5; i++) {
      const next = t
        .replace(DELIMITER, '')
        .replace(/untrusted-data/gi, 'untrusted data')
        .split(id)
        .join('');
      if (next === t) break;
      t = next;
    }
    // Removing a delimiter or the nonce can put an `@` at the start of a word again.
    return neutralizeMentions(t, o);
  };
  const body = clean(text, opts).replace(/\n+$/, '');
  const safeLabel = neutralizeMentions(
    clean(label, {})
      .replace(/[\n\r\t]+/g, ' ')
      .replace(/["<>&`]/g, '')
      .trim()
      .slice(0, 200),
  );
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [
    `<untrusted-data id="${id}" label="${safeLabel}">`,
    `${fence}text`,
    body,
    fence,
    `</untrusted-data id="${id}">`,
  ].join('\n');
}
