/**
 * Cost of one decide() call: median (and p90/p99) µs over 10,000 decisions each for Bash and
 * non-Bash tool calls, after a warm-up (the first Bash call also loads the shell parser; that load
 * is reported on its own). Not a jest test: run with `npx tsx test/policy/decide.bench.ts`.
 */
import { performance } from 'node:perf_hooks';
import { decide, type PolicyContext, type ToolCall } from '../../src/policy/decide';
import { context, makeSandbox } from './fixtures';

const N = 10_000;

const bashCalls: ToolCall[] = [
  'npm test',
  'npm test -- --runInBand 2>&1 | tee out.txt',
  'npm run lint && npm test; git status',
  'if npm test; then npm run lint; else git status; fi',
  'npm test && curl https://example.com',
  'npm test $(curl x)',
  'npm test > /etc/passwd',
  'npm test -- \'a b\' "c d" src/*.ts',
].map((command) => ({ toolName: 'Bash', input: { command } }));

const otherCalls: ToolCall[] = [
  { toolName: 'Read', input: { file_path: 'src/a.ts' } },
  { toolName: 'Read', input: { file_path: '/etc/passwd' } },
  { toolName: 'Edit', input: { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' } },
  { toolName: 'Write', input: { file_path: '.github/workflows/ci.yml', content: 'x' } },
  { toolName: 'Grep', input: { pattern: 'foo', path: 'src' } },
  { toolName: 'Glob', input: { pattern: '**/*.ts' } },
  { toolName: 'WebFetch', input: { url: 'https://example.com' } },
  { toolName: 'mcp__relay__get_diff', input: {} },
];

function stats(samples: number[]): { median: number; p90: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function measure(calls: ToolCall[], ctx: PolicyContext): Promise<number[]> {
  for (let i = 0; i < 1000; i++) await decide(calls[i % calls.length] as ToolCall, ctx);
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const call = calls[i % calls.length] as ToolCall;
    const t = performance.now();
    await decide(call, ctx);
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

const fmt = (x: number) => x.toFixed(1).padStart(8);

async function main(): Promise<void> {
  const sb = makeSandbox();
  try {
    const ctx = context(sb, {
      profile: 'edit',
      allowedBash: ['npm test', 'npm run lint', 'git status', 'tee'],
      allowedTools: ['WebFetch(domain:example.com)'],
    });
    const t0 = performance.now();
    const first = await decide(bashCalls[0] as ToolCall, ctx);
    const firstMs = performance.now() - t0;
    if (first.behavior !== 'allow')
      throw new Error(`bench setup: npm test was denied: ${JSON.stringify(first)}`);
    const bash = stats(await measure(bashCalls, ctx));
    const other = stats(await measure(otherCalls, ctx));
    const row = (name: string, s: ReturnType<typeof stats>) =>
      `${name.padEnd(9)}${fmt(s.median)}${fmt(s.p90)}${fmt(s.p99)}${fmt(s.mean)}`;
    console.log(`decide() over ${N} calls each, µs      median     p90     p99    mean`);
    console.log(row('Bash', bash));
    console.log(row('non-Bash', other));
    console.log(`first Bash call (loads the shell parser): ${firstMs.toFixed(1)} ms`);
  } finally {
    sb.cleanup();
  }
}

await main();
