/** The companion's pure parts: config schema, dedupe LRU, run matching, queue rule, inputs, limits. */
import { ConfigCache, DEFAULT_CONFIG, loadRepoConfig, parseRepoConfig } from '../../src/companion/config';
import { Dedupe, LruSet } from '../../src/companion/dedupe';
import {
  commandText,
  dispatchInputs,
  explainDispatchError,
  queueDecision,
} from '../../src/companion/dispatch';
import { commentKey } from '../../src/companion/dedupe';
import { ProbotOctokit } from 'probot';
import { handleComment } from '../../src/companion/app';
import { PrLocks, reactionLock } from '../../src/companion/pr-lock';
import { EventError, parseEvent } from '../../src/event';
import { commentRequest, readCommentEvent, type CommentEvent } from '../../src/event/comments';
import { companionThrottle, isAckPath, priorityGroup, spacingGroup } from '../../src/companion/limits';
import { runMatches, type RunSummary } from '../../src/commands/runs';
import { apiBaseUrl, readCompanionEnv, startCompanionServer } from '../../src/companion/server';
import { findTrigger, parseCommandText } from '../../src/commands/parse';
import { AnsweringGate, MemoryQueue } from '../../src/companion/work-queue';
import { withoutApiLinks } from '../../src/companion/payload';
import { issueComment, reviewComment } from '../support/payloads';

describe('repo config', () => {
  it('defaults when there is no file', () => {
    expect(parseRepoConfig(null)).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG).toEqual({
      workflow: 'claude.yml',
      trigger_phrase: '/claude',
      allowed_bots: [],
      allowed_users: [],
    });
  });

  it('accepts lists or comma strings, workflow ids and paths', () => {
    const r = parseRepoConfig({
      workflow: '.github/workflows/relay.yaml',
      trigger_phrase: '@relay',
      allowed_bots: 'renovate, dependabot',
      allowed_users: ['octocat'],
    });
    expect(r).toEqual({
      ok: true,
      config: {
        workflow: 'relay.yaml',
        trigger_phrase: '@relay',
        allowed_bots: ['renovate', 'dependabot'],
        allowed_users: ['octocat'],
      },
    });
    expect(parseRepoConfig({ workflow: 1234 })).toMatchObject({ ok: true, config: { workflow: '1234' } });
  });

  it('says what is wrong, and keeps a readable phrase', () => {
    const r = parseRepoConfig({ workflow: '../x', trigger_phrase: '/ai', allowed_bots: [1], extra: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.phrase).toBe('/ai');
    expect(r.error).toContain('`workflow`');
    expect(r.error).toContain('`allowed_bots`: must be a list of account names');
    expect(r.error).toContain('unknown key `extra`');
    expect(parseRepoConfig(['a'])).toMatchObject({ ok: false, phrase: '/claude' });
    expect(parseRepoConfig({ trigger_phrase: 'two words' })).toMatchObject({ ok: false, phrase: '/claude' });
  });

  it('reports YAML errors but rethrows API errors', async () => {
    const yamlError = new Error(
      '[@probot/octokit-plugin-config] Configuration could not be parsed from x (invalid YAML)',
    );
    await expect(loadRepoConfig(() => Promise.reject(yamlError))).resolves.toEqual({
      ok: false,
      error: 'it is not valid YAML',
      phrase: '/claude',
    });
    const apiError = Object.assign(new Error('Server Error'), { status: 502 });
    await expect(loadRepoConfig(() => Promise.reject(apiError))).rejects.toBe(apiError);
  });
});

describe('config cache', () => {
  it('shares concurrent reads, reuses a result for the TTL, and never keeps a failure', async () => {
    let now = 0;
    const cache = new ConfigCache(1000, 10, () => now);
    let loads = 0;
    const ok = () => {
      loads++;
      return Promise.resolve(parseRepoConfig(null));
    };
    await Promise.all([cache.get('a', ok), cache.get('a', ok), cache.get('a', ok)]);
    expect(loads).toBe(1);
    now = 999;
    await cache.get('a', ok);
    expect(loads).toBe(1);
    now = 1001;
    await cache.get('a', ok);
    expect(loads).toBe(2);

    const boom = Object.assign(new Error('Server Error'), { status: 502 });
    await expect(cache.get('b', () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(cache.get('b', ok)).resolves.toMatchObject({ ok: true });
  });
});

describe('dedupe', () => {
  it('LruSet evicts the least recently used and expires entries', () => {
    let now = 0;
    const lru = new LruSet(2, 100, () => now);
    lru.add('a');
    lru.add('b');
    lru.add('a'); // refresh a
    lru.add('c'); // evicts b
    expect([lru.has('a'), lru.has('b'), lru.has('c')]).toEqual([true, false, true]);
    now = 150;
    expect(lru.has('a')).toBe(false);
  });

  it('remembers deliveries, and forgets one on request', () => {
    const d = new Dedupe({ size: 10 });
    expect(d.beginDelivery('x')).toBe(true);
    expect(d.beginDelivery('x')).toBe(false);
    d.forgetDelivery('x');
    expect(d.beginDelivery('x')).toBe(true);
    expect(d.beginDelivery('')).toBe(false);
  });
});

const prEvent = (body: string): CommentEvent => {
  const ev = readCommentEvent(
    'issue_comment',
    issueComment(
      body,
      {
        sender: { login: 'alice', type: 'User' },
        comment: { id: 77, user: { login: 'alice', type: 'User' } },
      },
      { onPullRequest: true },
    ),
  );
  if ('invalid' in ev) throw new Error(ev.invalid);
  return ev;
};

describe('events and inputs', () => {
  it('normalises both comment events', () => {
    const ev = prEvent('/claude review');
    expect(ev).toMatchObject({
      eventName: 'issue_comment',
      owner: 'octo-org',
      repo: 'octo-repo',
      target: { kind: 'pull_request' },
      comment: { id: 77, kind: 'issue_comment', authorLogin: 'alice' },
      authorType: 'User',
      actor: { login: 'alice', type: 'User' },
      defaultBranch: expect.any(String),
    });
    const review = readCommentEvent(
      'pull_request_review_comment',
      reviewComment('/claude fix x', { comment: { in_reply_to_id: 5 } }),
    );
    expect(review).toMatchObject({
      comment: { kind: 'review_comment', threadId: 5 },
      target: { kind: 'pull_request' },
    });
    expect(readCommentEvent('issue_comment', { nope: 1 })).toHaveProperty('invalid');
    expect(commentKey(ev)).toBe('octo-org/octo-repo:issue_comment:77');
    expect(commentRequest(ev, { name: 'review', text: '' })).toMatchObject({
      actor: { login: 'alice', type: 'User' },
      comment: { id: 77, kind: 'issue_comment', authorLogin: 'alice' },
      trigger: 'comment',
    });
  });

  it('an account type GitHub does not document: both surfaces refuse it with the same line', async () => {
    // The companion used to read any unknown type as a user, so a write-access account of a new
    // type would have been let through; the action refused it. Now both read the payload alike.
    const p = issueComment(
      '/claude review',
      {
        sender: { login: 'alice', type: 'Enterprise' },
        comment: { id: 78, user: { login: 'alice', type: 'Enterprise' } },
      },
      { onPullRequest: true },
    );
    const line =
      'Malformed issue_comment payload: sender.type must be one of User, Bot, Organization, Mannequin';
    expect(() => parseEvent('issue_comment', p, { triggerPhrase: '/claude' })).toThrow(EventError);
    expect(() => parseEvent('issue_comment', p, { triggerPhrase: '/claude' })).toThrow(line);
    expect(readCommentEvent('issue_comment', p)).toEqual({ invalid: line });

    // The companion's handler stops there: no login lookup, no config read, no API call.
    const notReached = () => Promise.reject(new Error('not reached'));
    const outcome = await handleComment(
      {
        name: 'issue_comment',
        id: 'delivery-1',
        payload: p,
        octokit: new ProbotOctokit({ request: { fetch: notReached } }),
        log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
        config: notReached,
      },
      {
        dedupe: new Dedupe(),
        selfLogin: notReached,
        configs: new ConfigCache(),
        locks: new PrLocks(reactionLock()),
      },
    );
    expect(outcome).toEqual({ kind: 'invalid', delivery: 'delivery-1', detail: line });
  });

  it('the command input reads back to the same command in the action', () => {
    for (const body of [
      '/claude review focus on auth',
      '/claude fix the typo\nand the other one',
      '/claude what is this?',
      '/claude new start over',
      '/claude',
    ]) {
      const parsed = findTrigger(body, '/claude');
      if (!parsed) throw new Error(body);
      expect(parseCommandText(commandText(parsed))).toEqual(parsed);
    }
  });

  it('dispatch inputs are strings, with the number of the right kind', () => {
    const ev = prEvent('/claude review');
    expect(dispatchInputs(ev, { name: 'review', text: 'auth' }, 'a'.repeat(40))).toEqual({
      command: 'review auth',
      pr_number: String(ev.target.number),
      comment_id: '77',
      head_sha: 'a'.repeat(40),
      requested_by: 'alice',
    });
  });

  it('explains dispatch errors in words', () => {
    expect(explainDispatchError(404, 'Not Found', 'claude.yml', 'main')).toContain('no workflow');
    expect(
      explainDispatchError(403, 'Resource not accessible by integration', 'claude.yml', 'main'),
    ).toContain('Actions: write');
    expect(
      explainDispatchError(422, "Workflow does not have 'workflow_dispatch' trigger", 'claude.yml', 'main'),
    ).toContain('add a `workflow_dispatch` trigger');
    expect(explainDispatchError(502, 'Bad Gateway', 'claude.yml', 'main')).toContain('HTTP 502');
  });
});

describe('runs of one PR', () => {
  const pr = { kind: 'pull_request' as const, number: 12 };
  it('matches inputs, pull_requests, then a display title ending in #N', () => {
    expect(runMatches({ id: 1, inputs: { pr_number: '12' } }, pr)).toBe(true);
    expect(runMatches({ id: 1, inputs: { pr_number: '120' } }, pr)).toBe(false);
    expect(runMatches({ id: 1, inputs: { issue_number: '12' } }, pr)).toBe(true);
    expect(runMatches({ id: 1, pull_requests: [{ number: 12 }] }, pr)).toBe(true);
    expect(runMatches({ id: 1, pull_requests: [{ number: 3 }], display_title: 'claude #12' }, pr)).toBe(
      false,
    );
    expect(runMatches({ id: 1, display_title: 'claude #12' }, pr)).toBe(true);
    expect(runMatches({ id: 1, display_title: 'claude #123' }, pr)).toBe(false);
    expect(runMatches({ id: 1, display_title: 'Fix crash (#12)' }, pr)).toBe(false);
    expect(runMatches({ id: 1, display_title: 'Claude' }, pr)).toBe(false);
  });

  const run = (id: number, status: string): RunSummary => ({
    id,
    status,
    htmlUrl: '',
    displayTitle: '',
    createdAt: `2026-01-01T00:00:0${id}Z`,
  });
  it('dispatches behind at most one unfinished run', () => {
    expect(queueDecision([])).toEqual({ dispatch: true });
    expect(queueDecision([run(1, 'in_progress')])).toEqual({ dispatch: true });
    expect(queueDecision([run(1, 'queued')])).toEqual({ dispatch: true });
    expect(queueDecision([run(1, 'in_progress'), run(2, 'pending')])).toMatchObject({
      dispatch: false,
      running: { id: 1 },
      waiting: { id: 2 },
    });
    expect(queueDecision([run(1, 'queued'), run(2, 'in_progress'), run(3, 'pending')])).toMatchObject({
      dispatch: false,
      running: { id: 2 },
      waiting: { id: 3 },
    });
  });
});

describe('write pacing', () => {
  it('never holds back reactions; spaces other writes', () => {
    const t = companionThrottle(1000) as { triggersNotification: (p: string) => boolean };
    expect(t.triggersNotification('/repos/o/r/issues/comments/1/reactions')).toBe(false);
    expect(t.triggersNotification('/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions')).toBe(false);
    expect(t.triggersNotification('/repos/o/r/actions/workflows/claude.yml/dispatches')).toBe(true);
    expect(t.triggersNotification('/repos/o/r/issues/1/comments')).toBe(true);
  });

  it('knows the requests on the way to the 👀', () => {
    const ack = (method: string, url: string) => isAckPath({ method, url });
    expect(ack('GET', '/app')).toBe(true);
    expect(ack('GET', 'http://127.0.0.1:9/api/v3/app')).toBe(true);
    expect(ack('GET', '/repos/{owner}/{repo}/contents/{path}')).toBe(true);
    expect(ack('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission')).toBe(true);
    expect(ack('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions')).toBe(true);
    expect(ack('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs')).toBe(false);
    expect(ack('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches')).toBe(false);
    expect(ack('GET', '/repos/{owner}/{repo}/pulls/{pull_number}')).toBe(false);
  });

  it('priorityGroup caps concurrency per key and starts acknowledgement requests first', async () => {
    const group = priorityGroup(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const job = (name: string) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(name);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    };
    const runs = { method: 'GET', url: '/repos/{owner}/{repo}/actions/runs' };
    const eyes = { method: 'POST', url: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions' };
    const all = [
      group.key('1').schedule({}, job('runs-1'), runs),
      group.key('1').schedule({}, job('runs-2'), runs),
      group.key('1').schedule({}, job('runs-3'), runs),
      group.key('1').schedule({}, job('eyes'), eyes),
      group.key('2').schedule({}, job('other-installation'), runs),
    ];
    for (let i = 0; i < 10 && order.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      gates.shift()?.();
    }
    while (gates.length > 0) gates.shift()?.();
    await Promise.all(all);
    expect(order.slice(0, 3)).toEqual(['runs-1', 'runs-2', 'other-installation']);
    expect(order.indexOf('eyes')).toBeLessThan(order.indexOf('runs-3'));
    expect(peak).toBeLessThanOrEqual(3); // 2 for installation 1, 1 for installation 2
  });

  it('spacingGroup starts jobs of one key minTime apart, other keys and retries at once', async () => {
    const group = spacingGroup(40);
    const starts: Array<[string, number]> = [];
    const job = (name: string) => () => starts.push([name, performance.now()]);
    const t0 = performance.now();
    await Promise.all([
      group.key('1').schedule({}, job('a')),
      group.key('1').schedule({}, job('b')),
      group.key('2').schedule({}, job('c')),
      group.key('1').schedule({ weight: 0 }, job('retry')),
    ]);
    const at = Object.fromEntries(starts.map(([n, t]) => [n, t - t0]));
    expect(at.b! - at.a!).toBeGreaterThanOrEqual(35);
    expect(at.c!).toBeLessThan(at.b!);
    expect(at.retry!).toBeLessThan(at.b!);
  });
});

describe('environment', () => {
  const base = { APP_ID: '1', PRIVATE_KEY: 'pem', WEBHOOK_SECRET: 's' };
  it('applies defaults and builds the GHES API URL', () => {
    const env = readCompanionEnv(base);
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      WEBHOOK_PATH: '/api/github/webhooks',
      LOG_LEVEL: 'info',
    });
    expect(apiBaseUrl(env)).toBe('https://api.github.com');
    expect(apiBaseUrl(readCompanionEnv({ ...base, GHE_HOST: 'ghe.corp:8443' }))).toBe(
      'https://ghe.corp:8443/api/v3',
    );
    expect(apiBaseUrl(readCompanionEnv({ ...base, GHE_HOST: '127.0.0.1:9', GHE_PROTOCOL: 'http' }))).toBe(
      'http://127.0.0.1:9/api/v3',
    );
  });

  it('says when the private key cannot be read', async () => {
    await expect(
      startCompanionServer({ env: { ...base, PRIVATE_KEY: 'not a key' }, port: 0, host: '127.0.0.1' }),
    ).rejects.toThrow(/private key could not be read/);
  });

  it('lists every problem', () => {
    expect(() => readCompanionEnv({ GHE_HOST: 'https://ghe.corp' })).toThrow(/APP_ID[\s\S]*WEBHOOK_SECRET/);
    expect(() => readCompanionEnv({ ...base, PRIVATE_KEY: undefined })).toThrow(/PRIVATE_KEY_PATH/);
    expect(() => readCompanionEnv({ ...base, GHE_HOST: 'https://ghe.corp' })).toThrow(/GHE_HOST/);
  });
});

describe('work while deliveries are being answered', () => {
  it('holds the work while answering and starts it all once the answers are done', async () => {
    const started: string[] = [];
    const finish: (() => void)[] = [];
    const queue = new MemoryQueue(async (d) => {
      started.push(d.id);
      await new Promise<void>((resolve) => finish.push(resolve));
    }, 4);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    queue.setAnswering(true);
    for (const id of ['a', 'b', 'c']) await queue.add({ id, name: 'issue_comment', payload: {} });
    await tick();
    expect(started).toEqual([]);
    queue.setAnswering(false);
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    for (const resolve of finish) resolve();
    await queue.idle();
  });

  it('answers that never pause hold a handler at most maxHoldMs, then leave the work as much time again', async () => {
    const started = new Map<string, number>();
    const t0 = Date.now();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const queue = new MemoryQueue(
      async (d) => {
        started.set(d.id, Date.now() - t0);
        await sleep(240);
      },
      4,
      400,
    );
    queue.setAnswering(true);
    for (const id of ['a', 'b', 'c', 'd']) await queue.add({ id, name: 'issue_comment', payload: {} });
    await sleep(300);
    expect([...started.keys()]).toEqual([]);
    // The hold runs out at 400 ms and opens the gate until 800 ms: a starts (one at a time while
    // answering), then b once a is done (about 640 ms).
    await sleep(460);
    expect([...started.keys()]).toEqual(['a', 'b']);
    expect(started.get('a')).toBeGreaterThanOrEqual(390);
    // b ends about 880 ms, after the window closed: c is held again (until 1,280 ms at most) ...
    await sleep(340);
    expect([...started.keys()]).toEqual(['a', 'b']);
    // ... or until the answers are done.
    queue.setAnswering(false);
    await queue.idle();
    expect([...started.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(started.get('c')).toBeLessThan(1250);
  });

  it('AnsweringGate: passes at once while nobody is answering, and releases every hold when answering stops', async () => {
    const gate = new AnsweringGate(60_000);
    await gate.pass();
    gate.set(true);
    let released = 0;
    const holds = [gate.pass(), gate.pass()].map((p) => p.then(() => released++));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(released).toBe(0);
    gate.set(false);
    await Promise.all(holds);
    expect(released).toBe(2);
  });

  it('queues a payload without its API links, keeping html_url and everything else', () => {
    const payload = issueComment('/claude review', {}, { onPullRequest: true });
    const kept = withoutApiLinks(payload) as typeof payload;
    const text = JSON.stringify(kept);
    expect(text).not.toMatch(/"(?!html_url")(url|\w+_url)":"/);
    expect(text).toContain('"html_url":"https://github.com/');
    expect(text.length).toBeLessThan(JSON.stringify(payload).length / 2);
    const before = readCommentEvent('issue_comment', payload);
    expect(readCommentEvent('issue_comment', kept)).toEqual(before);
  });
});
