import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  CliNotFoundError,
  jobCacheKey,
  type JobCache,
  PINNED_SDK_VERSION,
  binaryInCache,
  platformKey,
  resolveCli,
  toolCacheDir,
} from '../../src/agent/cli-path';
import { installedCliPackageDir, sdkVersion } from '../support/runner';

const installedBinary = path.join(installedCliPackageDir(), 'claude');

describe('resolveCli', () => {
  it('pins the same CLI version as the SDK in package.json', () => {
    expect(PINNED_SDK_VERSION).toBe(sdkVersion());
    expect(PINNED_SDK_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('uses the claude_code_path input first', async () => {
    const loc = await resolveCli({ inputPath: installedBinary, toolCache: '/nonexistent' });
    expect(loc).toEqual({ path: installedBinary, source: 'input', version: 'custom' });
  });

  it('refuses a claude_code_path that is not an executable, saying what it tried', async () => {
    await expect(resolveCli({ inputPath: '/no/such/claude', toolCache: '/nonexistent' })).rejects.toThrow(
      /Claude Code CLI not found\. Tried: claude_code_path \/no\/such\/claude/,
    );
  });

  it('lists every place it tried when nothing works', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    const err = await resolveCli({ toolCache: cache, npm: '/bin/false' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliNotFoundError);
    expect(String((err as Error).message)).toMatch(
      /tool cache .*; npm pack @anthropic-ai\/claude-agent-sdk-.*@\d/,
    );
  });

  it('installs the pinned version into an empty tool cache, then finds it there', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    const lines: string[] = [];
    const first = await resolveCli({ toolCache: cache, log: (l) => lines.push(l) });
    expect(first.source).toBe('installed');
    expect(first.version).toBe(PINNED_SDK_VERSION);
    expect(first.path).toBe(binaryInCache(cache, PINNED_SDK_VERSION, platformKey(), process.platform));
    expect(fs.existsSync(`${toolCacheDir(cache, PINNED_SDK_VERSION, platformKey())}.complete`)).toBe(true);
    expect(lines.join('\n')).toMatch(/Fetching @anthropic-ai\/claude-agent-sdk-/);
    // The installed binary is the real CLI at the pinned version.
    const version = spawnSync(first.path, ['--version'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: cache },
    });
    // CLI 2.1.N ships with SDK 0.3.N.
    expect(version.stdout).toContain(`.${PINNED_SDK_VERSION.split('.')[2]} (Claude Code)`);
    const second = await resolveCli({ toolCache: cache });
    expect(second).toEqual({ ...first, source: 'tool-cache' });
    fs.rmSync(cache, { recursive: true, force: true });
  }, 300_000);

  it("says npm's own error when fetching fails, not just the command line", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    const npm = path.join(cache, 'npm');
    fs.writeFileSync(
      npm,
      [
        '#!/bin/sh',
        'echo "npm error code E403" >&2',
        'echo "npm error 403 Forbidden - GET https://registry.example/@anthropic-ai%2fclaude-agent-sdk-linux-x64 - blocked by policy" >&2',
        'echo "npm error A complete log of this run can be found in: /tmp/x.log" >&2',
        'exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    const err = await resolveCli({ toolCache: cache, npm, jobCache: undefined }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/E403 \/ npm error 403 Forbidden .* blocked by policy\)$/);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('restores the CLI from the cache across jobs on an empty tool cache, without npm', async () => {
    const saved = new Map<string, string>();
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jobcache-'));
    const jobCache: JobCache = {
      restore: async (dir, key) => {
        const from = saved.get(key);
        if (!from) return 'miss';
        fs.cpSync(from, dir, { recursive: true });
        return 'hit';
      },
      save: async (dir, key) => {
        const to = path.join(store, key);
        fs.cpSync(dir, to, { recursive: true });
        saved.set(key, to);
        return true;
      },
    };
    // Job 1: nothing cached anywhere; the package is fetched (from the local install, as a registry
    // would serve it) and saved under the version + platform key.
    const job1 = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    const npm = path.join(job1, 'npm');
    fs.writeFileSync(
      npm,
      `#!/bin/sh\n# npm pack <spec> --json --pack-destination <dir>\nexec npm pack "${installedCliPackageDir()}" --json --pack-destination "$5"\n`,
      { mode: 0o755 },
    );
    const first = await resolveCli({ toolCache: job1, npm, jobCache });
    expect(first.source).toBe('installed');
    expect(await first.saved).toBe(true);
    expect([...saved.keys()]).toEqual([jobCacheKey(PINNED_SDK_VERSION, platformKey())]);
    // Job 2: a fresh runner (empty tool cache, npm unusable) gets it from the cache.
    const job2 = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    const second = await resolveCli({ toolCache: job2, npm: '/bin/false', jobCache });
    expect(second.source).toBe('job-cache');
    expect(spawnSync(second.path, ['--version'], { encoding: 'utf8' }).stdout).toContain('(Claude Code)');
    for (const d of [store, job1, job2]) fs.rmSync(d, { recursive: true, force: true });
  }, 300_000);
});
