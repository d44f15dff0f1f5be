/**
 * Every way a run can end badly ends with ONE relay comment that says so in words with the cost
 * spent, and the matching `conclusion` output: the turn cap, the cost cap, the time limit, a
 * cancelled job, a crashed or killed CLI, Anthropic API errors. GitHub hiccups (a 502 on the
 * comment POST, a 429 on a read) are retried and leave no trace in the thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueComment } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';
import { isMainLoop, type Script, type Turn } from '../support/fake-anthropic';
import type { RunOptions, RunResult } from '../support/runner';

let sc: Scenario;
afterEach(async () => sc?.close());

/** Main-loop turns from `main`, side calls (titles, summaries) answered briefly. */
const mainLoop =
  (main: (index: number) => Turn): Script =>
  (req, ctx) =>
    isMainLoop(req) ? main(ctx.mainIndex) : { text: 'title' };

/** A model turn slower than any bound below: a run that ends sooner was stopped, not finished. */
const SLOW_TURN_MS = 100_000;
/**
 * The CLI's default retry policy (10 retries, backoff up to ~30 s each) takes minutes; a run over
 * well before that used the capped retries. Not a speed target: generous for a loaded machine.
 */
const RETRIES_GAVE_UP_MS = 75_000;
const globForever: Turn = { text: 'Looking around.', toolUses: [{ name: 'Glob', input: { pattern: '*' } }] };

async function runOnPr(
  script: Script,
  extra: Partial<Omit<RunOptions, 'apiUrl' | 'anthropicUrl'>> = {},
): Promise<RunResult> {
  sc = await startScenario(script);
  seedPullRequest(sc.github, { number: 1 });
  const trigger = sc.github.state.addIssueComment({
    issue_number: 1,
    user: 'Codertocat',
    body: '/claude look at this',
  });
  return sc.run({
    eventName: 'issue_comment',
    payload: issueComment('/claude look at this', { comment: { id: trigger.id } }, { onPullRequest: true }),
    ...extra,
  });
}

/** The relay's comments on PR #1. */
function relayComments() {
  return sc.github.state.commentsOf(REPO, 1).filter((c) => c.user === 'github-actions[bot]');
}

/**
 * Exactly one relay comment, in its final form, that says `words` and what was spent; the
 * outputs carry `conclusion` and the same cost; no stack trace anywhere.
 */
function expectOneFinalComment(res: RunResult, conclusion: string, words: RegExp): string {
  const comments = relayComments();
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body).toMatch(words);
  expect(body).not.toContain('Claude is working on this');
  expect(body).toMatch(/Cost so far: ≈?\$\d+\.\d{2,4}\./);
  expect(body).toMatch(/<sub>≈?\$\d+\.\d{2,4} · \d+ turns? · /);
  expect(body).toContain(`"conclusion":"${conclusion}"`);
  expect(res.outputs.conclusion).toBe(conclusion);
  expect(res.outputs.cost_usd).toMatch(/^\d+\.\d{6}$/);
  expect(res.outputs.comment_url).toContain(`#issuecomment-${comments[0]!.id}`);
  expect(res.outputs.result).not.toBe('');
  expect(res.log + res.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  return body;
}

/** The `::error::` / `::warning::` lines of the log. */
const annotations = (res: RunResult, kind: 'error' | 'warning') =>
  res.lines.filter((l) => l.text.startsWith(`::${kind}::`)).map((l) => l.text);

describe('agent limits', () => {
  it('max_turns: a model that keeps calling tools stops at the cap', async () => {
    const res = await runOnPr(
      mainLoop(() => globForever),
      { inputs: { max_turns: '1' } },
    );
    const body = expectOneFinalComment(res, 'max_turns', /turn limit/);
    expect(body).toContain('max_turns');
    expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
    expect(res.exitCode).toBe(0);
    expect(annotations(res, 'warning').some((l) => l.includes('max_turns'))).toBe(true);
  });

  it('budget_exceeded: large usage against max_budget_usd 0.01', async () => {
    const res = await runOnPr(
      mainLoop(() => ({ ...globForever, usage: { input_tokens: 900_000, output_tokens: 50_000 } })),
      { inputs: { max_budget_usd: '0.01' } },
    );
    const body = expectOneFinalComment(res, 'budget_exceeded', /cost limit/);
    expect(body).toContain('max_budget_usd');
    expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0.01);
    expect(res.exitCode).toBe(0);
  });

  it('timeout: a slow model turn is stopped at timeout_minutes and reported', async () => {
    const res = await runOnPr(
      // 15 s leaves room for the first turn on a loaded machine; the second turn would take 100 s.
      mainLoop((i) => (i === 0 ? globForever : { text: 'late', delayMs: SLOW_TURN_MS })),
      { inputs: { timeout_minutes: '0.25' } },
    );
    expectOneFinalComment(res, 'timeout', /time limit/);
    expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
    expect(res.exitCode).toBe(1);
    expect(annotations(res, 'error')).toHaveLength(1);
    // Stopped by the time limit, not by the slow turn finishing.
    expect(res.durationMs).toBeLessThan(SLOW_TURN_MS);
  });

  it('cancelled: SIGTERM while the agent works stops it and reports the cost so far', async () => {
    let sent = false;
    const res = await runOnPr(
      mainLoop((i) => (i === 0 ? globForever : { text: 'late', delayMs: SLOW_TURN_MS })),
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            // The second model call is the slow one: the agent is working.
            if (!sent && sc.model.mainRequests().length >= 2) {
              sent = true;
              child.kill('SIGTERM');
            }
          }, 50);
          child.on('exit', () => clearInterval(timer));
        },
      },
    );
    expect(sent).toBe(true);
    expectOneFinalComment(res, 'cancelled', /Cancelled/);
    expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
    expect(res.exitCode).toBe(1);
    expect(res.signal).toBeNull();
    expect(res.durationMs).toBeLessThan(SLOW_TURN_MS);
  });
});

describe('the CLI itself fails', () => {
  function script(name: string, text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-fake-cli-'));
    const p = path.join(dir, name);
    fs.writeFileSync(p, text, { mode: 0o755 });
    return p;
  }

  it('a CLI that exits 1: failure, said in words', async () => {
    const cli = script('claude', '#!/bin/sh\necho "boom: something broke" >&2\nexit 1\n');
    const res = await runOnPr(
      mainLoop(() => ({ text: 'never' })),
      { inputs: { claude_code_path: cli } },
    );
    const body = expectOneFinalComment(res, 'failure', /The agent run failed|Claude Code CLI/);
    expect(body).toMatch(/exited with code 1|failed/);
    expect(sc.model.requests).toHaveLength(0);
    expect(res.exitCode).toBe(1);
    expect(annotations(res, 'error')).toHaveLength(1);
  });

  it('a CLI killed by a signal: failure, said in words', async () => {
    const cli = script('claude', '#!/bin/sh\nkill -9 $$\n');
    const res = await runOnPr(
      mainLoop(() => ({ text: 'never' })),
      { inputs: { claude_code_path: cli } },
    );
    const body = expectOneFinalComment(res, 'failure', /The agent run failed|Claude Code CLI/);
    expect(body).toMatch(/SIGKILL|signal|terminated|killed|exited/i);
    expect(res.exitCode).toBe(1);
    expect(annotations(res, 'error')).toHaveLength(1);
  });
});

describe('Anthropic API errors', () => {
  it('401: a clear credentials message, without minutes of retries', async () => {
    const res = await runOnPr(
      mainLoop(() => ({
        error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
      })),
    );
    const body = expectOneFinalComment(res, 'failure', /The agent run failed/);
    expect(body).toContain('rejected the credentials (401)');
    expect(body).toContain('anthropic_api_key');
    // The CLI resends a 401 once by design; the relay stops at its next retry.
    expect(sc.model.mainRequests().length).toBeLessThanOrEqual(3);
    expect(res.exitCode).toBe(1);
    expect(annotations(res, 'error')).toHaveLength(1);
    expect(res.durationMs).toBeLessThan(RETRIES_GAVE_UP_MS);
  });

  it('529: the CLI retries, then gives up; the run ends as a failure', async () => {
    const res = await runOnPr(
      mainLoop(() => ({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } })),
    );
    const body = expectOneFinalComment(res, 'failure', /The agent run failed/);
    expect(body).toMatch(/529|overloaded/i);
    expect(sc.model.mainRequests().length).toBeGreaterThanOrEqual(2);
    expect(res.log).toMatch(/Anthropic API 529: retry 1\//);
    expect(res.exitCode).toBe(1);
    expect(res.durationMs).toBeLessThan(RETRIES_GAVE_UP_MS);
  });

  it('429: CLAUDE_CODE_MAX_RETRIES reaches the CLI; one retry, then a failure', async () => {
    const res = await runOnPr(
      mainLoop(() => ({
        error: {
          status: 429,
          type: 'rate_limit_error',
          message: 'Number of requests exceeded your rate limit',
        },
      })),
      { env: { CLAUDE_CODE_MAX_RETRIES: '1' } },
    );
    const body = expectOneFinalComment(res, 'failure', /The agent run failed/);
    expect(body).toMatch(/rate limit \(429\)/);
    expect(sc.model.mainRequests()).toHaveLength(2);
    expect(res.log).toContain('Anthropic API 429: retry 1/1');
    expect(res.exitCode).toBe(1);
    expect(res.durationMs).toBeLessThan(RETRIES_GAVE_UP_MS);
  });
});

describe('GitHub API hiccups', () => {
  it('a 502 on the comment POST and a 429 on a read are retried; the comment appears once', async () => {
    sc = await startScenario(mainLoop(() => ({ text: 'All good.' })));
    seedPullRequest(sc.github, { number: 1 });
    const trigger = sc.github.state.addIssueComment({
      issue_number: 1,
      user: 'Codertocat',
      body: '/claude check',
    });
    sc.github.failNext('POST', /\/issues\/\d+\/comments$/, 1, { status: 502 });
    sc.github.failNext('GET', /\/pulls\/1\/files$/, 1, { status: 429, retryAfter: 1 });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude check', { comment: { id: trigger.id } }, { onPullRequest: true }),
    });
    expect(res.exitCode).toBe(0);
    expect(res.outputs.conclusion).toBe('success');
    const posts = sc.github.requestsTo('POST', /\/issues\/1\/comments$/);
    expect(posts.map((r) => r.status)).toEqual([502, 201]);
    const reads = sc.github.requestsTo('GET', /\/pulls\/1\/files$/);
    expect(reads.map((r) => r.status)).toEqual([429, 200]);
    const comments = relayComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('All good.');
    expect(res.outputs.comment_url).toContain(`#issuecomment-${comments[0]!.id}`);
  });
});

describe('bad input: one ::error:: line, exit 1, no stack trace, nothing sent', () => {
  function expectCleanError(res: RunResult, says: RegExp): void {
    expect(res.exitCode).toBe(1);
    const errors = annotations(res, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(says);
    expect(res.log + res.stderr).not.toMatch(/^\s+at /m);
    expect(res.stderr).toBe('');
    expect(sc.model.requests).toHaveLength(0);
    expect(sc.github.requestsTo('POST', /.*/)).toHaveLength(0);
    expect(sc.github.requestsTo('PATCH', /.*/)).toHaveLength(0);
  }

  it('an event payload that is not JSON', async () => {
    sc = await startScenario();
    const res = await sc.run({ eventName: 'issue_comment', payload: '{"action": "created", "comment": {' });
    expectCleanError(res, /^::error::The event payload at .+ is not valid JSON$/);
  });

  it('an issue_comment whose comment.body is a number', async () => {
    sc = await startScenario();
    seedPullRequest(sc.github, { number: 1 });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude hi', { comment: { body: 42 } }, { onPullRequest: true }),
    });
    expectCleanError(
      res,
      /^::error::Malformed issue_comment payload: comment\.body must be string, got number$/,
    );
    expect(sc.github.requests).toHaveLength(0);
  });

  it('no API key: an error naming the input, before any GitHub or model request', async () => {
    sc = await startScenario();
    seedPullRequest(sc.github, { number: 1 });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude hi', {}, { onPullRequest: true }),
      inputs: { anthropic_api_key: '' },
    });
    expectCleanError(res, /^::error::.*anthropic_api_key/);
    expect(sc.github.requests).toHaveLength(0);
  });
});
