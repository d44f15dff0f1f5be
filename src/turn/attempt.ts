/**
 * The agent's attempt at the request. Never throws: whatever happens (including not starting at
 * all) ends as an outcome the report stage can tell people about.
 */
import * as core from '@actions/core';
import type { AgentOutcome } from '../agent/outcome';
import { runAgent } from '../agent/query';
import { oneLineError } from '../report/errors';
import { markStage } from '../report/stages';
import type { RunSession } from '../session/for-run';
import type { Turn } from './frame';
import type { Gathered } from './gather';

export interface Attempt {
  /** This run's own share of cost and tokens (a resumed session reports running totals). */
  outcome: AgentOutcome;
  /** The session's running totals as the CLI reported them, for the next run's marker. */
  sessionTotals: { cost: number; input: number; output: number };
}

export async function attempt(t: Turn, g: Gathered): Promise<Attempt> {
  let outcome: AgentOutcome;
  if (!g.ok) {
    outcome = failed(g.reason);
  } else {
    try {
      // The tool list is long: it goes in a collapsed group under the one line that matters.
      core.startGroup(`Starting the agent (${g.agent.description})`);
      core.info(`Tools: ${g.agent.tools.join(', ')}`);
      core.endGroup();
      markStage('spawn');
      outcome = await runAgent({
        prompt: g.prompt,
        options: g.agent.options,
        timeoutMs: t.settings.timeout_minutes * 60_000,
        cancelSignal: t.cancel,
        onMessage: (m) => t.log.onMessage(m),
        interruptGraceMs: 3000,
        ...(g.spare ? { start: g.spare.run.bind(g.spare) } : {}),
      });
    } catch (err) {
      outcome = failed(`The run failed before the agent finished: ${oneLineError(err)}`);
    }
    await g.agent.cleanup().catch(() => {});
  }
  markStage('agent-done');
  outcome.toolCalls = t.log.calls;
  const sessionTotals = { cost: outcome.costUsd, input: outcome.inputTokens, output: outcome.outputTokens };
  ownShareOfResumedSession(outcome, g.ok ? g.session : undefined);
  return { outcome, sessionTotals };
}

function failed(result: string): AgentOutcome {
  return {
    conclusion: 'failure',
    result,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    numTurns: 0,
    durationMs: 0,
    toolCalls: [],
  };
}

/**
 * A resumed session reports running totals that include the earlier runs; this run's own share is
 * the difference from the totals the previous run recorded in its marker.
 */
function ownShareOfResumedSession(o: AgentOutcome, session: RunSession | undefined): void {
  const prev = session?.resume ? session.previous : undefined;
  if (!prev || o.costEstimated) return;
  const minus = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0));
  o.costUsd = minus(o.costUsd, prev.session_cost_usd);
  o.inputTokens = minus(o.inputTokens, prev.session_input_tokens);
  o.outputTokens = minus(o.outputTokens, prev.session_output_tokens);
}
