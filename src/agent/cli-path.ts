/**
 * Finds the Claude Code CLI binary. The SDK looks for it next to its own module file, which the
 * ncc bundle in dist/ breaks, so the action resolves it itself, in this order:
 *   1. the `claude_code_path` input;
 *   2. the pinned `@anthropic-ai/claude-agent-sdk-<platform>` package in the runner tool cache;
 *   3. installing that exact version into the tool cache with npm (kept for the next run).
 * If all fail, the error lists what was tried.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };

const execFileAsync = promisify(execFile);

/** The SDK version this action is built against; the CLI must match it exactly. */
export const PINNED_SDK_VERSION: string = pkg.dependencies['@anthropic-ai/claude-agent-sdk'].replace(
  /^[\^~]/,
  '',
);

export const TOOL_NAME = 'claude-code';

export interface CliLocation {
  path: string;
  source: 'input' | 'tool-cache' | 'installed';
  version: string;
}

export interface ResolveOptions {
  inputPath?: string;
  toolCache: string;
  version?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Log sink for progress lines ("installing …"). */
  log?: (line: string) => void;
  /** npm executable; tests may point elsewhere. */
  npm?: string;
}

export class CliNotFoundError extends Error {
  constructor(tried: string[]) {
    super(`Claude Code CLI not found. Tried: ${tried.join('; ')}`);
    this.name = 'CliNotFoundError';
  }
}

function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/** `linux-x64`, `linux-x64-musl`, `darwin-arm64`, `win32-x64`, … as the SDK names its packages. */
export function platformKey(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  const musl = platform === 'linux' && platform === process.platform && isMusl() ? '-musl' : '';
  return `${platform}-${arch}${musl}`;
}

export function binaryPackage(key: string): string {
  return `@anthropic-ai/claude-agent-sdk-${key}`;
}

function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'claude.exe' : 'claude';
}

/** Tool-cache layout of @actions/tool-cache: <cache>/<tool>/<version>/<arch>, marked by <arch>.complete. */
export function toolCacheDir(toolCache: string, version: string, key: string): string {
  return path.join(toolCache, TOOL_NAME, version, key);
}

export function binaryInCache(
  toolCache: string,
  version: string,
  key: string,
  platform: NodeJS.Platform,
): string {
  return path.join(
    toolCacheDir(toolCache, version, key),
    'node_modules',
    binaryPackage(key),
    binaryName(platform),
  );
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export async function resolveCli(opts: ResolveOptions): Promise<CliLocation> {
  const version = opts.version ?? PINNED_SDK_VERSION;
  const platform = opts.platform ?? process.platform;
  const key = platformKey(platform, opts.arch ?? process.arch);
  const log = opts.log ?? (() => {});
  const tried: string[] = [];

  if (opts.inputPath) {
    const p = path.resolve(opts.inputPath);
    if (isExecutable(p)) return { path: p, source: 'input', version: 'custom' };
    throw new CliNotFoundError([`claude_code_path ${p} (not an executable file)`]);
  }

  const dir = toolCacheDir(opts.toolCache, version, key);
  const cached = binaryInCache(opts.toolCache, version, key, platform);
  if (fs.existsSync(`${dir}.complete`) && isExecutable(cached)) {
    return { path: cached, source: 'tool-cache', version };
  }
  tried.push(`tool cache ${cached}`);

  const pkgName = `${binaryPackage(key)}@${version}`;
  try {
    log(`Installing ${pkgName} into the tool cache (${dir}) …`);
    await installInto(dir, pkgName, opts.npm ?? 'npm');
    if (isExecutable(cached)) {
      fs.writeFileSync(`${dir}.complete`, '');
      return { path: cached, source: 'installed', version };
    }
    tried.push(`npm install ${pkgName} (installed, but ${cached} is missing)`);
  } catch (err) {
    tried.push(`npm install ${pkgName} (${firstLine(err)})`);
  }
  throw new CliNotFoundError(tried);
}

async function installInto(dir: string, pkgSpec: string, npm: string): Promise<void> {
  // Install into a sibling temp folder, then rename: a cancelled install never leaves a half cache.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    await execFileAsync(
      npm,
      ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', staging, pkgSpec],
      {
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, npm_config_loglevel: 'error' },
        timeout: 10 * 60 * 1000,
      },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? msg).slice(0, 200);
}

export const defaultToolCache = (): string => path.join(os.homedir(), '.cache', 'claude-relay', 'tool-cache');
