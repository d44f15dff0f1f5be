/**
 * Every git command the action runs goes through one safe helper. A workspace kept from an earlier
 * job with a planted post-checkout hook and core.fsmonitor: a fork PR makes the action fetch and
 * `git worktree add` the base commit (config root), and neither plant runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainLoop } from '../support/fake-anthropic';
import { repoWithBaseAndHead, git } from '../support/git';
import { prOpened } from '../support/payloads';
import { seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

it('planted hooks and fsmonitor never run during the config-root worktree and checkout', async () => {
  const repo = repoWithBaseAndHead({ 'README.md': '# base\n' }, { 'README.md': '# head\n' });
  const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-markers-'));
  fs.writeFileSync(
    path.join(repo.dir, '.git/hooks/post-checkout'),
    `#!/bin/sh\nenv > ${markers}/hook-ran\n`,
    {
      mode: 0o755,
    },
  );
  const fsmon = path.join(markers, '..', `${path.basename(markers)}-fsmon.sh`);
  fs.writeFileSync(fsmon, `#!/bin/sh\ntouch ${markers}/fsmonitor-ran\n`, { mode: 0o755 });
  git(repo.dir, 'config', 'core.fsmonitor', fsmon);
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'Reviewed.' } : { text: 'title' }));
  seedPullRequest(sc.github, {
    number: 2,
    head: { ref: 'feature', sha: repo.headSha, repoFullName: 'mallory/octo-repo' },
    base: { ref: 'main', sha: repo.baseSha },
  });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), workspace: repo.dir });
  expect(res.exitCode).toBe(0);
  // The worktree of the base commit was made (so git did run) …
  expect(res.log).toMatch(/Config root: .*base-config — project settings from the base commit/);
  // … and nothing planted ran.
  expect(fs.readdirSync(markers)).toEqual([]);
});
