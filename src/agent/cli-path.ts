/**
 * Finds the Claude Code CLI binary. The SDK looks for it next to its own module file, which the
 * ncc bundle in dist/ breaks, so the action resolves it itself, in this order:
 *   1. the `claude_code_path` input;
 *   2. the pinned `@anthropic-ai/claude-agent-sdk-<platform>` package in the runner tool cache;
 *   3. the same folder from the Actions cache (`@actions/cache`, keyed by version and platform), so a
 *      fresh hosted runner does not download it again;
 *   4. fetching that one package's tarball with npm (`npm pack`: no SDK, no dependency tree) into
 *      the tool cache, then saving it to the Actions cache for the next job while this one runs.
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
  /** When just installed: its save to the cache across jobs, still running (true once saved). */
  saved?: Promise<boolean>;
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
  /**
   * `hit` when `dir` was restored, `miss` when nothing is stored under the key, else why the
   * cache could not be used (the service failing). Never throws.
   */
  restore(dir: string, key: string): Promise<'hit' | 'miss' | { failed: string }>;
  /** True when saved. Never throws: a failed save only costs the next job a download. */
  save(dir: string, key: string): Promise<boolean>;
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
  let jobCache = opts.jobCache ?? actionsCache(log);
  if (jobCache) {
    const restored = await jobCache.restore(dir, cacheKey);
    if (restored === 'hit' && isExecutable(cached)) {
      fs.writeFileSync(`${dir}.complete`, '');
      log(`Claude Code CLI restored from the Actions cache (${cacheKey})`);
      return { path: cached, source: 'job-cache', version };
    }
    tried.push(`Actions cache ${cacheKey}`);
    if (typeof restored === 'object') {
      // The service is failing: a save would only spend the same retries again.
      log(`Actions cache unavailable (${restored.failed}); fetching the CLI with npm and not saving it`);
      jobCache = undefined;
    }
  }

  const pkgName = `${binaryPackage(key)}@${version}`;
  try {
    log(`Fetching ${pkgName} into the tool cache (${dir}) …`);
    await installInto(dir, binaryPackage(key), pkgName, opts.npm ?? 'npm');
    if (isExecutable(cached)) {
      fs.writeFileSync(`${dir}.complete`, '');
      if (!jobCache) return { path: cached, source: 'installed', version };
      // Compressing and uploading ~380 MB takes seconds: that runs while the agent does, not before
      // the CLI can start (the action's process exits only once it is done).
      const saved = jobCache.save(dir, cacheKey).then((ok) => {
        log(
          ok
            ? `Claude Code CLI saved to the Actions cache (${cacheKey})`
            : `Claude Code CLI not saved to the Actions cache (${cacheKey}); the next job fetches it again`,
        );
        return ok;
      });
      return { path: cached, source: 'installed', version, saved };
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

/**
 * The Actions cache, when the runner provides one (hosted runners and GHES with caching).
 * `@actions/cache` reports a failed restore or save on the log and returns a miss (-1 for a save)
 * rather than throwing; the restore's report is what tells a failing service from an empty one.
 */
function actionsCache(log: (line: string) => void): JobCache | undefined {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) return undefined;
  if (!process.env.ACTIONS_CACHE_URL && !process.env.ACTIONS_RESULTS_URL) return undefined;
  return {
    restore: async (dir, key) => {
      try {
        const cache = await import('@actions/cache');
        const [matched, failure] = await noticing(/^::(?:warning|error)::Failed to restore: (.*)$/m, () =>
          cache.restoreCache([dir], key),
        );
        if (failure) return { failed: unescapeCommand(failure).slice(0, 300) };
        return matched === key ? 'hit' : 'miss';
      } catch (err) {
        return { failed: firstLine(err) };
      }
    },
    save: async (dir, key) => {
      try {
        const cache = await import('@actions/cache');
        return (await cache.saveCache([dir], key)) !== -1;
      } catch (err) {
        log(`Could not save the CLI to the Actions cache: ${firstLine(err)}`);
        return false;
      }
    },
  };
}

/**
 * Runs `fn`, passing through everything written to stdout meanwhile, and returns the first
 * capture of `pattern` in it: how a failure that `@actions/cache` only logs is seen.
 */
async function noticing<T>(pattern: RegExp, fn: () => Promise<T>): Promise<[T, string | undefined]> {
  const write = process.stdout.write;
  let seen: string | undefined;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    seen ??= pattern.exec(typeof chunk === 'string' ? chunk : String(chunk))?.[1];
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  try {
    return [await fn(), seen];
  } finally {
    process.stdout.write = write;
  }
}

/** A workflow command's message as written (`%0A` for a newline, …). */
function unescapeCommand(s: string): string {
  return s.replace(/%0D/g, '').replace(/%0A/g, ' ').replace(/%25/g, '%');
}

export const defaultToolCache = (): string => path.join(os.homedir(), '.cache', 'claude-relay', 'tool-cache');
