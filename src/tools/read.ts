/**
 * Read tools for the fixed PR/issue: changed files, the diff (paged, for what the prompt's diff
 * budget left out), the conversation and the review threads. Text written by other people comes
 * back fenced as untrusted data, like in the prompt.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import type { ChangedFile } from '../context/fetch';
import { stripMarkers } from '../core/ledger';
import { fenceUntrusted } from '../prompt/sanitize';
import type { ToolContext } from './context';
import { git } from './git';
import { guarded, ok, pageItems, pageOf, ToolError } from './result';

/** Files listed per page of list_changed_files. */
export const FILES_PER_PAGE = 300;

const page = z.number().int().min(1).max(10_000).optional().describe('Page to read, from 1 (default 1).');

function pageNote(p: { page: number; pages: number }, again: string): string {
  return p.pages > 1
    ? `Page ${p.page} of ${p.pages}.${p.page < p.pages ? ` Call ${again} with page: ${p.page + 1} for more.` : ''}`
    : '';
}

function quote(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f"\\]/.test(name) ? JSON.stringify(name) : name;
}

function fileHeader(f: ChangedFile): string {
  const old = f.previous_filename ?? f.filename;
  const lines = [`diff --git ${quote(`a/${old}`)} ${quote(`b/${f.filename}`)}`];
  if (f.previous_filename && f.previous_filename !== f.filename)
    lines.push(`rename from ${quote(old)}`, `rename to ${quote(f.filename)}`);
  lines.push(
    `--- ${f.status === 'added' ? '/dev/null' : quote(`a/${old}`)}`,
    `+++ ${f.status === 'removed' ? '/dev/null' : quote(`b/${f.filename}`)}`,
  );
  return lines.join('\n') + '\n';
}

/** A file's patch from the local checkout, for files GitHub sends no patch for (too large). */
async function localPatch(ctx: ToolContext, f: ChangedFile): Promise<string | undefined> {
  const base = ctx.opts.pr?.baseSha;
  const head = ctx.opts.pr?.headSha;
  if (!base || !head || f.additions + f.deletions === 0) return undefined;
  const paths = f.previous_filename ? [f.previous_filename, f.filename] : [f.filename];
  const r = await git(
    [
      'diff',
      '--no-ext-diff',
      '--no-textconv',
      '--no-color',
      '-M',
      `${base}...${head}`,
      '--',
      ...paths.map((p) => `:(literal)${p}`),
    ],
    { cwd: ctx.opts.workspace, timeoutMs: 30_000 },
  );
  if (r.code !== 0 || !r.stdout) return undefined;
  const at = r.stdout.indexOf('\n@@');
  return at >= 0 ? r.stdout.slice(at + 1) : undefined;
}

async function diffText(ctx: ToolContext, files: ChangedFile[]): Promise<string> {
  const parts: string[] = [];
  for (const f of files) {
    let patch = f.patch;
    let note = '';
    if (!patch) {
      patch = await localPatch(ctx, f);
      if (patch) note = '(GitHub sends no patch for this file; this one comes from the local checkout)\n';
    }
    if (!patch) {
      const why =
        f.additions + f.deletions === 0
          ? 'no textual change (binary, mode change or pure rename)'
          : 'GitHub sends no patch (binary or too large) and the checkout cannot produce it';
      parts.push(`${fileHeader(f)}(${why}: read the file in the checkout)\n`);
      continue;
    }
    parts.push(fileHeader(f) + note + (patch.endsWith('\n') ? patch : `${patch}\n`));
  }
  return parts.join('');
}

export function readTools(ctx: ToolContext) {
  const listChangedFiles = tool(
    'list_changed_files',
    `List the files this pull request changes (status, +added −deleted lines, renames, whether GitHub has a patch), ${FILES_PER_PAGE} per page.`,
    { page },
    guarded('list_changed_files', async (args) => {
      const files = await ctx.changedFiles();
      if (files.length === 0) return ok('This pull request changes no files.');
      const pages = Math.max(1, Math.ceil(files.length / FILES_PER_PAGE));
      const p = Math.min(args.page ?? 1, pages);
      const shown = files.slice((p - 1) * FILES_PER_PAGE, p * FILES_PER_PAGE);
      const lines = shown.map(
        (f) =>
          `${f.status}\t+${f.additions} −${f.deletions}\t${f.filename}${f.previous_filename ? ` (from ${f.previous_filename})` : ''}${f.patch ? '' : '\t[no patch]'}`,
      );
      const head = `${files.length} changed files${files.length >= 3000 ? ' (GitHub lists at most 3,000)' : ''}.`;
      return ok(
        [
          head,
          fenceUntrusted('changed files', lines.join('\n')),
          pageNote({ page: p, pages }, 'list_changed_files'),
        ]
          .filter(Boolean)
          .join('\n'),
      );
    }),
    { annotations: { title: 'List changed files', readOnlyHint: true, openWorldHint: false } },
  );

  const getDiff = tool(
    'get_diff',
    'Read the unified diff of this pull request, paged (about 20,000 characters a page): the whole diff, or one file with `path`. Use it for the parts the prompt left out.',
    {
      path: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .describe('One changed file (path from the repository root); leave out for the whole diff.'),
      page,
    },
    guarded('get_diff', async (args) => {
      const all = await ctx.changedFiles();
      let files = all;
      if (args.path !== undefined) {
        const wanted = args.path.replace(/^\.?\//, '');
        files = all.filter((f) => f.filename === wanted || f.previous_filename === wanted);
        if (files.length === 0) {
          throw new ToolError(
            `\`${args.path}\` is not one of the ${all.length} files this pull request changes; list_changed_files lists them.`,
          );
        }
      }
      const text = await diffText(ctx, files);
      if (!text) return ok('This pull request has no diff.');
      const p = pageOf(text, args.page ?? 1);
      const call = args.path !== undefined ? `get_diff (same path)` : 'get_diff';
      return ok(
        [fenceUntrusted(args.path ? `diff of ${args.path}` : 'diff', p.text), pageNote(p, call)]
          .filter(Boolean)
          .join('\n'),
      );
    }),
    { annotations: { title: 'Get diff', readOnlyHint: true, openWorldHint: false } },
  );

  const listComments = tool(
    'list_comments',
    'Read the conversation of this pull request or issue: its comments (oldest first) and, for a pull request, the review summaries. Paged.',
    { page },
    guarded('list_comments', async (args) => {
      const { gh, owner, repo, number } = ctx;
      const [comments, reviews] = await Promise.all([
        gh.paginate(gh.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 }),
        ctx.isPull
          ? gh.paginate(gh.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 })
          : Promise.resolve([]),
      ]);
      const items: { at: string; text: string }[] = [];
      for (const c of comments) {
        const body = stripMarkers(c.body ?? '').trim();
        items.push({
          at: c.created_at,
          text: fenceUntrusted(`comment ${c.id} by @${c.user?.login ?? 'ghost'} at ${c.created_at}`, body),
        });
      }
      for (const r of reviews) {
        if (!(r.body ?? '').trim() && r.state === 'COMMENTED') continue;
        const at = r.submitted_at ?? '';
        items.push({
          at,
          text: fenceUntrusted(
            `review ${r.id} by @${r.user?.login ?? 'ghost'} (${r.state}) at ${at}`,
            r.body || '(no summary)',
          ),
        });
      }
      if (items.length === 0) return ok(`No comments on ${ctx.target} yet.`);
      items.sort((a, b) => a.at.localeCompare(b.at));
      const p = pageItems(
        items.map((i) => i.text),
        args.page ?? 1,
      );
      return ok(
        [`${items.length} comments and reviews on ${ctx.target}.`, p.text, pageNote(p, 'list_comments')]
          .filter(Boolean)
          .join('\n'),
      );
    }),
    { annotations: { title: 'List comments', readOnlyHint: true, openWorldHint: false } },
  );

  const listReviewThreads = tool(
    'list_review_threads',
    "Read this pull request's inline review threads: each thread's file and line, whether it is outdated, and its comments in order. Paged.",
    { page },
    guarded('list_review_threads', async (args) => {
      ctx.requirePull('list_review_threads');
      const { gh, owner, repo, number } = ctx;
      const comments = await gh.paginate(gh.rest.pulls.listReviewComments, {
        owner,
        repo,
        pull_number: number,
        per_page: 100,
      });
      if (comments.length === 0) return ok('This pull request has no review threads.');
      const byId = new Map(comments.map((c) => [c.id, c]));
      const rootOf = (c: (typeof comments)[number]) => {
        let cur = c;
        for (let i = 0; i < 100 && cur.in_reply_to_id !== undefined; i++) {
          const parent = byId.get(cur.in_reply_to_id);
          if (!parent) break;
          cur = parent;
        }
        return cur;
      };
      const threads = new Map<number, (typeof comments)[number][]>();
      for (const c of comments) {
        const root = rootOf(c);
        threads.set(root.id, [...(threads.get(root.id) ?? []), c]);
      }
      const out: string[] = [];
      let i = 0;
      for (const [rootId, list] of threads) {
        const root = byId.get(rootId) ?? list[0];
        if (!root) continue;
        const line = root.line ?? root.original_line;
        const range =
          root.start_line && line && root.start_line !== line
            ? `${root.start_line}-${line}`
            : `${line ?? '?'}`;
        const outdated = root.line === null || root.line === undefined;
        const thread = [
          `${root.path}:${range} (${root.side ?? 'RIGHT'} side)${outdated ? ' — outdated' : ''}`,
          ...list.map(
            (c) => `\n@${c.user?.login ?? 'ghost'} at ${c.created_at} (comment ${c.id}):\n${c.body}`,
          ),
        ];
        out.push(fenceUntrusted(`review thread ${++i}`, thread.join('\n')));
      }
      const p = pageItems(out, args.page ?? 1);
      return ok(
        [
          `${threads.size} review threads (${comments.length} comments).`,
          p.text,
          pageNote(p, 'list_review_threads'),
        ]
          .filter(Boolean)
          .join('\n'),
      );
    }),
    { annotations: { title: 'List review threads', readOnlyHint: true, openWorldHint: false } },
  );

  return [listChangedFiles, getDiff, listComments, listReviewThreads];
}
