/**
 * Runs one agent turn through the Claude Agent SDK and the real Claude Code CLI, streaming every
 * message to `onMessage` as it arrives, and reduces the run to an AgentOutcome whatever happens:
 * success, turn or budget cap, timeout, cancellation, API error or a crashed CLI.
 */
import { query, type Options, type SDKMessage, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { AgentOutcome, Conclusion } from './outcome';
import { UsageMeter } from './usage';

export interface AgentRunOptions {
  prompt: string;
  /** SDK options (cwd, tools, policy, env, resume …) prepared by the caller. */
  options: Options;
  timeoutMs: number;
  /** Aborted by the caller on SIGTERM (job cancelled). */
  cancelSignal?: AbortSignal;
  onMessage?: (msg: SDKMessage) => void;
  /** How long an interrupted CLI gets to report its result before it is killed. */
  interruptGraceMs?: number;
  /** Starts the CLI (default: `query()`); a parked CLI (`spare.ts`) is claimed here. */
  start?: (prompt: () => AsyncIterable<SDKUserMessage>, options: Options) => Promise<AgentStream>;
}

/** What a run reads from the CLI: its messages, and a way to ask it to end the turn. */
export interface AgentStream extends AsyncIterable<SDKMessage> {
  interrupt(): Promise<unknown>;
}

type StopReason = 'timeout' | 'cancelled' | 'auth' | undefined;

export async function runAgent(opts: AgentRunOptions): Promise<AgentOutcome> {
  const started = Date.now();
  const abort = new AbortController();
  const meter = new UsageMeter();
  let stopReason: StopReason;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));

  // Streaming input keeps the control channel open: interrupt() and canUseTool need it.
  async function* input(): AsyncGenerator<SDKUserMessage> {
    yield {
      type: 'user',
      session_id: '',
      parent_tool_use_id: null,
      message: { role: 'user', content: [{ type: 'text', text: opts.prompt }] },
    };
    await done;
  }

  const options = { ...opts.options, abortController: abort };
  const q = opts.start ? await opts.start(input, options) : query({ prompt: input(), options });

  const stop = (why: Exclude<StopReason, undefined>) => {
    if (stopReason) return;
    stopReason = why;
    // Ask the CLI to end the turn so it reports the cost so far; kill it if it does not.
    q.interrupt().catch(() => {});
    setTimeout(() => abort.abort(), opts.interruptGraceMs ?? 5000).unref();
  };
  const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
  timer.unref();
  const onCancel = () => stop('cancelled');
  opts.cancelSignal?.addEventListener('abort', onCancel, { once: true });
  if (opts.cancelSignal?.aborted) onCancel();

  let resultMsg: Extract<SDKMessage, { type: 'result' }> | undefined;
  let sessionId: string | undefined;
  let model: string | undefined;
  let apiError: string | undefined;
  let crash: string | undefined;
  try {
    for await (const msg of q) {
      meter.observe(msg);
      if ('session_id' in msg && typeof msg.session_id === 'string' && msg.session_id)
        sessionId = msg.session_id;
      if (msg.type === 'system' && msg.subtype === 'init') model = msg.model;
      if (msg.type === 'assistant' && msg.error) apiError = describeApiError(msg.error, msg);
      // The CLI resends a 401 once on purpose, then keeps retrying with backoff (minutes with the
      // default 10 retries). Rejected credentials do not heal: stop at the second retry.
      if (isAuthRetry(msg)) stop('auth');
      opts.onMessage?.(msg);
      if (msg.type === 'result') {
        resultMsg = msg;
        finished();
      }
    }
  } catch (err) {
    crash = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
    opts.cancelSignal?.removeEventListener('abort', onCancel);
    finished();
  }

  const durationMs = Date.now() - started;
  const usage = resultMsg
    ? {
        costUsd: resultMsg.total_cost_usd,
        inputTokens: sumModelUsage(resultMsg.modelUsage, 'inputTokens') || resultMsg.usage.input_tokens,
        outputTokens: sumModelUsage(resultMsg.modelUsage, 'outputTokens') || resultMsg.usage.output_tokens,
        numTurns: resultMsg.num_turns,
        durationMs,
      }
    : { ...meter.estimate(model), durationMs };
  if (resultMsg && resultMsg.total_cost_usd === 0 && meter.hasUsage()) {
    // The CLI reported nothing; our count from the stream is better than zero (if it saw any).
    const estimate = meter.estimate(model);
    if (estimate.costUsd > 0) Object.assign(usage, estimate, { durationMs });
  }

  const base = { ...usage, sessionId, model, toolCalls: [] };
  if (stopReason === 'timeout') {
    return { ...base, conclusion: 'timeout', result: `Stopped: the run reached its time limit.` };
  }
  if (stopReason === 'auth') {
    return {
      ...base,
      conclusion: 'failure',
      result:
        'The agent run failed: the Anthropic API rejected the credentials (401). Check the anthropic_api_key or claude_code_oauth_token secret.',
    };
  }
  if (stopReason === 'cancelled') {
    return {
      ...base,
      conclusion: 'cancelled',
      result: 'Cancelled: the job was cancelled while the agent was working.',
    };
  }
  if (resultMsg) {
    if (resultMsg.subtype === 'success' && !resultMsg.is_error) {
      const structured = resultMsg.structured_output;
      return {
        ...base,
        conclusion: 'success',
        result: resultMsg.result,
        ...(structured !== undefined ? { structuredOutput: structured } : {}),
      };
    }
    if (resultMsg.subtype === 'error_max_structured_output_retries') {
      return {
        ...base,
        conclusion: 'failure',
        result:
          'The agent never produced structured output that matches json_schema (the CLI gave up after its retries).',
      };
    }
    const conclusion: Conclusion =
      resultMsg.subtype === 'error_max_turns'
        ? 'max_turns'
        : resultMsg.subtype === 'error_max_budget_usd'
          ? 'budget_exceeded'
          : 'failure';
    const detail =
      resultMsg.subtype === 'success'
        ? resultMsg.result
        : [...(resultMsg.errors ?? [])].filter(Boolean).join('; ');
    return { ...base, conclusion, result: failureText(conclusion, apiError ?? detail) };
  }
  return {
    ...base,
    conclusion: 'failure',
    result: `The Claude Code CLI ${crash ? `failed: ${oneLine(crash)}` : 'ended without a result'}${apiError ? ` (${apiError})` : ''}.`,
  };
}

function isAuthRetry(msg: SDKMessage): boolean {
  if (msg.type !== 'system' || msg.subtype !== 'api_retry') return false;
  return (msg.error_status === 401 || msg.error === 'authentication_failed') && msg.attempt >= 2;
}

function failureText(c: Conclusion, detail: string): string {
  switch (c) {
    case 'max_turns':
      return 'Stopped: the agent reached the max_turns limit before finishing.';
    case 'budget_exceeded':
      return 'Stopped: the run reached its max_budget_usd cost limit.';
    default:
      return `The agent run failed${detail ? `: ${oneLine(detail)}` : '.'}`;
  }
}

function describeApiError(kind: string, msg: { message?: { content?: unknown } }): string {
  const content = Array.isArray(msg.message?.content)
    ? (msg.message.content as { type: string; text?: string }[])
    : [];
  const text = content.find((b) => b.type === 'text')?.text;
  const names: Record<string, string> = {
    authentication_failed: 'Anthropic API rejected the credentials (401)',
    rate_limit: 'Anthropic API rate limit (429)',
    overloaded: 'Anthropic API overloaded (529)',
    server_error: 'Anthropic API server error',
    billing_error: 'Anthropic API billing error',
    model_not_found: 'model not found',
  };
  return `${names[kind] ?? `API error: ${kind}`}${text ? ` — ${oneLine(text).slice(0, 200)}` : ''}`;
}

function sumModelUsage(
  mu: Record<string, { inputTokens: number; outputTokens: number }> | undefined,
  k: 'inputTokens' | 'outputTokens',
) {
  return Object.values(mu ?? {}).reduce((n, u) => n + (u[k] ?? 0), 0);
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 500);
}
