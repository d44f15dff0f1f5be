/**
 * The action outputs and the job summary. Every value is redacted before it is written.
 */
import type { AgentOutcome, Conclusion } from '../agent/outcome';
import { formatCount, formatDuration, formatUsd } from './comment';

export interface OutputSink {
  setOutput(name: string, value: string): void;
}

export interface RelayOutputs {
  conclusion: Conclusion;
  result: string;
  session_id: string;
  cost_usd: string;
  input_tokens: string;
  output_tokens: string;
  num_turns: string;
  duration_ms: string;
  comment_url: string;
  /** Compact JSON matching json_schema, or ''. */
  structured_output: string;
}

export function outputsFrom(
  o: AgentOutcome | undefined,
  conclusion: Conclusion,
  commentUrl = '',
  result = '',
  structuredOutput = '',
): RelayOutputs {
  return {
    conclusion,
    result: o?.result ?? result,
    session_id: o?.sessionId ?? '',
    cost_usd: (o?.costUsd ?? 0).toFixed(6),
    input_tokens: String(o?.inputTokens ?? 0),
    output_tokens: String(o?.outputTokens ?? 0),
    num_turns: String(o?.numTurns ?? 0),
    duration_ms: String(o?.durationMs ?? 0),
    comment_url: commentUrl,
    structured_output: structuredOutput,
  };
}

export function writeOutputs(sink: OutputSink, outputs: RelayOutputs, redact: (s: string) => string): void {
  for (const [k, v] of Object.entries(outputs)) sink.setOutput(k, redact(String(v)));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown for core.summary: totals, the answer, then one row per tool call. */
export function summaryMarkdown(
  o: AgentOutcome,
  commentUrl: string,
  extraTables: string[] = [],
  structuredOutput = '',
): string {
  const lines = [
    `## claude-relay: ${o.conclusion}`,
    '',
    '| cost | turns | duration | input tokens | output tokens | model |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${o.costEstimated ? '≈' : ''}${formatUsd(o.costUsd)} | ${o.numTurns} | ${formatDuration(o.durationMs)} | ${formatCount(o.inputTokens)} | ${formatCount(o.outputTokens)} | ${o.model ?? ''} |`,
    '',
  ];
  if (commentUrl) lines.push(`Result comment: ${commentUrl}`, '');
  // The answer itself: for an automation run (no comment) this is where people read it.
  lines.push('### Result', '', o.result.trim() || '_(no text answer)_', '');
  if (structuredOutput) lines.push('### Structured output', '', '```json', structuredOutput, '```', '');
  lines.push(`### Tool calls (${o.toolCalls.length})`, '');
  if (o.toolCalls.length > 0) {
    lines.push('| # | tool | input | outcome | size | time |', '| --- | --- | --- | --- | --- | --- |');
    o.toolCalls.forEach((c, i) => {
      lines.push(
        `| ${i + 1} | ${cell(c.name)} | ${cell(c.summary)} | ${c.outcome}${c.detail ? `: ${cell(c.detail)}` : ''} | ${c.resultBytes === undefined ? '' : formatCount(c.resultBytes)} | ${c.durationMs === undefined ? '' : `${formatCount(c.durationMs)} ms`} |`,
      );
    });
  } else {
    lines.push('_none_');
  }
  for (const t of extraTables) lines.push('', t);
  return lines.join('\n') + '\n';
}
