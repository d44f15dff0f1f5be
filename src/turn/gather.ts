/**
 * Everything the agent needs, read and decided before it starts: the PR/issue context, the budget
 * left, the session to resume, the prompt, the relay's GitHub tools and the SDK options.
 * Never throws: a reason not to run (or a failure while gathering) becomes `{ ok: false }`.
 */
import fs from 'node:fs';
import * as core from '@actions/core';
import { prepareAgent, type PreparedAgent } from '../agent/prepare';
import { resolveProfile } from '../policy/profile';
import type { AgentSpare } from '../agent/spare';
import { getCommand } from '../commands/registry';
import { reviewScope } from '../context/review-range';
import { fetchContext, type PullRequestContext, type RunContext } from '../context/fetch';
import type { Settings } from '../inputs/settings';
import { buildPrompt } from '../prompt/build';
import { isAutomation } from '../request/types';
import { formatUsd, renderProgress } from '../report/comment';
import { oneLineError } from '../report/errors';
import { markStage } from '../report/stages';
import { parseMarker, sumCosts } from '../core/ledger';
import { isOwnComment } from '../core/identity';
import { openRunSession, type RunSession } from '../session/for-run';
import {
  buildRelayTools,
  checkoutPrHead,
  RELAY_READ_TOOLS,
  RELAY_WRITE_TOOLS,
  type RelayTools,
} from '../tools';
import { PROGRESS_DONE, StopError, type Turn } from './frame';
import { assertAuthorizedHead } from './head';

export interface Ready {
  ok: true;
  context: RunContext;
  /** The PR, with `headSha` the authorized head; undefined for issues. */
  pr?: PullRequestContext;
  /** What earlier runs on this PR/issue spent (from the relay's own result comments). */
  spentBefore: number;
  session: RunSession;
  prompt: string;
  /** The relay's GitHub tools; none for an automation run (no PR or issue to act on). */
  relay?: RelayTools;
  agent: PreparedAgent;
  /** A CLI parked while the gate ran, claimed if the agent's options match its own. */
  spare?: AgentSpare;
}

export interface NotReady {
  ok: false;
  /** Said in the comment: why the agent did not run. */
  reason: string;
  spentBefore: number;
}

export type Gathered = Ready | NotReady;

export async function gather(t: Turn): Promise<Gathered> {
  let spentBefore = 0;
  let agent: PreparedAgent | undefined;
  try {
    const context = await fetchContext(t.gh, t.req);
    await t.progressPosted;
    markStage('context');
    const pr = context.pr;
    // The tools stay on this head: reviews are pinned to it and pushes refuse if the branch moved.
    if (pr && t.req.expectedHeadSha)
      assertAuthorizedHead(t.req.expectedHeadSha, pr.headSha, 'after the request was authorized');
    spentBefore = sumCosts(commentsForMarkers(context), t.selfLogins).totalUsd;
    const maxBudget = budgetFor(t.settings, spentBefore);
    const session = await openSession(t, context);
    if (pr) {
      const scope = await reviewScope({ gh: t.gh, req: t.req, pr, context, selfLogins: t.selfLogins });
      if (scope.range) context.reviewRange = scope.range;
      if (scope.note) {
        t.notes.push(scope.note);
        core.info(scope.note);
      }
    }
    const prompt = buildPrompt(t.req, conversationOnly(t, context), t.settings).user;
    markStage('prompt');
    const relay = isAutomation(t.req) ? undefined : await relayTools(t, pr);
    const warm = await t.warm;
    agent = await prepareAgent({
      ...(warm ? { early: warm.early } : {}),
      ...(relay
        ? {
            relayServer: { config: relay.server, read: [...RELAY_READ_TOOLS], write: [...RELAY_WRITE_TOOLS] },
          }
        : {}),
      req: t.req,
      context,
      settings: { ...t.settings, max_budget_usd: maxBudget },
      gh: t.gh,
      sessionStore: session.store,
      resume: session.resume,
      redact: t.redact,
      onDecision: (a) => {
        if (a.decision === 'denied') t.log.noteDenied(a.toolUseId ?? '', a.reason ?? a.rule);
        core.info(t.redact(`  ⚖ ${a.decision} ${a.tool} ${a.input} (${a.rule}, via ${a.via})`));
      },
    });
    t.notes.push(...agent.notes);
    markStage('prepared');
    return {
      ok: true,
      context,
      pr,
      spentBefore,
      session,
      prompt,
      relay,
      agent,
      ...(warm?.spare ? { spare: warm.spare } : {}),
    };
  } catch (err) {
    await agent?.cleanup().catch(() => {});
    const reason =
      err instanceof StopError
        ? err.message
        : `The run failed before the agent finished: ${oneLineError(err)}`;
    return { ok: false, reason, spentBefore };
  }
}

async function openSession(t: Turn, context: RunContext): Promise<RunSession> {
  const session = await openRunSession({
    req: t.req,
    settings: t.settings,
    context,
    selfLogins: t.selfLogins,
    fresh: getCommand(t.req.command.name).freshSession,
    log: (l) => core.info(t.redact(l)),
  });
  if (session.note) {
    t.notes.push(session.note);
    core.info(session.note);
  }
  if (session.resume) core.info(`Resuming session ${session.resume}`);
  return session;
}

/** The relay's GitHub tools, bound to this PR/issue and its authorized head. */
async function relayTools(t: Turn, pr: PullRequestContext | undefined): Promise<RelayTools> {
  const profile = resolveProfile(t.settings.tool_policy, t.req);
  const workspace = fs.realpathSync(t.settings.runner.workspace);
  if (profile === 'edit' && pr && !pr.isFork) {
    // actions/checkout leaves PR runs on the merge commit: fixes are made on the PR branch itself.
    // If that fails the agent can still edit files, but commit_and_push refuses with the reason.
    const co = await checkoutPrHead({ workspace, branch: pr.headRef, sha: pr.headSha });
    if (!co.ok) core.warning(t.redact(`Not on the PR branch, so changes cannot be pushed: ${co.reason}`));
  }
  return buildRelayTools({
    gh: t.gh,
    req: t.req,
    ...(pr ? { pr } : {}),
    branchPrefix: t.settings.branch_prefix,
    workspace,
    allowConfigWrites: t.settings.allow_config_writes,
    profile,
    requester: { login: t.requester, id: t.req.requestedBy ? undefined : t.req.actor.id },
    onProgress: (md) => t.publisher.updateProgress(renderProgress(t.run, md, t.requester)),
    redact: t.redact,
    log: (l) => core.info(t.redact(l)),
  });
}

/**
 * The context without the relay's own comments (this run's progress comment, earlier progress and
 * result comments): they are the relay talking to itself, and a resumed session already has them.
 */
function conversationOnly(t: Turn, context: RunContext): RunContext {
  const progressId = t.publisher.progressComment?.id;
  const own = (c: RunContext['comments'][number]) =>
    c.id === progressId ||
    (isOwnComment({ authorLogin: c.author, authorType: c.authorType }, t.selfLogins) &&
      (parseMarker(c.body) !== undefined || c.body.startsWith(PROGRESS_DONE)));
  return { ...context, comments: context.comments.filter((c) => !own(c)) };
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
