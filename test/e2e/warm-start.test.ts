/**
 * The CLI parked while the gate and context calls run (dist, real CLI): a fresh PR's turn claims
 * it and still gets the run's own relay tools and tool policy; options that differ from the
 * prediction, and a claim the CLI refuses, start the CLI afresh; a denied request leaves no CLI
 * process behind.
 */
import fs from 'node:fs';
import {
  assistantTurns,
  isMainLoop,
  lastToolResults,
  type MessagesRequest,
  type Turn,
} from '../support/fake-anthropic';
import { prOpened, sender } from '../support/payloads';
import { makeWorkspace } from '../support/runner';
import { itWithSandbox } from '../support/sandbox';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

function play(turns: Turn[], seen: { text: string; is_error: boolean }[]) {
  return (req: MessagesRequest) => {
    if (!isMainLoop(req)) return { text: 'title' };
    seen.push(...lastToolResults(req));
    return turns[assistantTurns(req)] ?? { text: 'Reviewed.' };
  };
}

/** Processes whose environment names this run's temp folder (the CLI's HOME lives there). */
function processesOf(runnerTemp: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(runnerTemp)) pids.push(Number(pid));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

it('a fresh PR claims the parked CLI, which calls the run’s own relay tools and policy', async () => {
  const seen: { text: string; is_error: boolean }[] = [];
  const ws = makeWorkspace();
  sc = await startScenario(
    play(
      [
        { toolUses: [{ name: 'mcp__relay__list_changed_files', input: {} }] },
        { toolUses: [{ name: 'Read', input: { file_path: '/etc/hostname' } }] },
      ],
      seen,
    ),
  );
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), workspace: ws });
  expect([res.exitCode, res.log]).toEqual([0, res.log]);
  expect(res.log).toContain('Claimed the parked CLI');
  // The relay tool answered from the PR the run fetched (the stand-in forwarded the call).
  expect(seen[0]).toMatchObject({ is_error: false });
  expect(seen[0]!.text).toContain('src/app.ts');
  // The run's own policy judged the calls (through the forwarded hook): a read outside the
  // checkout is denied, with the policy's reason as the tool error.
  expect(res.log).toMatch(/⚖ allowed mcp__relay__list_changed_files .*via hook/);
  expect(res.log).toMatch(/⚖ denied Read \/etc\/hostname/);
  expect(seen[1]!.is_error).toBe(true);
  expect(sc.github.state.commentsOf(REPO, 2).some((c) => c.body.includes('Reviewed.'))).toBe(true);
  expect(processesOf(res.runnerTemp)).toEqual([]);
});

it('a run whose options differ from the prediction starts the CLI afresh', async () => {
  sc = await startScenario(play([], []));
  seedPullRequest(sc.github, { number: 2 });
  // pr_budget_usd below max_budget_usd lowers this run's cap: the CLI must start with it.
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    inputs: { pr_budget_usd: '1' },
  });
  expect([res.exitCode, res.log]).toEqual([0, res.log]);
  expect(res.log).toMatch(/Parked CLI not used: its options differ \(maxBudgetUsd\)/);
  expect(res.log).not.toContain('Claimed the parked CLI');
  expect(sc.model.mainRequests()).toHaveLength(1);
  expect(sc.github.state.commentsOf(REPO, 2).some((c) => c.body.includes('Reviewed.'))).toBe(true);
  expect(processesOf(res.runnerTemp)).toEqual([]);
});

it('a claim the CLI refuses (project settings that set env) runs the prompt once, on a fresh CLI', async () => {
  sc = await startScenario(play([], []));
  seedPullRequest(sc.github, { number: 2 });
  const ws = makeWorkspace({
    'README.md': '# octo-repo\n',
    '.claude/settings.json': JSON.stringify({ env: { RELAY_PROJECT_ENV: '1' } }),
  });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), workspace: ws });
  expect([res.exitCode, res.log]).toEqual([0, res.log]);
  expect(res.log).toMatch(/The parked CLI refused the claim \(\S+/);
  expect(sc.model.mainRequests()).toHaveLength(1);
  expect(sc.github.state.commentsOf(REPO, 2).some((c) => c.body.includes('Reviewed.'))).toBe(true);
});

it('a denied request discards the parked CLI: no process or folder is left', async () => {
  sc = await startScenario(play([], []));
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(sender('reader')),
  });
  expect([res.exitCode, res.log]).toEqual([0, res.log]);
  expect(res.outputs.conclusion).toBe('skipped');
  expect(sc.model.mainRequests()).toHaveLength(0);
  expect(processesOf(res.runnerTemp)).toEqual([]);
  // The folder made for the parked CLI (its home and config) is gone too.
  expect(fs.readdirSync(res.runnerTemp).filter((d) => d.startsWith('claude-relay-'))).toEqual([]);
});

itWithSandbox(
  'with sandboxed commands no CLI is parked (Claude Code refuses to), and the run says why only in debug',
  async () => {
    const seen: { text: string; is_error: boolean }[] = [];
    sc = await startScenario(play([{ toolUses: [{ name: 'Bash', input: { command: 'ls' } }] }], seen));
    seedPullRequest(sc.github, { number: 2 });
    const res = await sc.run({
      eventName: 'pull_request',
      payload: prOpened(),
      inputs: { tool_policy: 'edit', allowed_bash: 'ls' },
      env: { RUNNER_DEBUG: '1' },
    });
    expect([res.exitCode, res.log]).toEqual([0, res.log]);
    expect(res.log).toMatch(/commands sandboxed \(network: none\)/);
    expect(res.log).toContain(
      '::debug::claude-relay: no parked CLI (commands are sandboxed with a scrubbed environment',
    );
    // No CLI was started to be turned away: its refusal is not in the log.
    expect(res.log).not.toMatch(/Parked CLI did not start|await-claim/);
    expect(seen).toEqual([expect.objectContaining({ is_error: false })]);
  },
  120_000,
);

it('CLAUDE_RELAY_NO_PARKED_CLI=1 starts the CLI only when the prompt is ready', async () => {
  sc = await startScenario(play([], []));
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    env: { CLAUDE_RELAY_NO_PARKED_CLI: '1' },
  });
  expect([res.exitCode, res.log]).toEqual([0, res.log]);
  expect(res.log).toContain('no parked CLI (CLAUDE_RELAY_NO_PARKED_CLI=1)');
  expect(res.log).not.toMatch(/Claimed the parked CLI|Parked CLI not used/);
  expect(sc.model.mainRequests()).toHaveLength(1);
});
