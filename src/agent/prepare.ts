/**
 * Prepares the SDK options for one run: the CLI binary, a minimal environment with a fresh home,
 * project-only settings, the system prompt, the caps, and the tool policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import type { RunContext } from '../context/fetch';
import type { Settings } from '../inputs/settings';
import { relayInstructions } from '../prompt/build';
import type { RelayRequest } from '../request/types';
import type { LiveLog } from '../report/live-log';
import type { Redactor } from '../report/redact';
import { resolveCli } from './cli-path';
import { buildCliEnv, hasBubblewrap } from './env';

export interface PreparedAgent {
  options: Options;
  description: string;
  cleanup?: () => Promise<void>;
}

export interface PrepareDeps {
  log: LiveLog;
  redactor: Redactor;
}

/** Until the policy stage decides more, the agent may only read. */
const READ_ONLY_TOOLS = ['Read', 'Grep', 'Glob'];

export async function prepareAgent(
  req: RelayRequest,
  context: RunContext,
  settings: Settings,
  _deps: PrepareDeps,
): Promise<PreparedAgent> {
  const cli = await resolveCli({
    inputPath: settings.claude_code_path,
    toolCache: settings.runner.toolCache,
    log: (l) => core.info(l),
  });
  core.info(`Claude Code CLI: ${cli.path} (${cli.source}, ${cli.version})`);
  const runDir = fs.mkdtempSync(path.join(settings.runner.runnerTemp, 'claude-relay-'));
  const scrub = process.platform === 'linux' && hasBubblewrap();
  if (!scrub && process.platform === 'linux') {
    core.warning(
      'bubblewrap (bwrap) is not installed: commands the agent runs are not isolated from the CLI environment. Install it with: sudo apt-get install -y bubblewrap',
    );
  }
  const env = buildCliEnv({
    scrubSubprocessEnv: scrub,
    apiKey: settings.anthropic_api_key,
    oauthToken: settings.claude_code_oauth_token,
    home: path.join(runDir, 'home'),
    tmpDir: path.join(runDir, 'tmp'),
  });
  const options: Options = {
    pathToClaudeCodeExecutable: cli.path,
    cwd: settings.runner.workspace,
    env,
    settingSources: ['project'],
    systemPrompt: {
      type: 'preset',
      preset: 'claude_code',
      append: relayInstructions(req, context, settings),
    },
    tools: READ_ONLY_TOOLS,
    allowedTools: READ_ONLY_TOOLS,
    permissionMode: 'dontAsk',
    maxTurns: settings.max_turns,
    maxBudgetUsd: settings.max_budget_usd,
    mcpServersDelivery: 'initialize',
    ...(settings.model ? { model: settings.model } : {}),
    stderr: (data: string) => core.debug(data),
  };
  return {
    options,
    description: `tools ${READ_ONLY_TOOLS.join(', ')}; max ${settings.max_turns} turns, $${settings.max_budget_usd}`,
    cleanup: async () => fs.rmSync(runDir, { recursive: true, force: true }),
  };
}
