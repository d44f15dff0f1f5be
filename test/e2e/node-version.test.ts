/**
 * The end-to-end tests run dist/ on the node they were asked for: `.ci/run` sets RELAY_TEST_NODE
 * to a Node 24 binary (the action's `runs.using`), else it is the node running jest. Proven by
 * what the action itself reports to GitHub: Octokit's user agent carries `Node.js/<version>`.
 */
import { execFileSync } from 'node:child_process';
import { prOpened } from '../support/payloads';
import { DIST_NODE } from '../support/runner';
import { seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

it('dist/index.js runs on the requested node', async () => {
  const binaryVersion = execFileSync(DIST_NODE, ['--version'], { encoding: 'utf8' }).trim().slice(1);
  const wantMajor = process.env.RELAY_TEST_NODE_MAJOR ?? process.versions.node.split('.')[0];
  expect(binaryVersion.split('.')[0]).toBe(wantMajor);

  sc = await startScenario([{ text: 'Looks fine.' }]);
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened() });
  expect(res.exitCode).toBe(0);
  const agents = new Set(sc.github.requests.map((r) => String(r.headers['user-agent'] ?? '')));
  expect(agents.size).toBeGreaterThan(0);
  // Node 24 reports its major only (navigator.userAgent "Node.js/24"), older ones the full version.
  const major = binaryVersion.split('.')[0];
  for (const ua of agents) expect(ua).toMatch(new RegExp(`Node\\.js/${major}(\\.|\\s|$)`));
});
