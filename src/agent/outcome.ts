/** What an agent run produced, whatever way it ended. */
export type Conclusion =
  'success' | 'failure' | 'cancelled' | 'skipped' | 'max_turns' | 'budget_exceeded' | 'timeout';

export interface Usage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  numTurns: number;
  durationMs: number;
  /** True when the cost is our estimate from token counts (the CLI ended before reporting it). */
  costEstimated?: boolean;
}

export interface ToolCallRecord {
  id: string;
  name: string;
  summary: string;
  outcome: 'ok' | 'error' | 'denied' | 'pending';
  resultBytes?: number;
  durationMs?: number;
  detail?: string;
}

export interface AgentOutcome extends Usage {
  conclusion: Conclusion;
  /** The agent's final answer (success) or a sentence saying what went wrong. */
  result: string;
  sessionId?: string;
  model?: string;
  toolCalls: ToolCallRecord[];
  /** With `json_schema`: what the CLI returned as structured output (checked again before use). */
  structuredOutput?: unknown;
}
