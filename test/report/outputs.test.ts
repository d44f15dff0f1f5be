import type { AgentOutcome } from '../../src/agent/outcome';
import { outputsFrom, summaryMarkdown, writeOutputs } from '../../src/report/outputs';

const outcome: AgentOutcome = {
  conclusion: 'success',
  result: 'Answer with token-SECRET inside',
  costUsd: 0.0123456789,
  costEstimated: true,
  inputTokens: 1200,
  outputTokens: 34,
  numTurns: 2,
  durationMs: 1500,
  sessionId: 'sess',
  model: 'claude-x',
  toolCalls: [
    {
      id: '1',
      name: 'Bash',
      summary: 'cat a | grep b\nrm -rf /',
      outcome: 'denied',
      detail: 'not | allowed',
    },
  ],
};

describe('outputsFrom / writeOutputs', () => {
  it('gives every output a string, zeros when the agent never ran', () => {
    expect(outputsFrom(undefined, 'failure', '', 'Bad input')).toMatchObject({
      conclusion: 'failure',
      result: 'Bad input',
      cost_usd: '0.000000',
      num_turns: '0',
      session_id: '',
    });
    expect(outputsFrom(outcome, 'success', 'https://c').cost_usd).toBe('0.012346');
  });

  it('redacts every value it writes', () => {
    const written = new Map<string, string>();
    const sink = { setOutput: (k: string, v: string) => void written.set(k, v) };
    writeOutputs(sink, outputsFrom(outcome, 'success', 'https://c/token-SECRET'), (s) =>
      s.replaceAll('token-SECRET', '***'),
    );
    expect(written.get('result')).toBe('Answer with *** inside');
    expect(written.get('comment_url')).toBe('https://c/***');
    expect([...written.values()].join('\n')).not.toContain('token-SECRET');
    expect(written.size).toBe(10);
  });
});

describe('summaryMarkdown', () => {
  it('keeps a hostile tool call to one table row', () => {
    const md = summaryMarkdown(outcome, 'https://c');
    expect(md).toContain('| ≈$0.01 | 2 | 1.5s | 1,200 | 34 | claude-x |');
    const row = md.split('\n').find((l) => l.startsWith('| 1 |'));
    expect(row).toBe('| 1 | Bash | cat a \\| grep b rm -rf / | denied: not \\| allowed |  |  |');
  });

  it('says when there was no answer and no tool call', () => {
    const md = summaryMarkdown({ ...outcome, result: '', toolCalls: [] }, '');
    expect(md).toContain('_(no text answer)_');
    expect(md).toContain('### Tool calls (0)\n\n_none_');
    expect(md).not.toContain('Result comment:');
  });
});
