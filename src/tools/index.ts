/**
 * The relay's GitHub tools for the agent: one in-process MCP server named `relay` (tools are
 * `mcp__relay__<name>`), bound to the request's repository and PR/issue when it is built — no tool
 * takes an owner, repository or number. Read-only runs get the read tools, update_progress and
 * add_inline_comment; edit runs add commit_and_push.
 *
 * The action passes `server` in the SDK's `mcpServers: { relay: server }`, allows `toolNames`, and
 * calls `flush()` after the agent finished to submit the buffered inline comments as one review.
 */
import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { sdkServer } from '../agent/sdk-server';
import { ciTools } from './ci';
import { ToolContext, type PushRecord, type RelayProfile, type RelayToolsOptions } from './context';
import { progressTools } from './progress';
import { Pusher, pushTools } from './push';
import { readTools } from './read';
import { ReviewBuffer, reviewTools, type PendingComment, type ReviewFlushResult } from './review';

export type { RelayToolsOptions, RelayProfile, PushRecord, PendingComment, ReviewFlushResult };
export { commentableLines, placementProblem, describeRanges } from './diff-lines';
export { issueBranch, issueSlug, protectedPushPath, coAuthorTrailer, commitMessage } from './push';
export { renderCommentBody } from './review';
export { checkoutPrHead, type CheckoutHeadOptions, type CheckoutHeadResult } from './checkout';

export const RELAY_SERVER_NAME = 'relay';
export const RELAY_TOOL_PREFIX = `mcp__${RELAY_SERVER_NAME}__`;

/** Tools of every profile (short names): reading, progress, inline review comments. */
export const RELAY_READ_TOOL_NAMES = [
  'update_progress',
  'list_changed_files',
  'get_diff',
  'list_comments',
  'list_review_threads',
  'add_inline_comment',
  'get_ci_status',
  'get_job_log',
] as const;
/** Tools of the edit profile only (short names). */
export const RELAY_WRITE_TOOL_NAMES = ['commit_and_push'] as const;

/** Full `mcp__relay__…` names, for allowedTools and the policy. */
export const RELAY_READ_TOOLS: readonly string[] = RELAY_READ_TOOL_NAMES.map((n) => RELAY_TOOL_PREFIX + n);
export const RELAY_WRITE_TOOLS: readonly string[] = RELAY_WRITE_TOOL_NAMES.map((n) => RELAY_TOOL_PREFIX + n);

/** The full tool names a profile exposes. */
export function relayToolNames(profile: RelayProfile): string[] {
  return profile === 'edit' ? [...RELAY_READ_TOOLS, ...RELAY_WRITE_TOOLS] : [...RELAY_READ_TOOLS];
}

export interface RelayFlushResult extends ReviewFlushResult {
  /** What commit_and_push pushed during the run, if anything. */
  pushed?: PushRecord;
}

export interface RelayTools {
  /** For `mcpServers: { relay: server }`. */
  server: McpSdkServerConfigWithInstance;
  /** Full names of the registered tools (for allowedTools). */
  toolNames: string[];
  /** The tool definitions (name, description, zod input shape, handler). */
  tools: ReturnType<typeof buildDefinitions>;
  /** Inline comments queued so far. */
  pendingComments(): readonly PendingComment[];
  /** Submits the queued inline comments as one COMMENT review. Never throws. */
  flush(opts?: { body?: string }): Promise<RelayFlushResult>;
}

function buildDefinitions(ctx: ToolContext, buffer: ReviewBuffer, pusher: Pusher) {
  return [
    ...progressTools(ctx),
    ...readTools(ctx),
    ...reviewTools(ctx, buffer),
    ...ciTools(ctx),
    ...(ctx.opts.profile === 'edit' ? pushTools(ctx, pusher) : []),
  ];
}

const INSTRUCTIONS = [
  'GitHub tools for the pull request or issue this run is about; the target is fixed, so no tool takes a repository or number.',
  'Keep people informed with update_progress (a short checklist). Put line-specific review remarks on the diff with add_inline_comment; they are posted as one review at the end.',
].join(' ');

export function buildRelayTools(opts: RelayToolsOptions): RelayTools {
  const ctx = new ToolContext(opts);
  const buffer = new ReviewBuffer(ctx);
  const pusher = new Pusher(ctx);
  const tools = buildDefinitions(ctx, buffer, pusher);
  const server = sdkServer({
    name: RELAY_SERVER_NAME,
    version: '1.0.0',
    instructions:
      INSTRUCTIONS +
      (opts.profile === 'edit'
        ? ' When your edits are done, commit and push them with commit_and_push.'
        : ''),
    tools,
    alwaysLoad: true,
  });
  return {
    server,
    toolNames: tools.map((t) => RELAY_TOOL_PREFIX + t.name),
    tools,
    pendingComments: () => buffer.pending,
    flush: async (o) => {
      const review = await buffer.flush(o);
      return { ...review, ...(ctx.pushed ? { pushed: { ...ctx.pushed } } : {}) };
    },
  };
}
