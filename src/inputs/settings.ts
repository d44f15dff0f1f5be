/**
 * One typed settings object from the action inputs and the runner environment
 * (actions/checkout's input-helper). Nothing else in the action reads `core.getInput`.
 */
import os from 'node:os';
import path from 'node:path';
import { JsonSchemaError, loadJsonSchema, type JsonSchemaSetting } from './json-schema';
import { inputDefaults, inputSchema, type Inputs, type RawInputs } from './schema';

export interface RunnerEnv {
  eventName: string;
  eventPath: string;
  repository: string;
  actor: string;
  sha: string;
  ref: string;
  workspace: string;
  apiUrl: string;
  serverUrl: string;
  runId: string;
  runAttempt: string;
  runnerTemp: string;
  toolCache: string;
  /** True on a GitHub-hosted or self-hosted runner (not act, not `npm run local`). */
  onGitHub: boolean;
  isAct: boolean;
}

export interface Settings extends Inputs {
  runner: RunnerEnv;
  /** The session store `auto` resolved to. */
  sessionStore: 'artifact' | 'fs' | 'none';
  sessionDir: string;
  runUrl: string;
  /** `json_schema`, parsed and compiled; the agent's answer is structured output. */
  jsonSchema?: JsonSchemaSetting;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export type InputReader = (name: keyof RawInputs) => string;

export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const isAct = env.ACT === 'true';
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    eventPath: env.GITHUB_EVENT_PATH ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    runId: env.GITHUB_RUN_ID ?? '0',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    runnerTemp: env.RUNNER_TEMP ?? os.tmpdir(),
    toolCache: env.RUNNER_TOOL_CACHE ?? path.join(os.homedir(), '.cache', 'claude-relay', 'tool-cache'),
    onGitHub: env.GITHUB_ACTIONS === 'true' && !isAct && env.CLAUDE_RELAY_LOCAL !== '1',
    isAct,
  };
}

/** Reads and validates every input; throws InputError naming the input and what is allowed. */
export function readSettings(read: InputReader, env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = {} as Record<keyof RawInputs, string>;
  for (const name of Object.keys(inputDefaults) as (keyof RawInputs)[]) {
    const value = read(name);
    raw[name] = value === '' ? inputDefaults[name] : value;
  }
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const input = first?.path.join('.') ?? 'input';
    // The schema's messages usually name the input already ("max_turns must be …"): say it once.
    const message = (first?.message ?? 'invalid value').replace(new RegExp(`^${input} `), '');
    throw new InputError(`Invalid input ${input}: ${message}`);
  }
  const inputs = parsed.data;
  const runner = readRunnerEnv(env);
  const hasBedrockOrVertex =
    env.CLAUDE_CODE_USE_BEDROCK === '1' ||
    env.CLAUDE_CODE_USE_VERTEX === '1' ||
    env.CLAUDE_CODE_USE_FOUNDRY === '1';
  if (!inputs.anthropic_api_key && !inputs.claude_code_oauth_token && !hasBedrockOrVertex) {
    throw new InputError(
      'Missing credentials: set anthropic_api_key or claude_code_oauth_token (or CLAUDE_CODE_USE_BEDROCK/CLAUDE_CODE_USE_VERTEX in env)',
    );
  }
  if (!inputs.github_token && !(inputs.app_id && inputs.app_private_key)) {
    throw new InputError('Missing github_token (or app_id with app_private_key)');
  }
  if (Boolean(inputs.app_id) !== Boolean(inputs.app_private_key)) {
    throw new InputError('app_id and app_private_key must be set together');
  }
  if (inputs.prompt && inputs.prompt_file) {
    throw new InputError('Set prompt or prompt_file, not both');
  }
  // Artifacts need the runner's ACTIONS_RUNTIME_TOKEN and github.com (GHES lacks artifact v4).
  const artifactsAvailable =
    runner.onGitHub &&
    Boolean(env.ACTIONS_RUNTIME_TOKEN) &&
    /^https:\/\/api\.github\.com$/.test(runner.apiUrl);
  const sessionStore =
    inputs.session_store === 'auto' ? (artifactsAvailable ? 'artifact' : 'fs') : inputs.session_store;
  const sessionDir = expandHome(inputs.session_dir ?? '~/.local/state/claude-relay/sessions', env);
  const runUrl = `${runner.serverUrl}/${runner.repository}/actions/runs/${runner.runId}`;
  let jsonSchema: JsonSchemaSetting | undefined;
  if (inputs.json_schema) {
    try {
      jsonSchema = loadJsonSchema(inputs.json_schema, runner.workspace);
    } catch (err) {
      if (err instanceof JsonSchemaError)
        throw new InputError(`Invalid input json_schema: ${err.message.replace(/^json_schema /, '')}`);
      throw err;
    }
  }
  return { ...inputs, runner, sessionStore, sessionDir, runUrl, ...(jsonSchema ? { jsonSchema } : {}) };
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/')) return path.join(env.HOME ?? os.homedir(), p.slice(1));
  return path.resolve(p);
}

/** Every secret value the run knows, for masking and redaction. */
export function secretValues(s: Settings): string[] {
  return [
    s.anthropic_api_key,
    s.claude_code_oauth_token,
    s.github_token,
    s.app_private_key,
    s.session_key,
  ].filter((v): v is string => typeof v === 'string' && v.length >= 4);
}
