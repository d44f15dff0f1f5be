/**
 * The companion end to end over real HTTP: signed deliveries → Probot (signature check) → the
 * handler → the fake GitHub's REST API (App JWT, installation token, reactions, dispatches, runs).
 */
import { helpText } from '../../src/commands/registry';
import { ACTIVE_STATUSES } from '../../src/commands/runs';
import { renderMarker } from '../../src/core/ledger';
import { GITHUB_ACTIONS_BOT, type FakeGitHub } from '../support/fake-github';
import {
  APP_BOT,
  HEAD_SHA,
  PR,
  REPO,
  apiCalls,
  deliver,
  prComment,
  reviewCommentOnPr,
  startCompanion,
  startWorld,
  type Companion,
} from './harness';

let gh: FakeGitHub;
let companion: Companion;
const extra: Companion[] = [];

beforeEach(async () => {
  gh = await startWorld();
  companion = await startCompanion(gh);
});

afterEach(async () => {
  await Promise.all([companion, ...extra.splice(0)].map((c) => c.close()));
  await gh.close();
});

const eyesOn = (commentId: number, subject = 'issue_comment') =>
  gh.state.reactionsOf(`${subject}:${commentId}`).filter((r) => r.content === 'eyes');
const repliesOn = (n: number) => gh.state.commentsOf(REPO, n).filter((c) => c.user === APP_BOT);
const kinds = (c: Companion) => c.outcomes.map((o) => o.kind);
/** Requests to the fake from now on (the companions authenticated as the App at start). */
const callsFrom = () => {
  const start = gh.requests.length;
  return () => gh.requests.slice(start);
};

describe('a follow-up command', () => {
  it('acknowledges with 👀 and dispatches exactly once with the workflow_dispatch inputs', async () => {
    const { id, payload } = prComment(gh, 'Thanks!\n\n/claude review focus on error handling');
    const res = await deliver(companion.webhookUrl, 'issue_comment', payload);

    expect(res.status).toBe(202);
    expect(eyesOn(id)).toEqual([expect.objectContaining({ user: APP_BOT, content: 'eyes' })]);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(gh.state.dispatches[0]).toMatchObject({
      repo: REPO,
      workflow: 'claude.yml',
      ref: 'main',
      actor: APP_BOT,
      inputs: {
        command: 'review focus on error handling',
        pr_number: String(PR),
        comment_id: String(id),
        head_sha: HEAD_SHA,
        requested_by: 'alice',
      },
    });
    expect(gh.state.dispatches[0]?.inputs).not.toHaveProperty('issue_number');
    // The ack comes before the PR lookup and the dispatch.
    const calls = apiCalls(gh);
    expect(calls.findIndex((c) => c.endsWith('/reactions'))).toBeLessThan(
      calls.findIndex((c) => c.endsWith('/dispatches')),
    );
    expect(repliesOn(PR)).toEqual([]);
    expect(gh.unmatched()).toEqual([]);
    // Every API call went to the GHES-style base URL built from GHE_HOST/GHE_PROTOCOL.
    expect(gh.requests.every((r) => r.prefix === '/api/v3')).toBe(true);
  });

  it('lists runs once per unfinished status to decide, then once to see its run listed', async () => {
    const { payload } = prComment(gh, '/claude review');
    const calls = callsFrom();
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    const made = calls();
    const dispatchAt = made.findIndex((r) => r.method === 'POST' && r.path.endsWith('/dispatches'));
    expect(dispatchAt).toBeGreaterThan(0);
    const listings = (rs: typeof made) =>
      rs
        .filter((r) => r.method === 'GET' && /\/actions\/workflows\/[^/]+\/runs$/.test(r.path))
        .map((r) => (r.query.status ? `status=${r.query.status}` : `event=${r.query.event ?? ''}`));
    // GitHub filters runs by one status at a time: the decision needs one listing per status.
    expect(listings(made.slice(0, dispatchAt)).sort()).toEqual(
      ACTIVE_STATUSES.map((s) => `status=${s}`).sort(),
    );
    // The new run is among the newest dispatched ones: one listing finds it.
    expect(listings(made.slice(dispatchAt))).toEqual(['event=workflow_dispatch']);
    expect(companion.outcomes.map((o) => o.kind)).toEqual(['dispatched']);
  });

  it('dispatches plain text and issue comments with issue_number and no head_sha', async () => {
    const { id, payload } = prComment(gh, '/claude why is the widget slow?\nSee the profile.', 'alice', {
      target: 2,
    });
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches.map((d) => d.inputs)).toEqual([
      {
        command: 'why is the widget slow?\nSee the profile.',
        issue_number: '2',
        comment_id: String(id),
        requested_by: 'alice',
      },
    ]);
  });

  it('handles a redelivery of the same delivery once', async () => {
    const { payload } = prComment(gh, '/claude review');
    const first = await deliver(companion.webhookUrl, 'issue_comment', payload);
    const again = await deliver(companion.webhookUrl, 'issue_comment', payload, { id: first.id });
    expect(again.status).toBe(202);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(kinds(companion)).toEqual(['dispatched', 'duplicate_delivery']);
  });

  it('handles the same comment once across two replicas sharing nothing but GitHub', async () => {
    const second = await startCompanion(gh);
    extra.push(second);
    const { id, payload } = prComment(gh, '/claude review');

    await deliver(companion.webhookUrl, 'issue_comment', payload);
    await deliver(second.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(eyesOn(id)).toHaveLength(1);
    expect(kinds(companion)).toEqual(['dispatched']);
    expect(kinds(second)).toEqual(['taken']);

    // The same replica again with a new delivery id: its comment LRU answers without a reaction.
    const before = gh.requests.length;
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(kinds(companion)).toEqual(['dispatched', 'duplicate_comment']);
    expect(gh.requests.slice(before).some((r) => r.path.endsWith('/reactions'))).toBe(false);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  it('handles simultaneous deliveries of one comment to two replicas once', async () => {
    const second = await startCompanion(gh);
    extra.push(second);
    const { payload } = prComment(gh, '/claude fix the typo');
    await Promise.all([
      deliver(companion.webhookUrl, 'issue_comment', payload),
      deliver(second.webhookUrl, 'issue_comment', payload),
      deliver(companion.webhookUrl, 'issue_comment', payload),
    ]);
    expect(gh.state.dispatches).toHaveLength(1);
    expect([...kinds(companion), ...kinds(second)].filter((k) => k === 'dispatched')).toHaveLength(1);
  });

  it('works for review comments: reaction and reply in the review API', async () => {
    const { id, payload } = reviewCommentOnPr(gh, '/claude fix rename this variable');
    await deliver(companion.webhookUrl, 'pull_request_review_comment', payload);
    expect(eyesOn(id, 'pull_comment')).toHaveLength(1);
    expect(gh.state.dispatches.map((d) => d.inputs)).toEqual([
      {
        command: 'fix rename this variable',
        pr_number: String(PR),
        comment_id: String(id),
        comment_kind: 'review_comment',
        head_sha: HEAD_SHA,
        requested_by: 'alice',
      },
    ]);

    const help = reviewCommentOnPr(gh, '/claude help');
    await deliver(companion.webhookUrl, 'pull_request_review_comment', help.payload);
    const thread = [...gh.state.reviewComments.values()].filter((c) => c.in_reply_to_id === help.id);
    expect(thread).toEqual([expect.objectContaining({ user: APP_BOT })]);
    expect(thread[0]?.body).toContain('| command | what it does |');

    // Asked in a reply: GitHub takes replies only to the thread's first comment.
    const nested = reviewCommentOnPr(gh, '/claude help', 'alice', help.id);
    await deliver(companion.webhookUrl, 'pull_request_review_comment', nested.payload);
    const replies = [...gh.state.reviewComments.values()].filter((c) => c.user === APP_BOT);
    expect(replies.map((c) => c.in_reply_to_id)).toEqual([help.id, help.id]);
  });

  it('uses trigger_phrase and workflow from .github/claude-relay.yml', async () => {
    gh.state.addFile('.github/claude-relay.yml', 'trigger_phrase: /ai\nworkflow: relay.yml\n');
    gh.state.addWorkflow('relay.yml');
    const ignored = prComment(gh, '/claude review');
    await deliver(companion.webhookUrl, 'issue_comment', ignored.payload);
    const taken = prComment(gh, '/ai review');
    await deliver(companion.webhookUrl, 'issue_comment', taken.payload);

    expect(kinds(companion)).toEqual(['no_trigger', 'dispatched']);
    expect(gh.state.dispatches.map((d) => [d.workflow, d.inputs.comment_id])).toEqual([
      ['relay.yml', String(taken.id)],
    ]);
    expect(eyesOn(ignored.id)).toEqual([]);
  });
});

describe('webhook signatures', () => {
  it('refuses a bad signature with 4xx and calls nothing', async () => {
    const { payload } = prComment(gh, '/claude review');
    const calls = callsFrom();
    const res = await deliver(companion.webhookUrl, 'issue_comment', payload, { secret: 'not-the-secret' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(calls()).toEqual([]);
    expect(companion.outcomes).toEqual([]);
  });

  it('refuses a missing signature with 4xx and calls nothing', async () => {
    const { payload } = prComment(gh, '/claude review');
    const calls = callsFrom();
    const res = await deliver(companion.webhookUrl, 'issue_comment', payload, { signature: null });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(calls()).toEqual([]);
  });

  it('refuses a body changed after signing', async () => {
    const { payload } = prComment(gh, '/claude review');
    const { sign } = await import('@octokit/webhooks-methods');
    const signature = await sign('webhook-secret-for-tests', JSON.stringify(payload));
    const tampered = JSON.stringify({ ...payload, sender: { login: 'mallory', type: 'User' } });
    const calls = callsFrom();
    const res = await deliver(companion.webhookUrl, 'issue_comment', payload, { signature, body: tampered });
    expect(res.status).toBe(401);
    expect(calls()).toEqual([]);
  });

  it('answers 404 off the webhook path and 200 on /healthz', async () => {
    expect((await fetch(`${companion.url}/nope`)).status).toBe(404);
    const health = await fetch(`${companion.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('the gate', () => {
  it('ignores a bot sender silently', async () => {
    const { id, payload } = prComment(gh, '/claude review', 'renovate[bot]');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(eyesOn(id)).toEqual([]);
    expect(repliesOn(PR)).toEqual([]);
    expect(companion.outcomes[0]).toMatchObject({ kind: 'refused', detail: expect.stringContaining('bot') });
  });

  it('lets a bot listed in allowed_bots through', async () => {
    gh.state.addFile('.github/claude-relay.yml', 'allowed_bots: [renovate]\n');
    const { payload } = prComment(gh, '/claude review', 'renovate[bot]');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  it('refuses a read-only user quietly (no reaction, no reply, no dispatch)', async () => {
    const { id, payload } = prComment(gh, '/claude review', 'rory');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(eyesOn(id)).toEqual([]);
    expect(repliesOn(PR)).toEqual([]);
    expect(companion.outcomes[0]).toMatchObject({ kind: 'refused', detail: expect.stringContaining('read') });
  });

  it('lets a user listed in allowed_users through', async () => {
    gh.state.addFile('.github/claude-relay.yml', 'allowed_users: [rory]\n');
    const { payload } = prComment(gh, '/claude review', 'rory');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches.map((d) => d.inputs.requested_by)).toEqual(['rory']);
  });

  it('fails closed when the permission lookup fails', async () => {
    gh.failNext('GET', /\/collaborators\/alice\/permission$/, 1, { status: 404 });
    const { payload } = prComment(gh, '/claude review');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(companion.outcomes[0]).toMatchObject({
      kind: 'refused',
      detail: expect.stringContaining('could not verify'),
    });
  });

  it("ignores the App's own comments before any API call", async () => {
    const { payload } = prComment(gh, '/claude review\n\n(quoted by the relay)', APP_BOT);
    const calls = callsFrom();
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(kinds(companion)).toEqual(['own_comment']);
    expect(calls()).toEqual([]);
  });

  it('refuses an account type GitHub does not document, as the action does, before any API call', async () => {
    // alice has write access: reading the unknown type as a user would have dispatched a run.
    const { id, payload } = prComment(gh, '/claude review', 'alice', {
      patch: { sender: { login: 'alice', type: 'Enterprise' } },
    });
    const calls = callsFrom();
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(kinds(companion)).toEqual(['invalid']);
    expect(companion.outcomes[0]?.detail).toBe(
      'Malformed issue_comment payload: sender.type must be one of User, Bot, Organization, Mannequin',
    );
    expect(gh.state.dispatches).toEqual([]);
    expect(eyesOn(id)).toEqual([]);
    expect(calls()).toEqual([]);
  });

  it('never acts on edited comments (only .created is subscribed)', async () => {
    const { payload } = prComment(gh, '/claude review', 'alice', {
      patch: { action: 'edited', changes: { body: { from: 'typo' } } },
    });
    const calls = callsFrom();
    const res = await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(res.status).toBe(202);
    expect(companion.outcomes).toEqual([]);
    expect(calls()).toEqual([]);
  });

  it('ignores comments without the trigger and quoted or fenced triggers', async () => {
    for (const body of ['LGTM', '> /claude review', '```\n/claude review\n```', 'ask /claude review']) {
      await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, body).payload);
    }
    expect(kinds(companion)).toEqual(['no_trigger', 'no_trigger', 'no_trigger', 'no_trigger']);
    expect(gh.state.dispatches).toEqual([]);
    expect(gh.state.reactions).toEqual([]);
  });
});

describe('commands answered by the companion', () => {
  it('help replies with the command table', async () => {
    const { id, payload } = prComment(gh, '/claude help');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(eyesOn(id)).toHaveLength(1);
    expect(repliesOn(PR).map((c) => c.body)).toEqual([helpText('/claude')]);
    expect(gh.state.dispatches).toEqual([]);
  });

  it('cost adds up the relay-authored markers only', async () => {
    const marker = (run: string, cost: number, conclusion = 'success') =>
      `Done.\n\n${renderMarker({ v: 1, status: 'done', run_id: run, cost_usd: cost, conclusion, session_id: `s-${run}`, store: 'none' })}`;
    gh.state.addIssueComment({ issue_number: PR, body: marker('1001', 0.42), user: APP_BOT, via_app: true });
    gh.state.addIssueComment({
      issue_number: PR,
      body: marker('1002', 1.1, 'max_turns'),
      user: GITHUB_ACTIONS_BOT,
    });
    gh.state.addIssueComment({ issue_number: PR, body: marker('6666', 99), user: 'mallory' }); // forged
    const { payload } = prComment(gh, '/claude cost');
    await deliver(companion.webhookUrl, 'issue_comment', payload);

    const [reply] = repliesOn(PR).filter((c) => !c.body.startsWith('Done.'));
    expect(reply?.body).toContain('$1.52');
    expect(reply?.body).toContain('$0.42');
    expect(reply?.body).toContain('$1.10');
    expect(reply?.body).toContain('max_turns');
    expect(reply?.body).toContain('1001');
    expect(reply?.body).not.toContain('6666');
    expect(reply?.body).not.toContain('99');
    expect(companion.outcomes[0]).toMatchObject({ kind: 'cost', detail: 'total 1.52 over 2 runs' });
  });

  it("stop cancels this PR's queued and in-progress runs and says which", async () => {
    const running = gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1', command: 'review' } });
    const queued = gh.state.addRun({ status: 'queued', inputs: { pr_number: '1', command: 'fix x' } });
    const titled = gh.state.addRun({ status: 'pending', display_title: 'claude #1' });
    const otherPr = gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '12' } });
    const finished = gh.state.addRun({
      status: 'completed',
      conclusion: 'success',
      inputs: { pr_number: '1' },
    });
    const otherWorkflow = gh.state.addRun({
      status: 'in_progress',
      workflow: 'ci.yml',
      inputs: { pr_number: '1' },
    });
    gh.state.addWorkflow('ci.yml');

    const { payload } = prComment(gh, '/claude stop');
    await deliver(companion.webhookUrl, 'issue_comment', payload);

    const cancelled = gh
      .requestsTo('POST', /\/actions\/runs\/\d+\/cancel$/)
      .map((r) => Number(r.path.split('/')[6]));
    expect(cancelled.sort()).toEqual([running.id, queued.id, titled.id].sort());
    for (const r of [running, queued, titled]) expect(gh.state.runs.get(r.id)?.conclusion).toBe('cancelled');
    for (const r of [otherPr, finished, otherWorkflow])
      expect(gh.state.runs.get(r.id)?.conclusion).not.toBe('cancelled');
    const [reply] = repliesOn(PR);
    expect(reply?.body).toContain('Cancelled 3 runs');
    expect(reply?.body).toContain(`run ${running.id}`);
    expect(reply?.body).toContain('was in progress');
    expect(gh.state.dispatches).toEqual([]);
  });

  it('stop with nothing running says so', async () => {
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude stop').payload);
    expect(repliesOn(PR).map((c) => c.body)).toEqual([
      'Nothing to stop: no `claude.yml` run for this PR is queued or in progress.',
    ]);
  });
});

describe('dispatch problems are explained in a reply', () => {
  it('no workflow (404)', async () => {
    gh.state.workflows.clear();
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    expect(gh.state.dispatches).toEqual([]);
    const [reply] = repliesOn(PR);
    expect(reply?.body).toContain('Could not start the follow-up run');
    expect(reply?.body).toContain('no workflow `.github/workflows/claude.yml` on the default branch `main`');
    expect(companion.outcomes[0]).toMatchObject({ kind: 'dispatch_failed' });
  });

  it('no permission (403) and bad inputs (422)', async () => {
    gh.failNext('POST', /\/dispatches$/, 1, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    gh.failNext('POST', /\/dispatches$/, 1, {
      status: 422,
      body: { message: 'Unexpected inputs provided: ["comment_kind"]' },
    });
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude again').payload);
    const bodies = repliesOn(PR).map((c) => c.body);
    expect(bodies[0]).toContain('needs the **Actions: write** permission');
    expect(bodies[1]).toContain('does not declare every input');
    expect(bodies[1]).toContain('comment_kind');
  });

  it('a broken config', async () => {
    gh.state.addFile('.github/claude-relay.yml', 'workflow: "../evil"\ntrigger-phrase: /ai\n');
    const { id, payload } = prComment(gh, '/claude review');
    await deliver(companion.webhookUrl, 'issue_comment', payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(eyesOn(id)).toHaveLength(1);
    const [reply] = repliesOn(PR);
    expect(reply?.body).toContain('.github/claude-relay.yml');
    expect(reply?.body).toContain('`workflow`');
    expect(reply?.body).toContain('unknown key `trigger-phrase`');
  });

  it('config that is not YAML', async () => {
    gh.state.addFile('.github/claude-relay.yml', 'workflow: [unclosed\n');
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    expect(repliesOn(PR)[0]?.body).toContain('it is not valid YAML');
    expect(gh.state.dispatches).toEqual([]);
  });
});

describe('one run per PR', () => {
  it('dispatches behind a single running run without a word', async () => {
    gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1' } });
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(repliesOn(PR)).toEqual([]);
  });

  it('does not dispatch when one run is in progress and another is already waiting', async () => {
    const running = gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1' } });
    const waiting = gh.state.addRun({ status: 'pending', inputs: { pr_number: '1' } });
    gh.state.addRun({ status: 'queued', inputs: { pr_number: '7' } }); // another PR: irrelevant
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude fix it').payload);
    expect(gh.state.dispatches).toEqual([]);
    const [reply] = repliesOn(PR);
    expect(reply?.body).toContain('Not queued');
    expect(reply?.body).toContain(`run ${running.id}`);
    expect(reply?.body).toContain(`run ${waiting.id}`);
    expect(companion.outcomes[0]).toMatchObject({ kind: 'not_queued' });
  });

  it('still answers help/cost/stop while runs are queued', async () => {
    gh.state.addRun({ status: 'in_progress', inputs: { pr_number: '1' } });
    gh.state.addRun({ status: 'queued', inputs: { pr_number: '1' } });
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude help').payload);
    expect(kinds(companion)).toEqual(['help']);
  });
});

describe('failures', () => {
  it('forgets a delivery that failed before the claim, so a redelivery works', async () => {
    gh.failNext('GET', /\/contents\//, 1, { status: 403, body: { message: 'Forbidden' } });
    const { payload } = prComment(gh, '/claude review');
    const first = await deliver(companion.webhookUrl, 'issue_comment', payload);
    // Acknowledged at once (ack first), handled after: the failure is logged, not answered.
    expect(first.status).toBe(202);
    expect(gh.state.dispatches).toEqual([]);
    const again = await deliver(companion.webhookUrl, 'issue_comment', payload, { id: first.id });
    expect(again.status).toBe(202);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  it('replies when something fails after the claim', async () => {
    gh.failNext('GET', /\/pulls\/1$/, 1, { status: 404 });
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, '/claude review').payload);
    expect(gh.state.dispatches).toEqual([]);
    expect(repliesOn(PR)[0]?.body).toContain('could not handle this request');
    expect(companion.outcomes[0]).toMatchObject({ kind: 'failed' });
  });
});
