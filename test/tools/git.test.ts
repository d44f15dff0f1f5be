/**
 * The one git helper: hooks and fsmonitor planted in a checkout (a workspace kept from an earlier
 * job) never run, and git never sees the step's secrets. Plain git runs the same plants (control).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git, gitEnv } from '../../src/tools/git';
import { git as testGit, writeFiles } from '../support/git';

function plantedRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-planted-'));
  const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-markers-'));
  testGit(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, { 'a.txt': 'a\n' });
  testGit(dir, 'add', '-A');
  testGit(dir, 'commit', '-q', '-m', 'one');
  testGit(dir, 'checkout', '-q', '-b', 'other');
  const hook = path.join(dir, '.git/hooks/post-checkout');
  fs.writeFileSync(hook, `#!/bin/sh\nenv > ${markers}/hook-ran\n`, { mode: 0o755 });
  const fsmonitor = path.join(dir, 'fsmon.sh');
  fs.writeFileSync(fsmonitor, `#!/bin/sh\ntouch ${markers}/fsmonitor-ran\n`, { mode: 0o755 });
  testGit(dir, 'config', 'core.fsmonitor', fsmonitor);
  return { dir, ran: () => fs.readdirSync(markers).sort() };
}

it('planted post-checkout hook and core.fsmonitor never run through the helper', async () => {
  const repo = plantedRepo();
  for (const args of [
    ['status', '--porcelain'],
    ['checkout', '-q', 'main'],
    ['worktree', 'add', '-q', '--detach', path.join(repo.dir, '..', `wt-${path.basename(repo.dir)}`), 'main'],
  ]) {
    const r = await git(args, { cwd: repo.dir });
    expect({ args, code: r.code }).toEqual({ args, code: 0 });
  }
  expect(repo.ran()).toEqual([]);
});

it('control: plain git runs the same plants', () => {
  const repo = plantedRepo();
  execFileSync('git', ['checkout', '-q', 'main'], { cwd: repo.dir, stdio: 'ignore' });
  expect(repo.ran()).toEqual(['fsmonitor-ran', 'hook-ran']);
});

it('ext:: remotes are refused', async () => {
  const repo = plantedRepo();
  const r = await git(['ls-remote', 'ext::sh -c touch% /tmp/relay-ext-pwned'], { cwd: repo.dir });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/transport 'ext' not allowed/);
});

it("git's environment has none of the step's secrets", () => {
  const env = gitEnv({
    PATH: '/usr/bin',
    HOME: '/home/runner',
    HTTPS_PROXY: 'http://proxy:3128',
    INPUT_GITHUB_TOKEN: 'ghs_x',
    INPUT_ANTHROPIC_API_KEY: 'sk-ant-x',
    ACTIONS_RUNTIME_TOKEN: 'rt',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'id',
    GITHUB_TOKEN: 'ghs_y',
    ANTHROPIC_API_KEY: 'sk-ant-y',
    MY_DEPLOY_SECRET: 'z',
  });
  expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/runner', HTTPS_PROXY: 'http://proxy:3128' });
});
