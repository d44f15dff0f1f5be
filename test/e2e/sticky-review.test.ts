/**
 * `comment_mode: sticky` and review scope through dist/index.js with the real CLI: a PR opened and
 * pushed to twice keeps exactly one relay comment (latest on top, earlier runs folded with their
 * costs, one record that counts each run once); each push is reviewed from the last reviewed head;
 * draft PRs wait for ready_for_review unless review_drafts is set.
 */
import {
  assistantTurns,
  contentText,
  isMainLoop,
  lastUserText,
  type MessagesRequest,
} from '../support/fake-anthropic';
import { issueComment, prEvent } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';
import { parseMarker, sumCosts } from '../../src/core/ledger';
import { formatUsd } from '../../src/report/comment';

let sc: Scenario;
afterEach(async () => sc?.close());

const H1 = '1'.repeat(40);
const H2 = '3'.repeat(40);
const H3 = '4'.repeat(40);
/** Everything the run's first request showed the model as user text. */
const firstUserText = (req: MessagesRequest) =>
  req.messages
    .filter((m) => m.role === 'user')
    .map((m) => contentText(m.content))
    .join('\n');

const file = (name: string, line: string) => ({
  filename: name,
  status: 'modified' as const,
  additions: 1,
  deletions: 0,
  changes: 1,
  patch: `@@ -1 +1,2 @@\n context\n+${line}`,
});

function push(before: string, after: string) {
  return prEvent('synchronize', {
    number: 2,
    before,
    after,
    pull_request: { number: 2, head: { sha: after } },
  });
}

function setHead(sha: string, files: ReturnType<typeof file>[]) {
  const pr = sc.github.state.pull(REPO, 2)!;
  pr.head.sha = sha;
  pr.files = [...pr.files, ...files];
}

it('three runs under sticky leave one relay comment; pushes are reviewed from the last reviewed head', async () => {
  // The answer names the push it saw, so the comment shows which run is on top.
  sc = await startScenario((req) => {
    if (!isMainLoop(req)) return { text: 't' };
    const prompt = lastUserText(req);
    return {
      text: prompt.includes('THIRD_PUSH_LINE')
        ? 'REVIEW-3'
        : prompt.includes('SECOND_PUSH_LINE')
          ? 'REVIEW-2'
          : 'REVIEW-1',
    };
  });
  seedPullRequest(sc.github, { number: 2, head: { ref: 'feature', sha: H1 } });
  const inputs = { comment_mode: 'sticky', session_store: 'none' };

  const run1 = await sc.run({
    eventName: 'pull_request',
    payload: prEvent('opened', { number: 2 }),
    inputs,
    runId: '7001',
  });
  expect(run1.exitCode).toBe(0);

  setHead(H2, [file('src/second.ts', 'SECOND_PUSH_LINE')]);
  sc.github.state.addCompare(REPO, H1, H2, { files: [file('src/second.ts', 'SECOND_PUSH_LINE')] });
  const run2 = await sc.run({ eventName: 'pull_request', payload: push(H1, H2), inputs, runId: '7002' });
  expect(run2.exitCode).toBe(0);

  setHead(H3, [file('src/third.ts', 'THIRD_PUSH_LINE')]);
  sc.github.state.addCompare(REPO, H2, H3, { files: [file('src/third.ts', 'THIRD_PUSH_LINE')] });
  const run3 = await sc.run({ eventName: 'pull_request', payload: push(H2, H3), inputs, runId: '7003' });
  expect(run3.exitCode).toBe(0);

  // Exactly one relay comment, edited in place (created once).
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments).toHaveLength(1);
  expect(sc.github.requestsTo('POST', /\/issues\/2\/comments$/)).toHaveLength(1);
  const body = comments[0]!.body;
  expect(run3.outputs.comment_url).toBe(run1.outputs.comment_url);

  // Latest on top, the two earlier runs folded below with their costs.
  const [top, folded] = body.split('<details>');
  expect(top).toContain('REVIEW-3');
  expect(top).not.toContain('REVIEW-1');
  expect(folded).toMatch(/<summary>Earlier runs \(2\)<\/summary>/);
  expect(folded!.indexOf('REVIEW-2')).toBeLessThan(folded!.indexOf('REVIEW-1'));
  expect(folded).toContain(formatUsd(Number(run1.outputs.cost_usd)));

  // One record (the last line), counting each run once: the cost ledger sees all three runs.
  expect(body.match(/claude-relay:session/g)).toHaveLength(1);
  const marker = parseMarker(body)!;
  expect(marker.mode).toBe('sticky');
  expect(marker.run_id).toBe('7003');
  expect(marker.history?.map((h) => h.run_id)).toEqual(['7002', '7001']);
  const ledger = sumCosts(
    comments.map((c) => ({ id: c.id, body: c.body, authorLogin: 'github-actions[bot]', authorType: 'Bot' })),
    ['github-actions[bot]'],
  );
  expect(ledger.runs.map((r) => r.runId).sort()).toEqual(['7001', '7002', '7003']);
  const paid = [run1, run2, run3].reduce((s, r) => s + Number(r.outputs.cost_usd), 0);
  expect(ledger.totalUsd).toBeCloseTo(paid, 5);
  // The third run's footer shows the PR total across all three.
  expect(top).toContain(`PR total ${formatUsd(paid)}`);

  // Review scope: run 2 saw only the second push, run 3 only the third.
  const firsts = sc.model.mainRequests().filter((r) => assistantTurns(r.body) === 0);
  expect(firsts).toHaveLength(3);
  const [p1, p2, p3] = firsts.map((r) => firstUserText(r.body));
  expect(p1).not.toContain('since the last review');
  expect(p2).toContain(`Review only what changed since the last review: ${H1}…${H2}`);
  expect(p2).toContain('SECOND_PUSH_LINE');
  expect(p2).not.toContain('export const answer = 42');
  expect(p3).toContain('THIRD_PUSH_LINE');
  expect(p3).not.toContain('SECOND_PUSH_LINE');
  // The comment says which range was reviewed.
  expect(top).toContain(`Reviewed the changes since the last review: ${H2.slice(0, 7)}…${H3.slice(0, 7)}`);
  expect(marker.head_sha).toBe(H3);
});

it('/claude review after a push reviews the whole PR; a push the last head is not an ancestor of too', async () => {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'ok' } : { text: 't' }));
  seedPullRequest(sc.github, { number: 2, head: { ref: 'feature', sha: H1 } });
  const run1 = await sc.run({
    eventName: 'pull_request',
    payload: prEvent('opened', { number: 2 }),
    runId: '7101',
  });
  expect(run1.exitCode).toBe(0);

  // A force-push: the old head is not an ancestor of the new one.
  setHead(H2, [file('src/second.ts', 'SECOND_PUSH_LINE')]);
  sc.github.state.addCompare(REPO, H1, H2, { status: 'diverged', files: [] });
  const run2 = await sc.run({ eventName: 'pull_request', payload: push(H1, H2), runId: '7102' });
  expect(run2.exitCode).toBe(0);
  const afterPush = sc.github.state.commentsOf(REPO, 2);
  expect(afterPush[afterPush.length - 1]!.body).toContain(
    `Reviewed the whole pull request: the last reviewed head ${H1.slice(0, 7)} is not an ancestor of ${H2.slice(0, 7)}`,
  );

  const before = sc.model.mainRequests().length;
  const run3 = await sc.run({
    eventName: 'issue_comment',
    payload: issueComment(
      '/claude review',
      { issue: { number: 2 }, comment: { id: 880001 } },
      { onPullRequest: true },
    ),
    runId: '7103',
  });
  expect(run3.exitCode).toBe(0);
  const prompt = firstUserText(sc.model.mainRequests()[before]!.body);
  expect(prompt).not.toContain('since the last review');
  expect(prompt).toContain('export const answer = 42');
  expect(prompt).toContain('SECOND_PUSH_LINE');
});

it('a draft PR is skipped with a notice unless review_drafts; ready_for_review reviews it', async () => {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'draft reviewed' } : { text: 't' }));
  seedPullRequest(sc.github, { number: 2, draft: true });
  const draft = prEvent('opened', { number: 2, pull_request: { number: 2, draft: true } });

  const skipped = await sc.run({ eventName: 'pull_request', payload: draft });
  expect(skipped.exitCode).toBe(0);
  expect(skipped.outputs.conclusion).toBe('skipped');
  expect(skipped.log).toMatch(
    /::notice::claude-relay skipped: pull request #2 is a draft: it is reviewed when marked ready for review \(set review_drafts: true to review drafts\)/,
  );
  expect(sc.model.requests).toHaveLength(0);
  expect(sc.github.state.commentsOf(REPO, 2)).toHaveLength(0);

  const ready = await sc.run({
    eventName: 'pull_request',
    payload: prEvent('ready_for_review', { number: 2, pull_request: { number: 2, draft: false } }),
  });
  expect(ready.outputs.conclusion).toBe('success');

  const opted = await sc.run({
    eventName: 'pull_request',
    payload: draft,
    inputs: { review_drafts: 'true' },
  });
  expect(opted.outputs.conclusion).toBe('success');
  expect(sc.github.state.commentsOf(REPO, 2)).toHaveLength(2);
});
