/**
 * Token counts seen on the stream, so a run that is killed before the CLI reports its cost can
 * still say what it spent (marked as an estimate).
 */
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { Usage } from './outcome';

/** USD per million tokens (input, output) by model family; list prices. */
const PRICES: [RegExp, number, number][] = [
  [/haiku/i, 1, 5],
  [/sonnet/i, 3, 15],
  [/opus/i, 5, 25],
];

export class UsageMeter {
  private seen = new Map<string, { input: number; output: number }>();
  private turns = 0;

  observe(msg: SDKMessage): void {
    if (msg.type !== 'assistant' || msg.parent_tool_use_id) return;
    const m = msg.message as { id?: string; usage?: { input_tokens?: number; output_tokens?: number } };
    if (!m.id || !m.usage) return;
    if (!this.seen.has(m.id)) this.turns++;
    // Streamed messages repeat per content block; keep the largest counts seen for each message.
    const prev = this.seen.get(m.id) ?? { input: 0, output: 0 };
    this.seen.set(m.id, {
      input: Math.max(prev.input, m.usage.input_tokens ?? 0),
      output: Math.max(prev.output, m.usage.output_tokens ?? 0),
    });
  }

  hasUsage(): boolean {
    return this.seen.size > 0;
  }

  estimate(model: string | undefined): Omit<Usage, 'durationMs'> {
    let input = 0;
    let output = 0;
    for (const u of this.seen.values()) {
      input += u.input;
      output += u.output;
    }
    const [, pin, pout] = PRICES.find(([re]) => re.test(model ?? '')) ?? [/./, 3, 15];
    return {
      costUsd: (input * pin + output * pout) / 1e6,
      inputTokens: input,
      outputTokens: output,
      numTurns: this.turns,
      costEstimated: true,
    };
  }
}
