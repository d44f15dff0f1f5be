/**
 * What one run costs besides the model: the relay's own comments (this run's progress comment,
 * earlier results) never reach the model as conversation, and no GitHub request is made twice.
 */
import { renderMarker } from '../../src/core/ledger';
import { isMainLoop } from '../support/fake-anthropic';
import { issueComment } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

it('a follow-up on a PR: no relay comment in the prompt, and every GitHub request made once', async () => {
  sc = await startScenario((req) =>
    isMainLoop(req) ? { text: 'It is 42 because of the spec.' } : { text: 'title' },
  );
  seedPullRequest(sc.github, { number: 1 });
  const s = sc.github.state;
  s.addIssueComment({
    issue_number: 1,
    user: 'github-actions[bot]',
    body: `EARLIER_RESULT_TEXT_4f1c: looks fine.\n\n${renderMarker({ v: 1, status: 'done', run_id: '7', cost_usd: 0.02, conclusion: 'success' })}`,
  });
  s.addIssueComment({
    issue_number: 1,
    user: 'github-actions[bot]',
    body: `⏳ **Claude is working on this…** STALE_PROGRESS_TEXT_9a2e\n\n${renderMarker({ v: 1, status: 'running', run_id: '8' })}`,
  });
  s.addIssueComment({ issue_number: 1, user: 'octocat', body: 'HUMAN_COMMENT_TEXT_b7d3: why not 41?' });
  // The PR's author asks: the gate and the config-root check both need octocat's permission.
  const trigger = s.addIssueComment({ issue_number: 1, user: 'octocat', body: '/claude why 42?' });
  const res = await sc.run({
    eventName: 'issue_comment',
    payload: issueComment(
      '/claude why 42?',
      {
        comment: { id: trigger.id, user: { login: 'octocat', type: 'User', id: 583231 } },
        sender: { login: 'octocat', type: 'User', id: 583231 },
      },
      { onPullRequest: true },
    ),
  });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.conclusion).toBe('success');

  const first = sc.model.mainRequests()[0]!.raw;
  expect(first).toContain('HUMAN_COMMENT_TEXT_b7d3');
  expect(first).not.toContain('EARLIER_RESULT_TEXT_4f1c');
  expect(first).not.toContain('STALE_PROGRESS_TEXT_9a2e');
  // This run's own progress comment existed when the context was read; it is not conversation.
  expect(first).not.toContain('Claude is working on this');

  const seen = new Map<string, number>();
  for (const r of sc.github.requests) {
    const key = `${r.method} ${r.path}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const repeated = [...seen].filter(([, n]) => n > 1);
  expect(repeated).toEqual([]);
  expect(sc.github.requestsTo('GET', /\/collaborators\/octocat\/permission$/)).toHaveLength(1);
  expect(sc.github.requestsTo('GET', /\/pulls\/1$/)).toHaveLength(1);
  // The earlier result still counts for the PR's cost (the markers are read, just not shown).
  const final = s.commentsOf(REPO, 1).at(-1)!.body;
  expect(final).toMatch(/PR total \$0\.0[2-9]/);
});
