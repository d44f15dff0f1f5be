/**
 * The action's decisions, in pipeline order:
 * settings → event → gate → command → context → session → prompt → agent → report.
 * I/O goes through small interfaces (GitHub client, comment publisher, log sink) so the same path
 * runs on GitHub, under act, and in `npm run local`.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { auditTable } from './agent/enforce';
import type { AgentOutcome } from './agent/outcome';
import { prepareAgent, profileFor, type PreparedAgent } from './agent/prepare';
import { runAgent } from './agent/query';
import { runDirectCommand, workflowFileFromRef } from './commands/direct';
import { getCommand } from './commands/registry';
import { fetchContext, fetchPullRequest, type RunContext } from './context/fetch';
import { parseEvent } from './event';
import { authorize } from './gate/authorize';
import { mintInstallationToken } from './github/app-token';
import { createGitHub, describeGitHubError, type GitHub } from './github/client';
import { readSettings, secretValues, type Settings } from './inputs/settings';
import { buildPrompt } from './prompt/build';
import { isSkip, type RelayRequest } from './request/types';
import { formatUsd, renderFinal, renderProgress, type RunInfo } from './report/comment';
import { oneLineError } from './report/errors';
import { LiveLog } from './report/live-log';
import { outputsFrom, summaryMarkdown, writeOutputs } from './report/outputs';
import { CommentPublisher } from './report/publisher';
import { Redactor } from './report/redact';
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
/** The identity GITHUB_TOKEN comments come from. */
const SELF_LOGINS = ['github-actions[bot]'];

export async function main(): Promise<void> {
  const redactor = new Redactor();
  const settings = readSettings((name) => core.getInput(name));
  for (const s of secretValues(settings)) maskSecret(s);
  redactor.add(...secretValues(settings));
  const redact = (s: string) => redactor.redact(s);
  const skip = (reason: string) => {
    core.notice(redact(`claude-relay skipped: ${reason}`));
    writeOutputs(core, outputsFrom(undefined, 'skipped', '', reason), redact);
  };

  const payload = readPayload(settings.runner.eventPath);
  const event = parseEvent(settings.runner.eventName, payload, {
    triggerPhrase: settings.trigger_phrase,
    explicitPrompt: readExplicitPrompt(settings),
  });
  if (isSkip(event)) return skip(event.reason);
  const req: RelayRequest = event;

  const identity = await resolveIdentity(settings, req);
  maskSecret(identity.token);
  redactor.add(identity.token);
  try {
    await runRequest(req, settings, identity, redactor, skip);
  } finally {
    await identity.revoke();
  }
}

interface Identity {
  token: string;
  /** Logins the relay's comments come from; markers are trusted only from these. */
  selfLogins: string[];
  revoke(): Promise<void>;
}

async function resolveIdentity(settings: Settings, req: RelayRequest): Promise<Identity> {
  if (settings.app_id && settings.app_private_key) {
    const app = await mintInstallationToken({
      appId: settings.app_id,
      privateKey: settings.app_private_key,
      owner: req.owner,
      repo: req.repo,
      baseUrl: settings.runner.apiUrl,
    });
    core.info(
      `Acting as the GitHub App ${app.botLogin} (installation token for ${req.owner}/${req.repo} only)`,
    );
    return { token: app.token, selfLogins: [app.botLogin, ...SELF_LOGINS], revoke: app.revoke };
  }
  return { token: settings.github_token ?? '', selfLogins: SELF_LOGINS, revoke: async () => {} };
}

async function runRequest(
  req: RelayRequest,
  settings: Settings,
  identity: Identity,
  redactor: Redactor,
  skip: (reason: string) => void,
): Promise<void> {
  const redact = (s: string) => redactor.redact(s);
  const gh = createGitHub({
    token: identity.token,
    baseUrl: settings.runner.apiUrl,
    log: (l) => core.info(redact(l)),
  });
  const gate = await authorize(req, {
    gh,
    allowedUsers: settings.allowed_users,
    allowedBots: settings.allowed_bots,
    selfLogins: identity.selfLogins,
  });
  if (!gate.allowed) return skip(gate.reason);
  core.info(`Authorized @${req.actor.login} (${gate.via}${gate.permission ? `: ${gate.permission}` : ''})`);

  const publisher = new CommentPublisher({
    gh,
    owner: req.owner,
    repo: req.repo,
    issueNumber: req.target.number,
    mode: settings.comment_mode,
    redact,
  });
  if (!getCommand(req.command.name).runsAgent) {
    const reply = await runDirectCommand(req, {
      gh,
      settings,
      publisher,
      selfLogins: identity.selfLogins,
      workflow: workflowFileFromRef(process.env.GITHUB_WORKFLOW_REF),
    });
    writeOutputs(core, outputsFrom(undefined, 'success', reply.url, reply.summary), redact);
    return;
  }
  await runTurn(req, settings, gh, publisher, redactor, identity.selfLogins);
}

async function runTurn(
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

function readPayload(eventPath: string): unknown {
  if (!eventPath)
    throw new Error('GITHUB_EVENT_PATH is not set: not running in a GitHub Actions environment');
  let text: string;
  try {
    text = fs.readFileSync(eventPath, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the event payload at ${eventPath}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`The event payload at ${eventPath} is not valid JSON`);
  }
}

function readExplicitPrompt(s: Settings): string | undefined {
  if (s.prompt) return s.prompt;
  if (s.prompt_file) {
    const p = path.resolve(s.runner.workspace, s.prompt_file);
    try {
      return fs.readFileSync(p, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read prompt_file ${s.prompt_file}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** Masks a secret, and each line of a multi-line one (the runner matches masks line by line). */
function maskSecret(secret: string): void {
  core.setSecret(secret);
  for (const line of secret.split(/\r?\n/))
    if (line.trim().length >= 8 && line !== secret) core.setSecret(line.trim());
}
