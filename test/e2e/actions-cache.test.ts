/**
 * The CLI kept across jobs in the Actions cache (dist, real CLI, real `npm pack`, real
 * `@actions/cache` against a loopback fake of the cache service): the first job on a fresh
 * runner fetches the CLI's package and saves it; the next fresh runner, with no npm source,
 * restores it and answers; a failing cache service costs a fetch and one log line, never the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeActionsCache, type FakeActionsCache } from '../support/fake-actions-cache';
import { packedTarball, startFakeNpmRegistry, type FakeNpmRegistry } from '../support/fake-npm-registry';
import { prOpened } from '../support/payloads';
import { installedCliPackageDir, makeWorkspace, sdkVersion } from '../support/runner';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

const platform = `${process.platform}-${process.arch}`;
const pkgName = `@anthropic-ai/claude-agent-sdk-${platform}`;
const cacheKey = `claude-code-${sdkVersion()}-${platform}`;

let sc: Scenario | undefined;
let cache: FakeActionsCache | undefined;
let registry: FakeNpmRegistry | undefined;
let base: string;

beforeEach(async () => {
  // The package as a registry serves it (built once per machine: it holds the 380 MB CLI).
  const tarball = packedTarball(installedCliPackageDir(), pkgName, sdkVersion());
  registry = await startFakeNpmRegistry({ name: pkgName, version: sdkVersion(), tarball });
  cache = await startFakeActionsCache();
  sc = await startScenario([{ text: 'Reviewed: the answer is 42.' }]);
  seedPullRequest(sc.github, { number: 2 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-fresh-runner-'));
});
afterEach(async () => {
  await Promise.all([sc?.close(), cache?.close(), registry?.close()]);
  fs.rmSync(base, { recursive: true, force: true });
});

/** Where the runner runs: github.com (cache service v2) or GHES (the older REST service). */
interface Host {
  serverUrl: string;
  cacheEnv: (c: FakeActionsCache) => Record<string, string>;
  lookup: string;
}
const GITHUB_COM: Host = {
  serverUrl: 'https://github.com',
  cacheEnv: (c) => c.env,
  lookup: 'twirp:GetCacheEntryDownloadURL',
};
const GHES: Host = {
  serverUrl: 'https://ghes.example.com',
  cacheEnv: (c) => c.legacyEnv,
  lookup: 'v1:GET cache',
};

/**
 * One job on a fresh hosted runner: an empty tool cache at the runner's fixed path, an empty npm
 * cache, npm pointed at the fake registry, and the cache service's variables.
 */
async function freshRunnerJob(host: Host = GITHUB_COM) {
  const toolCache = path.join(base, 'hostedtoolcache');
  fs.rmSync(toolCache, { recursive: true, force: true });
  fs.mkdirSync(toolCache);
  const npmCache = fs.mkdtempSync(path.join(base, 'npm-cache-'));
  return sc!.run({
    eventName: 'pull_request',
    payload: prOpened(),
    workspace: makeWorkspace(),
    toolCache,
    serverUrl: host.serverUrl,
    env: { ...host.cacheEnv(cache!), npm_config_registry: `${registry!.url}/`, npm_config_cache: npmCache },
    timeoutMs: 280_000,
  });
}

const answered = () =>
  sc!.github.state.commentsOf(REPO, 2).filter((c) => c.body.includes('Reviewed: the answer is 42.')).length;

it.each([
  ['github.com', GITHUB_COM],
  ['GHES', GHES],
])(
  'on %s, a fresh runner fetches the CLI and saves it; the next fresh runner restores it without npm',
  async (_, host) => {
    const job1 = await freshRunnerJob(host);
    expect([job1.exitCode, job1.log]).toEqual([0, job1.log]);
    expect(job1.log).toContain(`Fetching ${pkgName}@${sdkVersion()}`);
    expect(registry!.requests.some((p) => p.endsWith('.tgz'))).toBe(true);
    expect(job1.log).toContain(`Claude Code CLI saved to the Actions cache (${cacheKey})`);
    // Saved while the agent ran, not before the CLI could start.
    expect(job1.log.indexOf('saved to the Actions cache')).toBeGreaterThan(job1.log.indexOf('(installed, '));
    // One finalized entry under the CLI's version and platform, holding the archive.
    expect(cache!.entries).toEqual([
      expect.objectContaining({ key: cacheKey, finalized: true, sizeBytes: expect.any(Number) }),
    ]);
    expect(cache!.entries[0]!.sizeBytes).toBeGreaterThan(10_000_000);
    expect(answered()).toBe(1);

    // Job 2: a new runner; npm can fetch nothing.
    registry!.refuse();
    const fetchesBefore = registry!.requests.length;
    const job2 = await freshRunnerJob(host);
    expect([job2.exitCode, job2.log]).toEqual([0, job2.log]);
    expect(job2.log).toContain(`Claude Code CLI restored from the Actions cache (${cacheKey})`);
    expect(job2.log).toMatch(/Claude Code CLI: .*hostedtoolcache.* \(job-cache, /);
    expect(job2.log).not.toContain('Fetching');
    expect(registry!.requests.length).toBe(fetchesBefore);
    expect(cache!.requests.map((r) => r.op)).toEqual(expect.arrayContaining([host.lookup, 'blob:GET']));
    // Nothing saved again: the entry is still the one job 1 made.
    expect(cache!.entries).toHaveLength(1);
    expect(answered()).toBe(2);
  },
  600_000,
);

it('a failing cache service costs a fetch and one log line, not the run', async () => {
  cache!.failWith(500);
  const job = await freshRunnerJob();
  expect([job.exitCode, job.log]).toEqual([0, job.log]);
  const notes = job.log.split('\n').filter((l) => l.includes('Actions cache unavailable'));
  expect(notes).toEqual([expect.stringMatching(/\(500\).*fetching the CLI with npm and not saving it$/)]);
  expect(job.log).toContain(`Fetching ${pkgName}@${sdkVersion()}`);
  expect(job.log).toMatch(/Claude Code CLI: .* \(installed, /);
  // No save is tried against a service that just failed, and none is claimed.
  expect(cache!.requests.filter((r) => r.op === 'twirp:CreateCacheEntry')).toEqual([]);
  expect(job.log).not.toContain('saved to the Actions cache');
  expect(answered()).toBe(1);
}, 600_000);
