/**
 * Trigger detection through dist/index.js: a command quoted in `<blockquote>`, shown in `<pre>`, or
 * on a lazy continuation line of a `>` quote starts nothing (no model request, `skipped`); the same
 * command as a plain line runs the agent with the real CLI.
 */
import { isMainLoop, lastUserText } from '../support/fake-anthropic';
import { issueComment } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

const ANSWER = 'Relay answer about the widget.';
const onPr = (body: string) => issueComment(body, {}, { onPullRequest: true });

async function scenario(): Promise<Scenario> {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: ANSWER } : { text: 'title' }));
  seedPullRequest(sc.github, { number: 1 });
  return sc;
}

it.each([
  ['<blockquote>', '<blockquote>\n/claude fix the widget\n</blockquote>\n\nWhat do you think?'],
  ['<blockquote> around a paragraph', '<blockquote>\n\n/claude fix the widget\n\n</blockquote>'],
  ['<pre>', 'Earlier run:\n\n<pre>\n/claude fix the widget\n</pre>'],
  ['a lazy continuation of a quote', '> Alice wrote:\n/claude fix the widget'],
])('%s: no run, skipped', async (_what, body) => {
  await scenario();
  const res = await sc.run({ eventName: 'issue_comment', payload: onPr(body) });
  expect(res.exitCode).toBe(0);
  expect(res.stderr).toBe('');
  expect(sc.model.requests).toHaveLength(0);
  expect(res.outputs.conclusion).toBe('skipped');
  expect(res.log).toMatch(/::notice::claude-relay skipped: .*does not start a line with \/claude/);
  expect(sc.github.requestsTo('POST', /.*/)).toHaveLength(0);
});

it('a plain line with the same command still runs, with the request cut from the source', async () => {
  await scenario();
  const body = '> Alice wrote: it is slow\n\n/claude why is the widget slow?\n<pre>trace</pre>';
  const res = await sc.run({ eventName: 'issue_comment', payload: onPr(body) });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.conclusion).toBe('success');
  const main = sc.model.mainRequests();
  expect(main.length).toBeGreaterThanOrEqual(1);
  expect(lastUserText(main[0]!.body)).toContain('why is the widget slow?\n<pre>trace</pre>');
  const comments = sc.github.state.commentsOf(REPO, 1).filter((c) => c.user === 'github-actions[bot]');
  expect(comments.map((c) => c.body.includes(ANSWER))).toEqual([true]);
});
