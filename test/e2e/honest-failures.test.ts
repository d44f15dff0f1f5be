/**
 * Runs that cannot go ahead say so honestly, through dist/index.js: GitHub failing while the gate
 * decides (5xx, connection refused, DNS) is a `failure` with exit code 1 and one error line naming
 * the cause — never a green `skipped`, never Octokit's "500 with id UNKNOWN"; invalid inputs set
 * `conclusion: failure`, `result` and a job summary; project settings that could not be read from
 * the base commit are a warning with git's reason.
 */
import net from 'node:net';
import { issueComment, prOpened } from '../support/payloads';
import { repoWithBaseAndHead } from '../support/git';
import { isMainLoop } from '../support/fake-anthropic';
import {
  API_KEY,
  GITHUB_TOKEN,
  REPO,
  seedPullRequest,
  startScenario,
  type Scenario,
} from '../support/scenario';
import { runAction, type RunResult } from '../support/runner';

let sc: Scenario | undefined;
afterEach(async () => {
  await sc?.close();
  sc = undefined;
});

const errors = (res: RunResult) => res.lines.filter((l) => l.text.startsWith('::error')).map((l) => l.text);
const warnings = (res: RunResult) =>
  res.lines.filter((l) => l.text.startsWith('::warning')).map((l) => l.text);
const STACK = /\n\s+at .+:\d+:\d+\)?\n/;

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A failed run before the agent: exit 1, conclusion failure, result = the one error line, a summary. */
function expectFailedBeforeAgent(res: RunResult, cause: RegExp): string {
  expect(res.exitCode).toBe(1);
  expect(res.outputs.conclusion).toBe('failure');
  const errs = errors(res);
  expect(errs).toHaveLength(1);
  expect(errs[0]).toMatch(cause);
  expect(errs[0]).toBe(`::error::${res.outputs.result}`);
  expect(res.summary).toMatch(/^## claude-relay: failure\n/);
  expect(res.summary).toContain(res.outputs.result);
  expect(res.outputs.cost_usd).toBe('0.000000');
  expect(res.log).not.toMatch(/with id UNKNOWN/);
  expect(res.log + res.stderr).not.toMatch(STACK);
  expect(res.log).not.toMatch(/skipped/);
  return errs[0]!;
}

const comment = () => issueComment('/claude look at this', {}, { onPullRequest: true });

describe('GitHub failing while the gate decides', () => {
  it('5xx on the permission lookup, a refused connection and an unresolvable host each fail the run with the cause', async () => {
    sc = await startScenario([{ text: 'never reached' }]);
    seedPullRequest(sc.github, { number: 1 });
    // Four answers: the first try and the client's three retries.
    sc.github.failNext('GET', /\/collaborators\/Codertocat\/permission$/, 4, { status: 503 });
    const inputs = { anthropic_api_key: API_KEY, github_token: GITHUB_TOKEN };
    const port = await closedPort();
    const [fivexx, refused, dns] = await Promise.all([
      sc.run({ eventName: 'issue_comment', payload: comment() }),
      runAction({
        eventName: 'issue_comment',
        payload: comment(),
        inputs,
        apiUrl: `http://127.0.0.1:${port}`,
      }),
      runAction({
        eventName: 'issue_comment',
        payload: comment(),
        inputs,
        apiUrl: 'http://api.relay-test.invalid',
      }),
    ]);

    expectFailedBeforeAgent(
      fivexx!,
      /^::error::Could not verify Codertocat's permission, so not running: GitHub API 503 .*\(GET \/repos\/octo-org\/octo-repo\/collaborators\/Codertocat\/permission\)$/,
    );
    expect(sc.github.requestsTo('GET', /\/permission$/)).toHaveLength(4);
    expect(sc.model.requests).toHaveLength(0);
    expect(sc.github.state.commentsOf(REPO, 1).filter((c) => c.user === 'github-actions[bot]')).toEqual([]);

    expectFailedBeforeAgent(
      refused!,
      new RegExp(
        `^::error::Could not verify Codertocat's permission, so not running: GitHub API unreachable: ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(GET /repos/`,
      ),
    );
    expectFailedBeforeAgent(
      dns!,
      /^::error::Could not verify Codertocat's permission, so not running: GitHub API unreachable: (ENOTFOUND|EAI_AGAIN) api\.relay-test\.invalid \(GET \/repos\//,
    );
  });

  it('control: a 404 on the permission lookup still refuses quietly as skipped (nobody to run for)', async () => {
    sc = await startScenario([{ text: 'never reached' }]);
    seedPullRequest(sc.github, { number: 1 });
    sc.github.failNext('GET', /\/collaborators\/Codertocat\/permission$/, 1, { status: 404 });
    const res = await sc.run({ eventName: 'issue_comment', payload: comment() });
    expect(res.exitCode).toBe(0);
    expect(res.outputs.conclusion).toBe('skipped');
    expect(res.log).toMatch(/could not verify Codertocat's permission \(GitHub API 404 /);
    expect(errors(res)).toEqual([]);
  });
});

describe('invalid inputs', () => {
  it.each([
    ['max_turns', 'abc', /^::error::Invalid input max_turns: /],
    ['tool_policy', 'bogus', /^::error::Invalid input tool_policy: /],
  ])('%s: %s fails with the message as result and summary', async (name, value, cause) => {
    sc = await startScenario([{ text: 'never reached' }]);
    const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), inputs: { [name]: value } });
    expectFailedBeforeAgent(res, cause);
    expect(sc.github.requests).toHaveLength(0);
  });

  it('missing credentials fail the same way', async () => {
    sc = await startScenario([{ text: 'never reached' }]);
    const res = await sc.run({
      eventName: 'pull_request',
      payload: prOpened(),
      inputs: { anthropic_api_key: '' },
    });
    expectFailedBeforeAgent(
      res,
      /^::error::Missing credentials: set anthropic_api_key or claude_code_oauth_token/,
    );
  });
});

describe('project settings that cannot be read', () => {
  it('a fork PR whose base commit cannot be fetched runs without them, with a warning giving git’s reason', async () => {
    const repo = repoWithBaseAndHead({ 'README.md': '# repo\n' }, { 'README.md': '# changed\n' });
    sc = await startScenario((req) => (isMainLoop(req) ? { text: 'Reviewed.' } : { text: 'title' }));
    seedPullRequest(sc.github, {
      number: 2,
      head: { ref: 'feature', sha: repo.headSha, repoFullName: 'mallory/octo-repo' },
      // Not in the checkout, and the checkout has no remote to fetch it from.
      base: { ref: 'main', sha: 'c'.repeat(40) },
    });
    const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), workspace: repo.dir });
    expect(res.outputs.conclusion).toBe('success');
    const w = warnings(res).filter((l) => l.includes('Project settings not used'));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /^::warning::Project settings not used: no project settings: PR #2 comes from the fork mallory\/octo-repo.*, and the base commit could not be checked out \(fatal: .*origin.*\)$/,
    );
    expect(res.log).not.toMatch(/Config root: /);
  });
});
