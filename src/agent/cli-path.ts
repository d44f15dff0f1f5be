/**
 * Finds the Claude Code CLI binary. The SDK looks for it next to its own module file, which the
 * ncc bundle in dist/ breaks, so the action resolves it itself, in this order:
 *   1. the `claude_code_path` input;
 *   2. the pinned `@anthropic-ai/claude-agent-sdk-<platform>` package in the runner tool cache;
 *   3. the same folder from the Actions cache (`@actions/cache`, keyed by version and platform), so a
 *      fresh hosted runner does not download it again;
 *   4. fetching that one package's tarball with npm (`npm pack`: no SDK, no dependency tree) into
 *      the tool cache, then saving it to the Actions cache for the next job.
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
  source: 'input' | 'tool-cache' | 'job-cache' | 'installed';
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
  /** The cache across jobs; default: the Actions cache when the runner provides one. */
  jobCache?: JobCache;
}

/** A folder kept across jobs under a key (the Actions cache on GitHub). */
export interface JobCache {
  /** True when `dir` was restored. Never throws: a failed restore is a miss. */
  restore(dir: string, key: string): Promise<boolean>;
  /** Never throws: a failed save only costs the next job a download. */
  save(dir: string, key: string): Promise<void>;
}

export function jobCacheKey(version: string, key: string): string {
  return `claude-code-${version}-${key}`;
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

  const cacheKey = jobCacheKey(version, key);
  const jobCache = opts.jobCache ?? actionsCache(log);
  if (jobCache && (await jobCache.restore(dir, cacheKey)) && isExecutable(cached)) {
    fs.writeFileSync(`${dir}.complete`, '');
    log(`Claude Code CLI restored from the Actions cache (${cacheKey})`);
    return { path: cached, source: 'job-cache', version };
  }
  if (jobCache) tried.push(`Actions cache ${cacheKey}`);

  const pkgName = `${binaryPackage(key)}@${version}`;
  try {
    log(`Fetching ${pkgName} into the tool cache (${dir}) …`);
    await installInto(dir, binaryPackage(key), pkgName, opts.npm ?? 'npm');
    if (isExecutable(cached)) {
      fs.writeFileSync(`${dir}.complete`, '');
      await jobCache?.save(dir, cacheKey);
      return { path: cached, source: 'installed', version };
    }
    tried.push(`npm pack ${pkgName} (fetched, but ${cached} is missing)`);
  } catch (err) {
    tried.push(`npm pack ${pkgName} (${npmError(err)})`);
  }
  throw new CliNotFoundError(tried);
}

/**
 * Fetches the package's tarball alone (`npm pack` honours the user's registry, proxy and CA
 * settings) and unpacks it where an install would put it. Into a sibling temp folder, then
 * renamed: a cancelled fetch never leaves a half cache.
 */
async function installInto(dir: string, name: string, pkgSpec: string, npm: string): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    const { stdout } = await execFileAsync(npm, ['pack', pkgSpec, '--json', '--pack-destination', staging], {
      cwd: staging,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' },
      timeout: 10 * 60 * 1000,
    });
    const packed = (JSON.parse(stdout) as { filename: string }[])[0]?.filename;
    if (!packed) throw new Error(`npm pack printed no file name: ${stdout.slice(0, 200)}`);
    // Scoped tarballs are named `scope-name-version.tgz`; npm prints that name.
    const tarball = path.join(staging, path.basename(packed.replace(/^@/, '').replace(/\//g, '-')));
    const target = path.join(staging, 'node_modules', name);
    fs.mkdirSync(target, { recursive: true });
    await execFileAsync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], {
      timeout: 10 * 60 * 1000,
    });
    fs.rmSync(tarball, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** npm's own words: the last lines of its stderr (`npm error …`), else the error's first line. */
function npmError(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr ?? '';
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^npm (error|ERR!) (A complete log|\s*$)/.test(l));
  if (lines.length) return lines.slice(-4).join(' / ').slice(0, 600);
  return firstLine(err);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? msg).slice(0, 200);
}

/** The Actions cache, when the runner provides one (hosted runners and GHES with caching). */
function actionsCache(log: (line: string) => void): JobCache | undefined {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) return undefined;
  if (!process.env.ACTIONS_CACHE_URL && !process.env.ACTIONS_RESULTS_URL) return undefined;
  return {
    restore: async (dir, key) => {
      try {
        const cache = await import('@actions/cache');
        return (await cache.restoreCache([dir], key)) === key;
      } catch (err) {
        log(`Actions cache restore failed (${firstLine(err)}); fetching the CLI instead`);
        return false;
      }
    },
    save: async (dir, key) => {
      try {
        const cache = await import('@actions/cache');
        await cache.saveCache([dir], key);
        log(`Claude Code CLI saved to the Actions cache (${key})`);
      } catch (err) {
        log(`Could not save the CLI to the Actions cache: ${firstLine(err)}`);
      }
    },
  };
}

export const defaultToolCache = (): string => path.join(os.homedir(), '.cache', 'claude-relay', 'tool-cache');
