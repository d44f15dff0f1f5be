/**
 * Where GitHub accepts line comments on a pull request: the lines a file's patch shows. The RIGHT
 * side is the new file (added and context lines, by new line number), the LEFT side the old file
 * (deleted and context lines, by old line number). A multi-line comment must stay in one hunk.
 */

export type Side = 'LEFT' | 'RIGHT';

/** For each side: commentable line number → index of the hunk that shows it. */
export type CommentableLines = Record<Side, Map<number, number>>;

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The commentable lines of one file's patch (GitHub's `patch` field of the PR files API). */
export function commentableLines(patch: string | undefined): CommentableLines {
  const out: CommentableLines = { LEFT: new Map(), RIGHT: new Map() };
  if (!patch) return out;
  const lines = patch.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let hunk = -1;
  let oldLine = 0;
  let newLine = 0;
  for (const line of lines) {
    const m = HUNK.exec(line);
    if (m) {
      hunk++;
      oldLine = Number(m[1]);
      newLine = Number(m[3]);
      continue;
    }
    if (hunk < 0) continue; // preamble (diff --git, ---/+++ lines) before the first hunk
    const c = line.charAt(0);
    if (c === '+') {
      out.RIGHT.set(newLine++, hunk);
    } else if (c === '-') {
      out.LEFT.set(oldLine++, hunk);
    } else if (c === ' ' || line === '') {
      // Context (an empty line is a context line whose trailing space was trimmed).
      out.LEFT.set(oldLine++, hunk);
      out.RIGHT.set(newLine++, hunk);
    }
    // `\ No newline at end of file` and anything else: no line of its own.
  }
  return out;
}

/** `1-4, 9, 12-20`: sorted line numbers as ranges, at most `maxRanges` of them. */
export function describeRanges(lines: Iterable<number>, maxRanges = 12): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  const push = () => {
    if (start === undefined || prev === undefined) return;
    ranges.push(start === prev ? String(start) : `${start}-${prev}`);
  };
  for (const n of sorted) {
    if (prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    push();
    start = prev = n;
  }
  push();
  if (ranges.length === 0) return '(none)';
  if (ranges.length <= maxRanges) return ranges.join(', ');
  return `${ranges.slice(0, maxRanges).join(', ')}, … (${ranges.length - maxRanges} more ranges)`;
}

export interface PatchedFile {
  filename: string;
  patch?: string;
}

export interface Placement {
  path: string;
  line: number;
  side: Side;
  startLine?: number;
  startSide?: Side;
}

/**
 * Why GitHub would refuse a comment at `p`, in words the model can act on; undefined when the
 * placement is inside the diff.
 */
export function placementProblem(files: readonly PatchedFile[], p: Placement): string | undefined {
  const file = files.find((f) => f.filename === p.path);
  if (!file) {
    const near = files
      .map((f) => f.filename)
      .filter((n) => n.endsWith(`/${p.path}`) || n.split('/').pop() === p.path.split('/').pop())
      .slice(0, 3);
    return (
      `\`${p.path}\` is not one of the ${files.length} files changed in this pull request, so it cannot take an inline comment.` +
      (near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : '') +
      ' Paths are relative to the repository root; list_changed_files lists them.'
    );
  }
  if (!file.patch) {
    return `\`${p.path}\` has no textual diff on GitHub (binary, or too large to show), so GitHub accepts no line comments on it. Mention it in your final message instead.`;
  }
  const lines = commentableLines(file.patch);
  const where = (side: Side) =>
    `Commentable ${side} lines of \`${p.path}\`: ${describeRanges(lines[side].keys())}` +
    (side === 'RIGHT' ? ' (new line numbers).' : ' (old line numbers).');
  const endHunk = lines[p.side].get(p.line);
  if (endHunk === undefined) {
    return `Line ${p.line} (${p.side} side) of \`${p.path}\` is outside the diff: GitHub only accepts comments on lines the diff shows. ${where(p.side)} Comment on one of those lines, or mention it in your final message instead.`;
  }
  if (p.startLine !== undefined) {
    const startSide = p.startSide ?? p.side;
    if (startSide === p.side && p.startLine >= p.line) {
      return `start_line (${p.startLine}) must be less than line (${p.line}); for a single line leave start_line out.`;
    }
    const startHunk = lines[startSide].get(p.startLine);
    if (startHunk === undefined) {
      return `start_line ${p.startLine} (${startSide} side) of \`${p.path}\` is outside the diff. ${where(startSide)}`;
    }
    if (startHunk !== endHunk) {
      return `Lines ${p.startLine}-${p.line} of \`${p.path}\` span more than one hunk of the diff; a multi-line comment must stay within one hunk. ${where(p.side)}`;
    }
  }
  return undefined;
}
