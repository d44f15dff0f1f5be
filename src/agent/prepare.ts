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
import { normalizeRoot } from '../policy/paths';
import { profileTools, resolveProfile, type Profile } from '../policy/profile';
import { relayInstructions } from '../prompt/build';
import type { RelayRequest } from '../request/types';
import type { MemorySessionStore } from '../session';
import { resolveCli, type CliLocation } from './cli-path';
import { resolveConfigRoot, whyUntrusted } from './config-root';
import { projectMcpServers } from './mcp';
import { PERMISSION_SERVER, PERMISSION_TOOL, PolicyEnforcer, type AuditEntry } from './enforce';
import { buildCliEnv } from './env';
import {
  commandsOffInstructions,
  commandsOffNote,
  PROCESS_TOOLS,
  resolveIsolation,
  type CommandIsolation,
} from './sandbox';
import { sandboxSettings } from './sandbox/config';
import { formatUsd } from '../report/comment';
import { systemProvisioner } from './sandbox/provision';

export interface PreparedAgent {
  options: Options;
  profile: Profile;
  enforcer: PolicyEnforcer;
  description: string;
  /** The tools the agent may call (listed in a collapsed group of the log). */
  tools: string[];
  /** How the agent's commands run (sandboxed, off, …). */
  isolation: CommandIsolation;
  /** Lines for the result comment (e.g. commands were not run, and why). */
  notes: string[];
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
  /**
   * What an earlier preparation for the same run already found (the CLI, the run folder, how
   * commands are isolated): reused, so a prediction made while the gate ran and the run's own
   * preparation start the CLI identically, and nothing is probed or logged twice.
   */
  early?: EarlyAgent;
  /** Where the lines about this preparation go (default: the job log). */
  log?: { info(line: string): void; warning(line: string): void };
}

/** Filled by the first preparation of a run, reused by the next. */
export interface EarlyAgent {
  cli?: CliLocation;
  runDir?: string;
  isolation?: CommandIsolation;
}

export async function prepareAgent(input: PrepareInput): Promise<PreparedAgent> {
  const { req, context, settings, gh } = input;
  const log = input.log ?? { info: (l: string) => core.info(l), warning: (l: string) => core.warning(l) };
  const early = input.early ?? {};
  // Resolving the CLI and probing the sandbox happen once per run, whichever preparation comes first.
  if (!early.cli) {
    early.cli = await resolveCli({
      inputPath: settings.claude_code_path,
      toolCache: settings.runner.toolCache,
      log: (l) => core.info(l),
    });
    core.info(`Claude Code CLI: ${early.cli.path} (${early.cli.source}, ${early.cli.version})`);
  }
  const cli = early.cli;
  const runDir = (early.runDir ??= fs.mkdtempSync(path.join(settings.runner.runnerTemp, 'claude-relay-')));
  const workspace = fs.realpathSync(settings.runner.workspace);

  const config = await resolveConfigRoot({ gh, req, pr: context.pr, workspace, runDir });
  // Dropped project settings change what the agent may do (no hooks, permissions, CLAUDE.md): say so loudly.
  if (config.trusted === 'none') log.warning(`Project settings not used: ${config.reason}`);
  else log.info(`Config root: ${config.root ?? workspace} — ${config.reason}`);

  const home = path.join(runDir, 'home');
  const tmpDir = path.join(runDir, 'tmp');
  const profile = resolveProfile(settings.tool_policy, req);
  const relayTools = { read: input.relayServer?.read ?? [], write: input.relayServer?.write ?? [] };
  let tools = profileTools(profile, {
    allowedBash: settings.allowed_bash,
    relayTools,
    allowedTools: settings.allowed_tools,
  });
  const isProcessTool = (t: string) => (PROCESS_TOOLS as readonly string[]).includes(t);
  // `sandbox: off` is judged per run (it is refused for untrusted checkouts): never reused.
  const reuse = settings.sandbox !== 'off' ? early.isolation : undefined;
  const isolation =
    reuse ??
    (await resolveIsolation({
      mode: settings.sandbox,
      needsCommands: tools.some((t) => ['Bash', 'Monitor', 'PowerShell'].includes(t)),
      pathVar: process.env.PATH ?? '',
      untrusted: () => whyUntrusted(gh, req, context.pr),
      provisioner: systemProvisioner({ pathVar: process.env.PATH ?? '' }),
      log: (l) => core.info(l),
      settings: () =>
        sandboxSettings({
          workspace,
          allowedDomains: settings.allowed_domains,
          hiddenRoots: [os.homedir(), process.env.HOME ?? '', settings.runner.runnerTemp].map(normalizeRoot),
          readable: [tmpDir],
          runnerFiles: RUNNER_FILE_VARS.map((v) => process.env[v] ?? '')
            .filter(Boolean)
            .map(normalizeRoot),
          credentialFiles: [os.homedir(), process.env.HOME ?? '']
            .filter(Boolean)
            .flatMap((h) =>
              ['.git-credentials', '.netrc', '_netrc', path.join('.config', 'git', 'credentials')].map((f) =>
                path.join(h, f),
              ),
            ),
        }),
    }));
  early.isolation = isolation;
  const notes: string[] = [];
  if (isolation.kind === 'commands-off') {
    log.warning(`Commands are off for this run: ${isolation.why}. Fix: ${isolation.fix}.`);
    tools = tools.filter((t) => !isProcessTool(t));
    notes.push(commandsOffNote(isolation, readmeUrl(settings)));
  } else if (isolation.kind === 'unsandboxed') {
    log.warning(isolation.warning);
  }
  const env = buildCliEnv({
    scrubSubprocessEnv: isolation.kind === 'sandboxed',
    apiKey: settings.anthropic_api_key,
    oauthToken: settings.claude_code_oauth_token,
    home,
    tmpDir,
  });
  // An untrusted checkout's CLAUDE.md must not reach the model as instructions.
  if (config.trusted !== 'checkout') env.CLAUDE_CODE_DISABLE_CLAUDE_MDS = '1';

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
    ...(isolation.kind === 'commands-off' ? { commandsOff: isolation.why } : {}),
    allowConfigWrites: settings.allow_config_writes,
  };
  const enforcer = new PolicyEnforcer({ ctx, onDecision: input.onDecision });
  const builtIn = tools.filter((t) => !t.startsWith('mcp__'));

  const append = [
    relayInstructions(req, context, settings),
    `Tool profile: ${profile}.${settings.allowed_bash.length && isolation.kind !== 'commands-off' ? ` Allowed shell commands (prefixes): ${settings.allowed_bash.join('; ')}.` : ''}`,
    ...(isolation.kind === 'commands-off' ? [commandsOffInstructions(isolation.why)] : []),
    ...(config.claudeMd ? ['# Project instructions (CLAUDE.md from the base branch)', config.claudeMd] : []),
    // custom_instructions come from the workflow file, which only people with write access change.
    ...(settings.custom_instructions
      ? ['# Instructions from the workflow (custom_instructions)', settings.custom_instructions]
      : []),
  ].join('\n\n');

  const mcpServers: Record<string, McpServerConfig> = { [PERMISSION_SERVER]: enforcer.promptToolServer() };
  if (input.relayServer) mcpServers.relay = input.relayServer.config;
  // Project servers: only those the workflow names, from the trusted root (strictMcpConfig below).
  const project = projectMcpServers(
    config.trusted === 'none' ? undefined : (config.root ?? workspace),
    settings.mcp_servers,
  );
  for (const problem of project.problems) log.warning(problem);
  for (const [name, server] of Object.entries(project.servers)) {
    if (name in mcpServers) log.warning(`MCP server "${name}" not started: the name is the relay's own`);
    else mcpServers[name] = server;
  }

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
    disallowedTools: [
      ...(profile === 'read-only'
        ? ['Bash', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit'].filter((t) => !tools.includes(t))
        : []),
      ...(isolation.kind === 'commands-off' ? PROCESS_TOOLS.filter((t) => !tools.includes(t)) : []),
    ],
    ...(isolation.kind === 'sandboxed' ? { sandbox: isolation.settings } : {}),
    permissionMode: 'default',
    permissionPromptToolName: PERMISSION_TOOL,
    hooks: enforcer.hooks(),
    mcpServers,
    strictMcpConfig: true,
    mcpServersDelivery: 'initialize',
    maxTurns: settings.max_turns,
    maxBudgetUsd: settings.max_budget_usd,
    ...(settings.jsonSchema
      ? { outputFormat: { type: 'json_schema', schema: settings.jsonSchema.schema } }
      : {}),
    sessionStore: input.sessionStore,
    ...(input.resume ? { resume: input.resume } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    stderr: (data: string) => core.debug(input.redact(data)),
  };
  return {
    options,
    profile,
    enforcer,
    isolation,
    notes,
    tools,
    description: `profile ${profile}, ${tools.length} tools; commands ${describeIsolation(isolation)}; max ${settings.max_turns} turns, ${formatUsd(settings.max_budget_usd)}${input.resume ? `; resuming session ${input.resume}` : ''}`,
    cleanup: async () => {
      await config.cleanup();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** The runner's file-command files and the event file: never readable or writable by commands. */
const RUNNER_FILE_VARS = [
  'GITHUB_ENV',
  'GITHUB_OUTPUT',
  'GITHUB_PATH',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_EVENT_PATH',
];

function describeIsolation(i: CommandIsolation): string {
  switch (i.kind) {
    case 'none-needed':
      return 'none (no shell tool)';
    case 'sandboxed':
      return `sandboxed (network: ${i.settings.network?.allowedDomains?.join(', ') || 'none'})`;
    case 'unsandboxed':
      return 'NOT sandboxed (sandbox: off)';
    case 'commands-off':
      return 'off';
  }
}

/** The README of the action that runs (its own repository when used as `uses: ./`). */
function readmeUrl(settings: Settings): string {
  const repo = process.env.GITHUB_ACTION_REPOSITORY || settings.runner.repository;
  return `${settings.runner.serverUrl}/${repo}`;
}
