/**
 * The walking skeleton: a pull_request `opened` event → dist/index.js (as the runner starts it) →
 * the real Claude Code CLI → the fake Anthropic API → the answer as a comment on the fake GitHub.
 */
import { prOpened } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';
import { isMainLoop, lastUserText } from '../support/fake-anthropic';

let sc: Scenario;
afterEach(async () => sc?.close());

it('runs one agent turn through the real CLI and posts the answer with its cost', async () => {
  sc = await startScenario((req) =>
    isMainLoop(req) ? { text: 'The change sets the answer to 42. Looks good.' } : { text: 'title' },
  );
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened() });

  expect(res.stderr).toBe('');
  expect(res.exitCode).toBe(0);
  // The real CLI called the fake model with the PR in the prompt.
  const main = sc.model.mainRequests();
  expect(main.length).toBeGreaterThanOrEqual(1);
  expect(main[0]!.path).toBe('/v1/messages?beta=true');
  expect(lastUserText(main[0]!.body)).toContain('Add the answer');
  // The answer is a comment on the PR with a footer and the hidden marker.
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body).toContain('The change sets the answer to 42. Looks good.');
  expect(body).toMatch(/<sub>\$0\.\d+ · 1 turn · /);
  expect(body).toMatch(/<!-- claude-relay:session \{.*"status":"done".*\} -->/);
  expect(res.outputs.conclusion).toBe('success');
  expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
  expect(res.outputs.comment_url).toMatch(/issuecomment-\d+/);
});
