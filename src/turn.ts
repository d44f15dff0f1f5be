/**
 * One agent turn, after the request is authorized: context → session → prompt → agent → report.
 * Loaded on demand by main.ts (the SDK and the MCP server are most of the bundle's start-up cost),
 * while the first GitHub calls are in flight.
 */
import fs from 'node:fs';
import * as core from '@actions/core';
import { auditTable } from './agent/enforce';
import type { AgentOutcome } from './agent/outcome';
import { prepareAgent, profileFor, type PreparedAgent } from './agent/prepare';
import { runAgent } from './agent/query';
import { getCommand } from './commands/registry';
import { fetchContext, fetchPullRequest, type RunContext } from './context/fetch';
import { describeGitHubError, type GitHub } from './github/client';
import type { Settings } from './inputs/settings';
import { buildPrompt } from './prompt/build';
import type { RelayRequest } from './request/types';
import { formatUsd, renderFinal, renderProgress, type RunInfo } from './report/comment';
import { oneLineError } from './report/errors';
import { LiveLog } from './report/live-log';
import { outputsFrom, summaryMarkdown, writeOutputs } from './report/outputs';
import type { CommentPublisher } from './report/publisher';
import type { Redactor } from './report/redact';
import { sumCosts } from './session';
import { openRunSession, type RunSession } from './session/for-run';
import {
  buildRelayTools,
  checkoutPrHead,
  RELAY_READ_TOOLS,
  RELAY_WRITE_TOOLS,
  type RelayTools,
} from './tools';

const REAL_FAILURES = new Set(['failure', 'timeout', 'cancelled']);

export async function runTurn(
  req: RelayRequest,
  settings: Settings,
  gh: GitHub,
  publisher: CommentPublisher,
  redactor: Redactor,
  selfLogins: string[],
): Promise<void> {
  const redact = (s: string) => redactor.redact(s);
  const run: RunInfo = {
    runId: settings.runner.runId,
    runUrl: settings.runUrl,
    triggerCommentId: req.comment?.id,
  };
  const cancel = new AbortController();
  const onSignal = (sig: string) => {
    core.warning(`Received ${sig}: stopping the agent and reporting what it spent.`);
    cancel.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  const requester = req.requestedBy ?? req.comment?.authorLogin ?? req.actor.login;
  // The progress comment is posted while the context is read; both must finish before the agent starts.
  const progressPosted = publisher.start(renderProgress(run, undefined, requester));
  progressPosted.catch(() => {});
  const log = new LiveLog(
    { info: core.info, startGroup: core.startGroup, endGroup: core.endGroup },
    settings.runner.workspace,
    redact,
  );
  let outcome: AgentOutcome;
  let agent: PreparedAgent | undefined;
  let session: RunSession | undefined;
  let context: RunContext | undefined;
  let relay: RelayTools | undefined;
  const notes: string[] = [];
  let spentBefore = 0;
  try {
    context = await fetchContext(gh, req);
    await progressPosted;
    const authorizedHead = req.expectedHeadSha ?? context.pr?.headSha;
    if (req.expectedHeadSha && context.pr && context.pr.headSha !== req.expectedHeadSha) {
      throw new StopError(
        `The PR head moved from ${req.expectedHeadSha.slice(0, 7)} to ${context.pr.headSha.slice(0, 7)} after the request was authorized; not running on unreviewed code. Ask again.`,
      );
    }
    spentBefore = sumCosts(commentsForMarkers(context), selfLogins).totalUsd;
    const maxBudget = budgetFor(settings, spentBefore);
    session = await openRunSession({
      req,
      settings,
      context,
      selfLogins,
      fresh: getCommand(req.command.name).freshSession,
      log: (l) => core.info(redact(l)),
    });
    if (session.note) {
      notes.push(session.note);
      core.info(session.note);
    }
    if (session.resume) core.info(`Resuming session ${session.resume}`);
    const prompt = buildPrompt(req, context, settings);
    const profile = profileFor(req, settings.tool_policy);
    const workspace = fs.realpathSync(settings.runner.workspace);
    if (profile === 'edit' && context.pr && !context.pr.isFork && authorizedHead) {
      // actions/checkout leaves PR runs on the merge commit: fixes are made on the PR branch itself.
      // If that fails the agent can still edit files, but commit_and_push refuses with the reason.
      const co = await checkoutPrHead({ workspace, branch: context.pr.headRef, sha: authorizedHead });
      if (!co.ok) core.warning(redact(`Not on the PR branch, so changes cannot be pushed: ${co.reason}`));
    }
    const pr = context.pr;
    relay = buildRelayTools({
      gh,
      req,
      headSha: authorizedHead,
      baseSha: pr?.baseSha,
      headRef: pr?.headRef,
      baseRef: pr?.baseRef,
      isFork: pr?.isFork ?? false,
      workspace,
      profile,
      files: pr?.files,
      requester: { login: requester, id: req.requestedBy ? undefined : req.actor.id },
      onProgress: (md) => publisher.updateProgress(renderProgress(run, md, requester)),
      redact,
      log: (l) => core.info(redact(l)),
    });
    agent = await prepareAgent({
      relayServer: { config: relay.server, read: [...RELAY_READ_TOOLS], write: [...RELAY_WRITE_TOOLS] },
      req,
      context,
      settings: { ...settings, max_budget_usd: maxBudget },
      gh,
      sessionStore: session.store,
      resume: session.resume,
      redact,
      onDecision: (a) => {
        if (a.decision === 'denied') log.noteDenied(a.toolUseId ?? '', a.reason ?? a.rule);
        core.info(redact(`  ⚖ ${a.decision} ${a.tool} ${a.input} (${a.rule}, via ${a.via})`));
      },
    });
    // Last look before the agent starts: new commits since authorization are not what was approved.
    if (context.pr && authorizedHead) {
      const now = await fetchPullRequest(gh, req.owner, req.repo, context.pr.number);
      if (now.head.sha !== authorizedHead) {
        throw new StopError(
          `The PR head moved from ${authorizedHead.slice(0, 7)} to ${now.head.sha.slice(0, 7)} before the agent started; not running on unreviewed code. Ask again.`,
        );
      }
    }
    core.info(`Starting the agent (${agent.description})`);
    outcome = await runAgent({
      prompt: prompt.user,
      options: agent.options,
      timeoutMs: settings.timeout_minutes * 60_000,
      cancelSignal: cancel.signal,
      onMessage: (m) => log.onMessage(m),
      interruptGraceMs: 3000,
    });
  } catch (err) {
    outcome = {
      conclusion: 'failure',
      result:
        err instanceof StopError
          ? err.message
          : `The run failed before the agent finished: ${oneLineError(err)}`,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
      numTurns: 0,
      durationMs: 0,
      toolCalls: [],
    };
  }
  outcome.toolCalls = log.calls;
  for (const c of log.calls) {
    if (c.name === 'mcp__relay__commit_and_push' && c.outcome !== 'ok') {
      notes.push(`Changes were not pushed: ${c.detail ?? c.outcome}`);
    }
  }
  if (relay) {
    // Inline comments become one review; a push already happened inside the tool call.
    const flushed = await relay.flush();
    if (flushed.error) core.warning(redact(`Could not submit the review: ${flushed.error}`));
    if (flushed.reviewUrl)
      notes.push(`Inline comments: ${flushed.comments} in [this review](${flushed.reviewUrl}).`);
    if (flushed.pushed) {
      const p = flushed.pushed;
      notes.push(
        `Pushed ${p.commits} commit${p.commits === 1 ? '' : 's'} to \`${p.branch}\` (${p.sha.slice(0, 7)})${p.pullRequest ? `: draft PR #${p.pullRequest.number}` : ''}.`,
      );
    }
  }
  const sessionTotals = { cost: outcome.costUsd, input: outcome.inputTokens, output: outcome.outputTokens };
  ownShareOfResumedSession(outcome, session);
  await agent?.cleanup().catch(() => {});

  let store = 'none';
  if (session && outcome.sessionId) {
    try {
      store = await session.persist(outcome.sessionId);
      if (store !== 'none') core.info(`Session ${outcome.sessionId} stored at ${store}`);
    } catch (err) {
      core.warning(redact(`Could not store the session: ${oneLineError(err)}`));
    }
  }

  let commentUrl = '';
  const total = spentBefore + outcome.costUsd;
  try {
    const body = renderFinal({
      outcome,
      run,
      store,
      notes,
      footerExtras:
        spentBefore > 0
          ? [`${req.target.kind === 'pull_request' ? 'PR' : 'issue'} total ${formatUsd(total)}`]
          : [],
      sessionTotals,
    });
    const ref = await publisher.finish(body, `✅ Finished — see the result below. ([run](${run.runUrl}))`);
    commentUrl = ref.url;
  } catch (err) {
    core.error(redact(`Could not post the result comment: ${describeGitHubError(err)}`));
  }
  writeOutputs(core, outputsFrom(outcome, outcome.conclusion, commentUrl), redact);
  try {
    const tables = agent ? [auditTable(agent.enforcer.audit)] : [];
    await core.summary.addRaw(redact(summaryMarkdown(outcome, commentUrl, tables))).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${oneLineError(err)}`);
  }
  const costLine = `cost $${outcome.costUsd.toFixed(4)}${outcome.costEstimated ? ' (estimated)' : ''}`;
  if (REAL_FAILURES.has(outcome.conclusion)) {
    core.setFailed(redact(`${outcome.conclusion}: ${outcome.result} (${costLine})`));
  } else if (outcome.conclusion !== 'success') {
    core.warning(redact(`${outcome.conclusion}: ${outcome.result} (${costLine})`));
  } else {
    core.info(`Done: ${costLine}, ${outcome.numTurns} turns`);
  }
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

function commentsForMarkers(ctx: RunContext) {
  return ctx.comments.map((c) => ({
    id: c.id,
    body: c.body,
    authorLogin: c.author,
    authorType: c.authorType,
  }));
}

/** This run's cap: max_budget_usd, and what is left of pr_budget_usd across follow-ups. */
function budgetFor(s: Settings, spentBefore: number): number {
  if (s.pr_budget_usd === undefined) return s.max_budget_usd;
  const left = s.pr_budget_usd - spentBefore;
  if (left <= 0) {
    throw new StopError(
      `This ${formatUsd(spentBefore)} spent so far reaches pr_budget_usd (${formatUsd(s.pr_budget_usd)}): no more runs on it. Raise pr_budget_usd to continue.`,
    );
  }
  return Math.min(s.max_budget_usd, left);
}

class StopError extends Error {}
