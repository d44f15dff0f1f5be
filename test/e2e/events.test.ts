/**
 * Every supported trigger, end to end: the event payload → dist/index.js → the real CLI → the fake
 * model → one result comment with its cost on the fake GitHub, and every action output set. Then
 * the events that are not for us: no model request, `skipped`, exit 0 and one notice line.
 */
import {
  issueComment,
  issueEvent,
  prOpened,
  review,
  reviewComment,
  sender,
  workflowDispatch,
} from '../support/payloads';
import { HEAD_SHA, REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';
import { isMainLoop, lastUserText, type FakeAnthropic } from '../support/fake-anthropic';
import type { RunResult } from '../support/runner';

/** The head SHA of PR #2 in the example payloads (pull_request, review, review comment). */
const EXAMPLE_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const ANSWER = 'Relay answer: the change is fine.';
const OUTPUTS = [
  'conclusion',
  'result',
  'session_id',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'num_turns',
  'duration_ms',
  'comment_url',
];

let sc: Scenario;
afterEach(async () => sc?.close());

async function scenario(): Promise<Scenario> {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: ANSWER } : { text: 'title' }));
  return sc;
}

/** The first main-loop prompt the CLI sent (the user message the action built). */
function firstPrompt(model: FakeAnthropic): string {
  const main = model.mainRequests();
  expect(main.length).toBeGreaterThanOrEqual(1);
  return lastUserText(main[0]!.body);
}

/** The tools the CLI offered the model in the first main-loop request. */
function toolsOffered(): string[] {
  return (sc.model.mainRequests()[0]?.body.tools ?? []).map((t) => t.name);
}

/** One comment on `number` with the answer, a cost footer and the marker; every output set. */
function expectAnswered(res: RunResult, number: number): string {
  expect(res.stderr).toBe('');
  expect(res.exitCode).toBe(0);
  const comments = sc.github.state.commentsOf(REPO, number).filter((c) => c.user === 'github-actions[bot]');
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body).toContain(ANSWER);
  expect(body).toMatch(/<sub>\$0\.\d+ · 1 turn · [\d.]+s · [\d,]+ in \/ [\d,]+ out tokens/);
  expect(body).toMatch(/<!-- claude-relay:session \{.*"status":"done".*\} -->/);
  for (const name of OUTPUTS) expect(res.outputs).toHaveProperty(name);
  expect(res.outputs).toMatchObject({ conclusion: 'success', result: ANSWER, num_turns: '1' });
  expect(res.outputs.session_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
  expect(Number(res.outputs.input_tokens)).toBeGreaterThan(0);
  expect(Number(res.outputs.output_tokens)).toBeGreaterThan(0);
  expect(Number(res.outputs.duration_ms)).toBeGreaterThan(0);
  expect(res.outputs.comment_url).toContain(`#issuecomment-${comments[0]!.id}`);
  expect(body).toContain(`"cost_usd":${Number(Number(res.outputs.cost_usd).toFixed(6))}`);
  expect(sc.github.unmatched()).toEqual([]);
  return firstPrompt(sc.model);
}

describe('triggers that run the agent', () => {
  it('pull_request opened: reviews the PR', async () => {
    await scenario();
    seedPullRequest(sc.github, { number: 2, head: { ref: 'feature', sha: EXAMPLE_HEAD } });
    const res = await sc.run({ eventName: 'pull_request', payload: prOpened() });
    const prompt = expectAnswered(res, 2);
    expect(prompt).toContain('Review this pull request');
    expect(prompt).toContain('src/app.ts');
  });

  it('issues opened with the phrase: answers on the issue', async () => {
    await scenario();
    sc.github.state.addIssue({ number: 1, title: 'Spelling error', body: 'x', user: 'Codertocat' });
    const res = await sc.run({
      eventName: 'issues',
      payload: issueEvent('opened', {
        issue: { body: 'Something is off.\n/claude explain the spelling rule' },
      }),
    });
    const prompt = expectAnswered(res, 1);
    expect(prompt).toContain('explain the spelling rule');
    expect(prompt).toContain('# Issue #1');
    // The issue itself asking is a task: the edit profile (the registry's `task` for plain text).
    expect(toolsOffered()).toEqual(expect.arrayContaining(['Read', 'Edit', 'Write']));
  });

  it('the same request in an issue comment is a question: read-only tools', async () => {
    await scenario();
    sc.github.state.addIssue({ number: 1, title: 'Spelling error', body: 'x', user: 'Codertocat' });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude explain the spelling rule'),
    });
    expectAnswered(res, 1);
    expect(toolsOffered()).toEqual(expect.arrayContaining(['Read', 'Grep']));
    for (const t of ['Edit', 'Write', 'Bash']) expect(toolsOffered()).not.toContain(t);
  });

  it('issues labeled with the phrase word: works on the issue as a task', async () => {
    await scenario();
    sc.github.state.addIssue({ number: 1, title: 'Spelling error in the README file', user: 'Codertocat' });
    const res = await sc.run({
      eventName: 'issues',
      payload: issueEvent('labeled', { label: { name: 'claude' } }),
    });
    const prompt = expectAnswered(res, 1);
    expect(prompt).toContain('Make the requested change');
    expect(prompt).toContain('Spelling error in the README file');
  });

  it('issue_comment `/claude …` on a PR by a write user', async () => {
    await scenario();
    seedPullRequest(sc.github, { number: 1 });
    const trigger = sc.github.state.addIssueComment({
      issue_number: 1,
      body: '/claude why 42?',
      user: 'Codertocat',
    });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude why 42?', { comment: { id: trigger.id } }, { onPullRequest: true }),
    });
    const prompt = expectAnswered(res, 1);
    expect(prompt).toContain('why 42?');
    expect(prompt).toContain('# Pull request #1');
  });

  it('pull_request_review_comment with the phrase', async () => {
    await scenario();
    seedPullRequest(sc.github, { number: 2, head: { ref: 'feature', sha: EXAMPLE_HEAD } });
    const res = await sc.run({
      eventName: 'pull_request_review_comment',
      payload: reviewComment('/claude is this line right?'),
    });
    const prompt = expectAnswered(res, 2);
    expect(prompt).toContain('is this line right?');
    expect(prompt).toMatch(/review comment on `README\.md`/);
  });

  it('pull_request_review submitted with the phrase', async () => {
    await scenario();
    seedPullRequest(sc.github, { number: 2, head: { ref: 'feature', sha: EXAMPLE_HEAD } });
    const res = await sc.run({
      eventName: 'pull_request_review',
      payload: review('Mostly fine.\n\n/claude review focus on naming'),
    });
    const prompt = expectAnswered(res, 2);
    expect(prompt).toContain('Review this pull request');
    expect(prompt).toContain('focus on naming');
  });

  it('workflow_dispatch with the companion inputs', async () => {
    await scenario();
    seedPullRequest(sc.github, { number: 1 });
    const trigger = sc.github.state.addIssueComment({
      issue_number: 1,
      body: '/claude summarise the change',
      user: 'octocat',
    });
    const res = await sc.run({
      eventName: 'workflow_dispatch',
      payload: workflowDispatch(
        {
          command: 'summarise the change',
          pr_number: '1',
          comment_id: String(trigger.id),
          head_sha: HEAD_SHA,
          requested_by: 'octocat',
        },
        sender('github-actions[bot]', 'Bot'),
      ),
    });
    const prompt = expectAnswered(res, 1);
    expect(prompt).toContain('summarise the change');
    expect(prompt).toContain('## Request from \uFF20octocat');
    const body = sc.github.state.commentsOf(REPO, 1).find((c) => c.user === 'github-actions[bot]')!.body;
    expect(body).toContain(`"trigger_comment_id":${trigger.id}`);
  });
});

describe('events that are not for us', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'a read-only user',
      () => issueComment('/claude do it', sender('reader'), { onPullRequest: true }),
      /reader has read permission; write access is required/,
    ],
    [
      'a bot',
      () => issueComment('/claude do it', sender('dependabot[bot]', 'Bot'), { onPullRequest: true }),
      /dependabot\[bot\] is a bot account and is not listed in allowed_bots/,
    ],
    [
      'an edited comment',
      () => ({ ...issueComment('/claude do it', {}, { onPullRequest: true }), action: 'edited' }),
      /an edited comment never triggers/,
    ],
    [
      'no phrase',
      () => issueComment('please look at this', {}, { onPullRequest: true }),
      /does not start a line with \/claude/,
    ],
    [
      'a quoted phrase',
      () => issueComment('> /claude do it\n\nI agree with the above.', {}, { onPullRequest: true }),
      /does not start a line with \/claude/,
    ],
  ];

  it.each(cases)('%s: no model request, skipped, exit 0, one notice', async (_what, make, reason) => {
    await scenario();
    seedPullRequest(sc.github, { number: 1 });
    const res = await sc.run({ eventName: 'issue_comment', payload: make() });
    expect(res.exitCode).toBe(0);
    expect(res.stderr).toBe('');
    expect(sc.model.requests).toHaveLength(0);
    expect(res.outputs.conclusion).toBe('skipped');
    const notices = res.lines.filter((l) => l.text.startsWith('::notice::')).map((l) => l.text);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^::notice::claude-relay skipped: /);
    expect(notices[0]).toMatch(reason);
    expect(res.log).not.toMatch(/::(error|warning)/);
    expect(sc.github.requestsTo('POST', /.*/)).toHaveLength(0);
    expect(sc.github.requestsTo('PATCH', /.*/)).toHaveLength(0);
  });
});
