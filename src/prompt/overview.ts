/**
 * A compact account of every file a PR changes, whatever its size: the directories with their file
 * counts and +/- lines (collapsed to fewer, shallower directories until the list stays short), and
 * the files most worth opening by name (those the request mentions, then the largest changes).
 * With few files the list is simply all of them.
 */
import path from 'node:path/posix';

export interface OverviewFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  previous_filename?: string;
}

/** Up to this many files are listed one by one; above it, by directory. */
export const LIST_ALL_UP_TO = 60;
const MAX_DIRECTORIES = 30;
const NAMED_FILES = 12;

interface Group {
  dir: string;
  files: number;
  additions: number;
  deletions: number;
}

export function fileLine(f: OverviewFile): string {
  return `${f.status}\t+${f.additions} −${f.deletions}\t${f.filename}${f.previous_filename ? ` (from ${f.previous_filename})` : ''}`;
}

/** Directories (at the deepest level that keeps the list short), largest first, with a rest line. */
export function directoryLines(files: readonly OverviewFile[]): string[] {
  const maxDepth = Math.max(0, ...files.map((f) => f.filename.split('/').length - 1));
  let groups = groupBy(files, maxDepth);
  for (let depth = maxDepth - 1; depth >= 1 && groups.length > MAX_DIRECTORIES; depth--)
    groups = groupBy(files, depth);
  groups.sort((a, b) => b.files - a.files || a.dir.localeCompare(b.dir));
  const shown = groups.slice(0, MAX_DIRECTORIES);
  const lines = shown.map(
    (g) => `${g.dir}\t${g.files} file${g.files === 1 ? '' : 's'}\t+${g.additions} −${g.deletions}`,
  );
  const rest = groups.slice(MAX_DIRECTORIES);
  if (rest.length) {
    const sum = total(rest);
    lines.push(`(${rest.length} more directories)\t${sum.files} files\t+${sum.additions} −${sum.deletions}`);
  }
  return lines;
}

/** Files named in the request first, then the largest changes; at most NAMED_FILES. */
export function notableFiles(files: readonly OverviewFile[], requestText: string): OverviewFile[] {
  const text = requestText.toLowerCase();
  const mentioned = text
    ? files.filter((f) => {
        const base = path.basename(f.filename).toLowerCase();
        return text.includes(f.filename.toLowerCase()) || (base.length >= 4 && text.includes(base));
      })
    : [];
  const largest = [...files].sort(
    (a, b) => b.additions + b.deletions - (a.additions + a.deletions) || a.filename.localeCompare(b.filename),
  );
  const out: OverviewFile[] = [];
  for (const f of [...mentioned, ...largest]) {
    if (out.length >= NAMED_FILES) break;
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

function groupBy(files: readonly OverviewFile[], depth: number): Group[] {
  const map = new Map<string, Group>();
  for (const f of files) {
    const parts = f.filename.split('/').slice(0, -1).slice(0, depth);
    const dir = parts.length ? `${parts.join('/')}/` : '(root)';
    const g = map.get(dir) ?? { dir, files: 0, additions: 0, deletions: 0 };
    g.files += 1;
    g.additions += f.additions;
    g.deletions += f.deletions;
    map.set(dir, g);
  }
  return [...map.values()];
}

function total(groups: Group[]): Omit<Group, 'dir'> {
  return groups.reduce(
    (s, g) => ({
      files: s.files + g.files,
      additions: s.additions + g.additions,
      deletions: s.deletions + g.deletions,
    }),
    { files: 0, additions: 0, deletions: 0 },
  );
}
