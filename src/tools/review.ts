/**
 * add_inline_comment buffers line comments (checked against the diff at once, so the model learns
 * about a bad line while it can still fix it); flush() submits them as ONE review with event
 * COMMENT after the agent finishes. The relay never approves or requests changes.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { describeGitHubError } from '../github/client';
import type { ToolContext } from './context';
import { placementProblem, type Side } from './diff-lines';
import { guarded, httpStatus, ok, stripHtmlComments, ToolError } from './result';
import { stripMarkers } from '../core/ledger';

/** Inline comments one run may leave. */
export const MAX_INLINE_COMMENTS = 50;
export const MAX_COMMENT_CHARS = 8000;

export interface PendingComment {
  path: string;
  line: number;
  side: Side;
  start_line?: number;
  start_side?: Side;
  body: string;
}

export interface ReviewFlushResult {
  /** Inline comments submitted (0 when there were none). */
  comments: number;
  reviewId?: number;
  reviewUrl?: string;
  /** GitHub refused the inline placement: the comments went into the review body instead. */
  fallback?: boolean;
  error?: string;
}

/** The comment body with the suggestion as a ```suggestion block (a longer fence when needed). */
export function renderCommentBody(body: string, suggestion?: string): string {
  const text = stripHtmlComments(body).trim();
  if (suggestion === undefined) return text;
  const code = suggestion.replace(/\r\n/g, '\n').replace(/\n$/, '');
  const longest = Math.max(0, ...(code.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${text}\n\n${fence}suggestion\n${code}${code === '' ? '' : '\n'}${fence}`;
}

export class ReviewBuffer {
  readonly pending: PendingComment[] = [];
  private submitting?: Promise<ReviewFlushResult>;

  constructor(private ctx: ToolContext) {}

  add(c: PendingComment): number {
    this.pending.push(c);
    return this.pending.length;
  }

  /** Submits the buffered comments as one COMMENT review; never throws. Idempotent. */
  flush(opts: { body?: string } = {}): Promise<ReviewFlushResult> {
    if (!this.submitting) this.submitting = this.submit(opts.body ?? '');
    const p = this.submitting;
    // Comments added after a flush go into a later review.
    void p.then(() => {
      if (this.submitting === p) this.submitting = undefined;
    });
    return p;
  }

  private async submit(body: string): Promise<ReviewFlushResult> {
    const comments = this.pending.splice(0, this.pending.length);
    if (comments.length === 0) return { comments: 0 };
    const { gh, owner, repo, number } = this.ctx;
    const commitId = this.ctx.opts.pr?.headSha;
    // Posted by the relay's identity on the model's behalf: never with a marker look-alike.
    const redact = (s: string) => this.ctx.redact(stripMarkers(s));
    try {
      const { data } = await gh.rest.pulls.createReview({
        owner,
        repo,
        pull_number: number,
        ...(commitId ? { commit_id: commitId } : {}),
        event: 'COMMENT',
        ...(body ? { body: redact(body) } : {}),
        comments: comments.map((c) => ({ ...c, body: redact(c.body) })),
      });
      return { comments: comments.length, reviewId: data.id, reviewUrl: data.html_url };
    } catch (err) {
      const error = describeGitHubError(err);
      this.ctx.log(`Submitting the review failed: ${error}`);
      if (httpStatus(err) !== 422) return { comments: 0, error };
      // GitHub refused a placement (e.g. the diff changed): one review, comments in its body.
      const text = [
        body,
        'GitHub did not accept these comments on their lines, so they are listed here:',
        ...comments.map(
          (c) =>
            `**\`${c.path}\` ${c.start_line ? `lines ${c.start_line}-${c.line}` : `line ${c.line}`}${c.side === 'LEFT' ? ' (old side)' : ''}**\n\n${c.body}`,
        ),
      ]
        .filter(Boolean)
        .join('\n\n---\n\n');
      try {
        const { data } = await gh.rest.pulls.createReview({
          owner,
          repo,
          pull_number: number,
          ...(commitId ? { commit_id: commitId } : {}),
          event: 'COMMENT',
          body: redact(text),
        });
        return {
          comments: comments.length,
          reviewId: data.id,
          reviewUrl: data.html_url,
          fallback: true,
          error,
        };
      } catch (err2) {
        return { comments: 0, error: `${error}; then ${describeGitHubError(err2)}` };
      }
    }
  }
}

const line = z.number().int().min(1).max(10_000_000);

export function reviewTools(ctx: ToolContext, buffer: ReviewBuffer) {
  return [
    tool(
      'add_inline_comment',
      'Leave a review comment on a line (or a range start_line..line) of the pull request diff. Comments are collected and posted together as one review (never an approval or a change request) when you finish. Only lines shown in the diff can take comments: RIGHT = the new file (added or context lines, new line numbers), LEFT = the old file (deleted lines, old line numbers). Use `suggestion` to propose replacement code for the commented lines (RIGHT side only): it is rendered as a GitHub suggestion the author can apply.',
      {
        path: z
          .string()
          .min(1)
          .max(4096)
          .describe('File path from the repository root, as listed by list_changed_files.'),
        line: line.describe('The line to comment on (the last line of a range).'),
        start_line: line.optional().describe('First line of a multi-line range (same side, same hunk).'),
        side: z
          .enum(['LEFT', 'RIGHT'])
          .optional()
          .describe('RIGHT (default): new version of the file; LEFT: old version (deleted lines).'),
        body: z.string().min(1).max(MAX_COMMENT_CHARS).describe('The comment, in GitHub Markdown.'),
        suggestion: z
          .string()
          .max(MAX_COMMENT_CHARS)
          .optional()
          .describe(
            'Replacement text for the commented line(s), without a code fence; an empty string suggests deleting them.',
          ),
      },
      guarded('add_inline_comment', async (args) => {
        ctx.requirePull('add_inline_comment');
        const side: Side = args.side ?? 'RIGHT';
        if (args.suggestion !== undefined && side === 'LEFT') {
          throw new ToolError(
            'A suggestion replaces lines of the new file: use side RIGHT (or leave side out).',
          );
        }
        if (buffer.pending.length >= MAX_INLINE_COMMENTS) {
          throw new ToolError(
            `This run already has ${MAX_INLINE_COMMENTS} inline comments, the most it posts; put further remarks in your final message.`,
          );
        }
        const path = args.path.replace(/^\.?\//, '');
        const files = await ctx.changedFiles();
        const problem = placementProblem(files, {
          path,
          line: args.line,
          side,
          ...(args.start_line !== undefined ? { startLine: args.start_line, startSide: side } : {}),
        });
        if (problem) throw new ToolError(problem);
        const body = renderCommentBody(args.body, args.suggestion);
        if (!body.trim()) throw new ToolError('The comment body is empty.');
        const n = buffer.add({
          path,
          line: args.line,
          side,
          ...(args.start_line !== undefined ? { start_line: args.start_line, start_side: side } : {}),
          body,
        });
        const where =
          args.start_line !== undefined ? `lines ${args.start_line}-${args.line}` : `line ${args.line}`;
        return ok(
          `Queued inline comment ${n} on ${path} ${where} (${side})${args.suggestion !== undefined ? ' with a suggestion' : ''}. All queued comments are posted as one review when you finish.`,
        );
      }),
      { annotations: { title: 'Add inline review comment', readOnlyHint: false, openWorldHint: false } },
    ),
  ];
}
