/**
 * When a parked CLI may serve a run: only when starting the CLI with the run's options would be
 * the same as the start it had. Callbacks and in-process servers compare by shape; what a claim
 * sets (folder, model, permission mode, appended system prompt) does not count.
 */
import { tool, type Options } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { sdkServer } from '../../src/agent/sdk-server';
import { AgentSpare, hostKey } from '../../src/agent/spare';

function options(over: Partial<Options> = {}, description = 'Lists the changed files.'): Options {
  return {
    pathToClaudeCodeExecutable: '/opt/claude',
    env: { HOME: '/tmp/run/home', ANTHROPIC_API_KEY: 'k' },
    settingSources: ['project'],
    systemPrompt: { type: 'preset', preset: 'claude_code', append: 'PR #1' },
    tools: ['Read'],
    allowedTools: ['Read', 'mcp__relay__list_changed_files'],
    maxBudgetUsd: 5,
    hooks: { PreToolUse: [{ hooks: [async () => ({})] }] },
    mcpServers: {
      relay: sdkServer({
        name: 'relay',
        tools: [
          tool('list_changed_files', description, { page: z.number().optional() }, async () => ({
            content: [],
          })),
        ],
      }),
    },
    cwd: '/work/a',
    permissionMode: 'default',
    ...over,
  };
}

it('is the same for a run that differs only in what a claim sets and in callback identity', () => {
  expect(hostKey(options({ cwd: '/work/b', model: 'claude-x', permissionMode: 'plan' }))).toBe(
    hostKey(options()),
  );
  expect(
    hostKey(options({ systemPrompt: { type: 'preset', preset: 'claude_code', append: 'issue #9' } })),
  ).toBe(hostKey(options()));
});

it('differs when the CLI would start differently', () => {
  const base = hostKey(options());
  expect(hostKey(options({ maxBudgetUsd: 1 }))).not.toBe(base);
  expect(
    hostKey(
      options({
        env: { HOME: '/tmp/run/home', ANTHROPIC_API_KEY: 'k', CLAUDE_CODE_DISABLE_CLAUDE_MDS: '1' },
      }),
    ),
  ).not.toBe(base);
  expect(hostKey(options({ projectConfigRoot: '/tmp/base' }))).not.toBe(base);
  expect(hostKey(options({ sandbox: { enabled: true } }))).not.toBe(base);
  expect(hostKey(options({ allowedTools: ['Read'] }))).not.toBe(base);
  expect(
    hostKey(options({ hooks: { PreToolUse: [{ hooks: [async () => ({}), async () => ({})] }] } })),
  ).not.toBe(base);
  expect(
    hostKey(options({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [async () => ({})] }] } })),
  ).not.toBe(base);
  expect(hostKey(options({}, 'Another description.'))).not.toBe(base);
  expect(hostKey(options({ mcpServers: {} }))).not.toBe(base);
});

it('is not parked when commands get a scrubbed environment, a session is resumed or a callback decides', () => {
  expect(AgentSpare.unparkable(options())).toBeUndefined();
  const scrubbed = options({ env: { HOME: '/tmp/run/home', CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: '1' } });
  expect(AgentSpare.unparkable(scrubbed)).toMatch(/scrubbed environment/);
  expect(AgentSpare.start(scrubbed, () => {})).toBeUndefined();
  expect(AgentSpare.unparkable(options({ resume: 'session-1' }))).toMatch(/resumes a session/);
  expect(
    AgentSpare.unparkable(options({ canUseTool: async () => ({ behavior: 'deny', message: 'no' }) })),
  ).toMatch(/permission callback/);
});
