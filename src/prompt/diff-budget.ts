/**
 * Fits a PR's diff into a token budget (tokens ≈ chars / 4). Every file ends up included, partly
 * included (the hunks left out are named by their `@@` header) or omitted with a reason. The
 * largest hunks go first, so as many files and hunks as possible stay; output keeps file order.
 */

export interface DiffFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
  previous_filename?: string;
}

export type OmitReason = 'too large' | 'no patch (binary or too large for GitHub)' | 'budget';

export interface OmittedFile {
  filename: string;
  reason: OmitReason;
  /** Changed (+/-) lines left out. */
  lines: number;
  /** Set when the file is partly included: the `@@` headers of the hunks left out. */
  hunks?: string[];
}

export interface BudgetedDiff {
  /** Unified diff text of what fits. */
  included: string;
  omitted: OmittedFile[];
  usedTokens: number;
}

export const NO_PATCH: OmitReason = 'no patch (binary or too large for GitHub)';

/** Tokens for `chars` characters. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Git-style quoting for names with control characters, quotes or backslashes (no diff forging). */
function quotePath(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f"\\]/.test(name)) return name;
  return JSON.stringify(name);
}

function fileHeader(f: DiffFile): string {
  const name = f.filename;
  const old = f.previous_filename ?? name;
  const a = quotePath(`a/${old}`);
  const b = quotePath(`b/${name}`);
  const lines = [`diff --git ${a} ${b}`];
  if (f.previous_filename !== undefined && f.previous_filename !== name) {
    lines.push(`rename from ${quotePath(old)}`, `rename to ${quotePath(name)}`);
  }
  lines.push(
    `--- ${f.status === 'added' ? '/dev/null' : a}`,
    `+++ ${f.status === 'removed' ? '/dev/null' : b}`,
  );
  return lines.join('\n') + '\n';
}

interface Hunk {
  file: number;
  index: number;
  header: string;
  text: string;
  changed: number;
  dropped: boolean;
}

interface Entry {
  file: DiffFile;
  header: string;
  preamble: string;
  hunks: Hunk[];
  /** Header-only entry (no textual change, e.g. a pure rename): kept unless the budget forbids. */
  headerOnly: boolean;
  live: number;
  fullChars: number;
  omitted?: OmittedFile;
}

function splitHunks(patch: string, file: number): { preamble: string; hunks: Hunk[] } {
  const lines = patch.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const hunks: Hunk[] = [];
  const pre: string[] = [];
  let current: string[] | undefined;
  let changed = 0;
  const flush = () => {
    if (!current) return;
    hunks.push({
      file,
      index: hunks.length,
      header: (current[0] ?? '').trim(),
      text: current.join('\n') + '\n',
      changed,
      dropped: false,
    });
  };
  for (const line of lines) {
    if (line.startsWith('@@')) {
      flush();
      current = [line];
      changed = 0;
    } else if (current) {
      current.push(line);
      const c = line.charCodeAt(0);
      if (c === 43 /* + */ || c === 45 /* - */) changed += 1;
    } else {
      pre.push(line);
    }
  }
  flush();
  return { preamble: pre.length ? pre.join('\n') + '\n' : '', hunks };
}

/**
 * The unified diff of `files` within `budgetTokens`, dropping the largest hunks first; files whose
 * hunks were all dropped (or that have no patch) are listed in `omitted`.
 */
export function budgetDiff(files: readonly DiffFile[], budgetTokens: number): BudgetedDiff {
  const budgetChars = Math.max(0, Math.floor(budgetTokens)) * 4;
  const entries: Entry[] = [];
  const all: Hunk[] = [];
  let total = 0;

  files.forEach((file, i) => {
    const header = fileHeader(file);
    if (file.patch === undefined || file.patch === '') {
      const lines = file.additions + file.deletions;
      const pureRename =
        lines === 0 && file.previous_filename !== undefined && file.previous_filename !== file.filename;
      if (pureRename) {
        // The rename is the whole change: its header says it.
        entries.push({
          file,
          header,
          preamble: '',
          hunks: [],
          headerOnly: true,
          live: 0,
          fullChars: header.length,
        });
        total += header.length;
      } else {
        // GitHub sends no patch for binary files (0/0 lines) and for very large diffs.
        const omitted: OmittedFile = { filename: file.filename, reason: NO_PATCH, lines };
        entries.push({
          file,
          header,
          preamble: '',
          hunks: [],
          headerOnly: false,
          live: 0,
          fullChars: 0,
          omitted,
        });
      }
      return;
    }
    const { preamble, hunks } = splitHunks(file.patch, i);
    const fullChars = header.length + preamble.length + hunks.reduce((n, h) => n + h.text.length, 0);
    entries.push({
      file,
      header,
      preamble,
      hunks,
      headerOnly: hunks.length === 0,
      live: hunks.length,
      fullChars,
    });
    all.push(...hunks);
    total += fullChars;
  });

  if (total > budgetChars) {
    // Largest first; among equal sizes the later hunk goes first, so earlier files stay.
    const order = all
      .map((h, k) => ({ h, k }))
      .sort((x, y) => y.h.text.length - x.h.text.length || y.k - x.k)
      .map((x) => x.h);
    for (const h of order) {
      if (total <= budgetChars) break;
      const e = entries[h.file];
      if (!e) continue;
      h.dropped = true;
      e.live -= 1;
      total -= h.text.length;
      if (e.live === 0) total -= e.header.length + e.preamble.length;
    }
    // Still over (only headers of unchanged files left): drop those from the end.
    for (let i = entries.length - 1; i >= 0 && total > budgetChars; i--) {
      const e = entries[i];
      if (e && e.headerOnly && !e.omitted && e.hunks.length === 0) {
        e.omitted = { filename: e.file.filename, reason: 'budget', lines: 0 };
        total -= e.fullChars;
      }
    }
  }

  const out: string[] = [];
  const omitted: OmittedFile[] = [];
  for (const e of entries) {
    if (e.omitted) {
      omitted.push(e.omitted);
      continue;
    }
    const reason: OmitReason = estimateTokens(e.fullChars) > budgetTokens ? 'too large' : 'budget';
    const kept = e.hunks.filter((h) => !h.dropped);
    const dropped = e.hunks.filter((h) => h.dropped);
    if (e.hunks.length > 0 && kept.length === 0) {
      omitted.push({ filename: e.file.filename, reason, lines: e.file.additions + e.file.deletions });
      continue;
    }
    out.push(e.header, e.preamble);
    for (const h of kept) out.push(h.text);
    if (dropped.length > 0) {
      omitted.push({
        filename: e.file.filename,
        reason,
        lines: dropped.reduce((n, h) => n + h.changed, 0),
        hunks: dropped.map((h) => h.header),
      });
    }
  }
  const included = out.join('');
  return { included, omitted, usedTokens: estimateTokens(included.length) };
}
