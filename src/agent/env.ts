/**
 * The CLI's environment: only what it needs to reach the model, nothing else. Never GITHUB_TOKEN,
 * ACTIONS_* runtime tokens, INPUT_* values or other secrets of the job.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NETWORK_ENV } from '../core/network-env';

/** Variables passed through by exact name (locale, proxies and CAs, the model endpoint). */
const PASS_EXACT = [
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'TERM',
  ...NETWORK_ENV,
  'ANTHROPIC_BASE_URL',
  // The CLI's API retry policy (default: 10 retries with backoff up to ~30 s each) and request
  // timeout: tunable by the workflow, e.g. to fail fast on an overloaded API.
  'CLAUDE_CODE_MAX_RETRIES',
  'API_TIMEOUT_MS',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
  'CLOUD_ML_REGION',
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'ANTHROPIC_VERTEX_BASE_URL',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
];

/** Cloud provider credentials are passed only when that provider is switched on. */
const BEDROCK_PREFIXES = ['AWS_'];
const VERTEX_PREFIXES = ['VERTEX_REGION_', 'GCLOUD_', 'CLOUDSDK_'];

export interface CliEnvOptions {
  apiKey?: string;
  oauthToken?: string;
  /** A fresh, empty home for the CLI (user settings, credentials, transcripts live here). */
  home: string;
  tmpDir: string;
  parent?: NodeJS.ProcessEnv;
  scrubSubprocessEnv: boolean;
}

export function buildCliEnv(opts: CliEnvOptions): Record<string, string> {
  const parent = opts.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const name of PASS_EXACT) {
    const v = parent[name];
    if (v !== undefined) env[name] = v;
  }
  const prefixes = [
    ...(parent.CLAUDE_CODE_USE_BEDROCK === '1' ? BEDROCK_PREFIXES : []),
    ...(parent.CLAUDE_CODE_USE_VERTEX === '1' ? VERTEX_PREFIXES : []),
  ];
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && prefixes.some((p) => k.startsWith(p))) env[k] = v;
  }
  fs.mkdirSync(opts.home, { recursive: true });
  fs.mkdirSync(opts.tmpDir, { recursive: true });
  const configDir = path.join(opts.home, '.claude');
  fs.mkdirSync(configDir, { recursive: true });
  Object.assign(env, {
    HOME: opts.home,
    CLAUDE_CONFIG_DIR: configDir,
    TMPDIR: opts.tmpDir,
    // No telemetry, update checks or other calls the run does not need.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    CI: 'true',
  });
  // Strip credentials from the environment of Bash and other subprocesses the agent starts. Only
  // with the sandbox on: without a working sandbox the CLI refuses to start when asked to scrub.
  if (opts.scrubSubprocessEnv) env.CLAUDE_CODE_SUBPROCESS_ENV_SCRUB = '1';
  if (opts.apiKey) env.ANTHROPIC_API_KEY = opts.apiKey;
  else if (opts.oauthToken) env.CLAUDE_CODE_OAUTH_TOKEN = opts.oauthToken;
  return env;
}
