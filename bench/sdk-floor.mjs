/* global process */
/**
 * The floor under any action built on the Agent SDK: Node starts, loads the SDK and nothing else,
 * and runs one prompt through `query()` on the CLI at argv[3]. bench/run.ts times it from spawn to
 * exit, beside the bare CLI and the action, on the same fake model.
 *
 *   node bench/sdk-floor.mjs <prompt> <path to the claude binary>
 *
 * Plain JavaScript, so that no TypeScript loader is counted.
 */
import { query } from '@anthropic-ai/claude-agent-sdk';

const [prompt, cli] = process.argv.slice(2);
let ok = false;
for await (const message of query({
  prompt: prompt ?? '',
  options: { pathToClaudeCodeExecutable: cli, cwd: process.cwd(), settingSources: [] },
})) {
  if (message.type !== 'result') continue;
  ok = message.subtype === 'success';
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
process.exit(ok ? 0 : 1);
