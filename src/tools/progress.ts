/** update_progress: the checklist in the relay's own comment, rewritten as the agent works. */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import type { ToolContext } from './context';
import { fail, guarded, ok, stripHtmlComments, ToolError } from './result';

export const MAX_PROGRESS_CHARS = 4000;

export function progressTools(ctx: ToolContext) {
  return [
    tool(
      'update_progress',
      'Replace the progress checklist shown in the relay\'s comment on GitHub, so people can follow what you are doing. Pass the whole checklist every time, in GitHub Markdown, e.g. "- [x] Read the diff\\n- [ ] Check the tests". Keep it short; your final answer replaces it at the end.',
      {
        markdown: z
          .string()
          .min(1)
          .max(MAX_PROGRESS_CHARS)
          .describe('The complete progress checklist (GitHub Markdown task list).'),
      },
      guarded('update_progress', async ({ markdown }) => {
        const text = stripHtmlComments(markdown).trim();
        if (!text) throw new ToolError('The progress text is empty once hidden HTML comments are removed.');
        try {
          await ctx.opts.onProgress(ctx.redact(text));
        } catch (err) {
          ctx.log(`update_progress: ${err instanceof Error ? err.message : String(err)}`);
          return fail(
            'The progress comment could not be updated right now; carry on with the task (the final answer is posted anyway).',
          );
        }
        return ok('Progress updated.');
      }),
      { annotations: { title: 'Update progress', readOnlyHint: false, openWorldHint: false } },
    ),
  ];
}
