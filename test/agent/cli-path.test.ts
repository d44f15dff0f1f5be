import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  CliNotFoundError,
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
      /tool cache .*; npm install @anthropic-ai\/claude-agent-sdk-.*@\d/,
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
    expect(lines.join('\n')).toMatch(/Installing @anthropic-ai\/claude-agent-sdk-/);
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
});
