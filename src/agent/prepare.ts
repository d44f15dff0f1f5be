/**
 * Prepares the SDK options for one run: the CLI binary, a minimal environment with a fresh home,
 * project-only settings (from the base commit for untrusted checkouts), the system prompt, the
 * caps, the session to resume, and the repo-scoped tool policy with its enforcement points.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import type { McpServerConfig, Options } from '@anthropic-ai/claude-agent-sdk';
import type { RunContext } from '../context/fetch';
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import type { PolicyContext } from '../policy/decide';
import { profileTools, resolveProfile, type Profile } from '../policy/profile';
import { relayInstructions } from '../prompt/build';
import type { RelayRequest } from '../request/types';
import type { MemorySessionStore } from '../session';
import { resolveCli } from './cli-path';
import { resolveConfigRoot } from './config-root';
import { PERMISSION_SERVER, PERMISSION_TOOL, PolicyEnforcer, type AuditEntry } from './enforce';
import { buildCliEnv, missingSandboxDeps } from './env';

export interface PreparedAgent {
  options: Options;
  profile: Profile;
  enforcer: PolicyEnforcer;
  description: string;
  cleanup(): Promise<void>;
}

export interface PrepareInput {
  req: RelayRequest;
  context: RunContext;
  settings: Settings;
  gh: GitHub;
  /** Redaction for anything the CLI prints that reaches the log. */
  redact: (s: string) => string;
  /** Where every policy decision goes (job log line). */
  onDecision: (entry: AuditEntry) => void;
  /** The in-memory transcript mirror; with `resume`, the restored session. */
  sessionStore: MemorySessionStore;
  resume?: string;
  /** Extra MCP servers (the relay's GitHub tools) and their tool names by class. */
  relayServer?: { config: McpServerConfig; read: string[]; write: string[] };
}

/** The profile for this request: `auto` is read-only for reviews and questions, edit for fixes and issue tasks. */
export function profileFor(req: RelayRequest, toolPolicy: Settings['tool_policy']): Profile {
  // An issue opened (or labeled/assigned) for the relay is a task to implement.
  if (toolPolicy === 'auto' && req.eventName === 'issues' && req.command.name !== 'review') return 'edit';
  return resolveProfile(toolPolicy, req.command.name, req.trigger, req.target.kind);
}

export async function prepareAgent(input: PrepareInput): Promise<PreparedAgent> {
  const { req, context, settings, gh } = input;
  const cli = await resolveCli({
    inputPath: settings.claude_code_path,
    toolCache: settings.runner.toolCache,
    log: (l) => core.info(l),
  });
  core.info(`Claude Code CLI: ${cli.path} (${cli.source}, ${cli.version})`);
  const runDir = fs.mkdtempSync(path.join(settings.runner.runnerTemp, 'claude-relay-'));
  const workspace = fs.realpathSync(settings.runner.workspace);

  const config = await resolveConfigRoot({ gh, req, pr: context.pr, workspace, runDir });
  core.info(`Config root: ${config.root ?? workspace} — ${config.reason}`);

  const missing = process.platform === 'linux' ? missingSandboxDeps() : ['linux'];
  const scrub = missing.length === 0;
  if (!scrub && process.platform === 'linux') {
    core.warning(
      `${missing.join(' and ')} not installed: commands the agent runs are not isolated from the CLI environment. Install with: sudo apt-get install -y bubblewrap socat`,
    );
  }
  const home = path.join(runDir, 'home');
  const env = buildCliEnv({
    scrubSubprocessEnv: scrub,
    apiKey: settings.anthropic_api_key,
    oauthToken: settings.claude_code_oauth_token,
    home,
    tmpDir: path.join(runDir, 'tmp'),
  });
  // An untrusted checkout's CLAUDE.md must not reach the model as instructions.
  if (config.trusted !== 'checkout') env.CLAUDE_CODE_DISABLE_CLAUDE_MDS = '1';

  const profile = profileFor(req, settings.tool_policy);
  const relayTools = { read: input.relayServer?.read ?? [], write: input.relayServer?.write ?? [] };
  const ctx: PolicyContext = {
    workspace,
    profile,
    allowedBash: settings.allowed_bash,
    allowedTools: settings.allowed_tools,
    disallowedTools: settings.disallowed_tools,
    forbiddenRoots: [
      ...new Set(
        [
          home,
          runDir,
          settings.runner.runnerTemp,
          settings.runner.toolCache,
          os.homedir(),
          process.env.HOME ?? '',
        ].filter(Boolean),
      ),
    ].filter((r) => !workspace.startsWith(path.resolve(r) + path.sep) && path.resolve(r) !== workspace),
    relayTools,
  };
  const enforcer = new PolicyEnforcer({ ctx, onDecision: input.onDecision });
  const tools = profileTools(profile, {
    allowedBash: settings.allowed_bash,
    relayTools,
    allowedTools: settings.allowed_tools,
  });
  const builtIn = tools.filter((t) => !t.startsWith('mcp__'));

  const append = [
    relayInstructions(req, context, settings),
    `Tool profile: ${profile}.${settings.allowed_bash.length ? ` Allowed shell commands (prefixes): ${settings.allowed_bash.join('; ')}.` : ''}`,
    ...(config.claudeMd ? ['# Project instructions (CLAUDE.md from the base branch)', config.claudeMd] : []),
  ].join('\n\n');

  const mcpServers: Record<string, McpServerConfig> = { [PERMISSION_SERVER]: enforcer.promptToolServer() };
  if (input.relayServer) mcpServers.relay = input.relayServer.config;

  const options: Options = {
    pathToClaudeCodeExecutable: cli.path,
    cwd: workspace,
    env,
    settingSources: ['project'],
    ...(config.root ? { projectConfigRoot: config.root } : {}),
    systemPrompt: { type: 'preset', preset: 'claude_code', append },
    tools: builtIn,
    // Bare names auto-approve the profile's tools; the PreToolUse hook still judges every call,
    // and anything else reaches the permission prompt tool, which asks the same policy.
    allowedTools: tools,
    disallowedTools:
      profile === 'read-only'
        ? ['Bash', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit'].filter((t) => !tools.includes(t))
        : [],
    permissionMode: 'default',
    permissionPromptToolName: PERMISSION_TOOL,
    hooks: enforcer.hooks(),
    mcpServers,
    mcpServersDelivery: 'initialize',
    maxTurns: settings.max_turns,
    maxBudgetUsd: settings.max_budget_usd,
    sessionStore: input.sessionStore,
    ...(input.resume ? { resume: input.resume } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    stderr: (data: string) => core.debug(input.redact(data)),
  };
  return {
    options,
    profile,
    enforcer,
    description: `profile ${profile}: ${tools.join(', ')}; max ${settings.max_turns} turns, $${settings.max_budget_usd}${input.resume ? `; resuming session ${input.resume}` : ''}`,
    cleanup: async () => {
      await config.cleanup();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
