/**
 * The companion as a Probot app: `issue_comment.created` and `pull_request_review_comment.created`
 * (edits never trigger: `.edited` is not subscribed). Per comment, in this order:
 *
 *  1. the delivery id and the comment are new to this replica (LRUs), the comment is not the
 *     relay's own (the App's `<slug>[bot]` from GET /app, or `github-actions[bot]`);
 *  2. `.github/claude-relay.yml` (zod; reads shared for 10 s, see ConfigCache) gives the phrase;
 *     no trigger → ignore;
 *  3. the action's gate (`authorize()`): write permission looked up via the API, failing closed;
 *     bots only when listed in `allowed_bots`. Refusals are silent (and logged). The lookup runs
 *     alongside the config read when the comment triggers with the default phrase;
 *  4. 👀 on the comment — the claim: 201 → this replica goes on, 200 → someone else has it;
 *  5. `help` / `cost` / `stop` are answered here; every other command is dispatched to the
 *     workflow (after the one-waiting-run rule, see `dispatch.ts`). Failures are replied in words.
 *
 * The handler finishes within a few API calls, so the webhook answers well inside GitHub's 10 s;
 * should it not, the webhook middleware answers 202 at 9 s and the handler carries on.
 */
import type { ApplicationFunction, Context, Probot, ProbotOctokit } from 'probot';
import { findTrigger } from '../commands/parse';
import { getCommand } from '../commands/registry';
import type { ParsedCommand } from '../request/types';
import { describeGitHubError } from '../github/client';
import { authorize } from '../gate/authorize';
import { isOwnComment } from '../core/identity';
import { configErrorReply, dispatchFailedReply, notQueuedReply, replyAt } from './commands';
import { answerDirect, isDirectCommand } from '../commands/direct';
import { reply, type CoreGitHub } from '../core/github';
import { ConfigCache, DEFAULT_PHRASE, loadRepoConfig, type RepoConfig } from './config';
import { claimWithReaction, commentKey, Dedupe } from './dedupe';
import {
  dispatchInputs,
  dispatchWorkflow,
  queueDecision,
  waitForNewRun,
  type DispatchInputs,
  type DispatchResult,
  type QueueDecision,
} from './dispatch';
import type { Prior, ProgressStore } from './redis';
import { PrLocks, reactionLock, type ReactionLockOptions, type SharedLock } from './pr-lock';
import { commentRequest, readCommentEvent, type CommentEvent } from '../event/comments';
import { activeRunsFor, runMatches } from '../commands/runs';
import { SharedRunListings } from './run-listings';

export const EVENTS = ['issue_comment.created', 'pull_request_review_comment.created'] as const;

/** The other identity relay comments come from: the action's default `GITHUB_TOKEN`. */
export const ACTIONS_BOT = 'github-actions[bot]';

export interface CompanionOptions {
  /** Delivery/comment memory of this replica (tests share or inspect it). */
  dedupe?: Dedupe;
  /** Called with every handled delivery's outcome (tests, metrics). */
  onOutcome?: (outcome: Outcome) => void;
  /** The App's bot login; default: `appLoginResolver(app)`. */
  selfLogin?: () => Promise<string>;
  /** Shared config reads; default: a 10 s cache (0 in `configTtlMs` turns reuse off). */
  configTtlMs?: number;
  /** The per-PR lock across replicas; default: the 🚀 reaction on the PR/issue (pr-lock.ts). */
  sharedLock?: SharedLock;
  reactionLock?: ReactionLockOptions;
  /** Per-comment progress shared by attempts and replicas (REDIS_URL); none by default. */
  progress?: ProgressStore;
}

export type OutcomeKind =
  | 'invalid'
  | 'duplicate_delivery'
  | 'own_comment'
  | 'no_trigger'
  | 'duplicate_comment'
  | 'refused'
  | 'taken'
  | 'config_error'
  | 'help'
  | 'cost'
  | 'stop'
  | 'not_queued'
  | 'dispatched'
  | 'dispatch_failed'
  | 'failed';

export interface Outcome {
  kind: OutcomeKind;
  delivery: string;
  comment?: string;
  detail?: string;
}

/** A comment event whose repository names its default branch (where runs are dispatched). */
type DispatchableComment = CommentEvent & { defaultBranch: string };

type CommentContext = Context<(typeof EVENTS)[number]>;

/** Only what the handler uses of Probot's Context, so it reads (and tests) plainly. */
export interface HandlerContext {
  name: string;
  id: string;
  payload: unknown;
  octokit: ProbotOctokit;
  log: Pick<CommentContext['log'], 'info' | 'warn' | 'error' | 'debug'>;
  config: (file: string) => Promise<unknown>;
}

export interface HandlerDeps {
  dedupe: Dedupe;
  /** The App's bot login, `<slug>[bot]` (GET /app), memoised. */
  selfLogin: () => Promise<string>;
  configs: ConfigCache;
  /** Per-PR dispatch decisions, one at a time across replicas. */
  locks: PrLocks;
  /** How long a dispatch waits for its run to be listed before the PR's lock is released. */
  runVisibleMs?: number;
  /** With a durable queue: what earlier attempts did with each comment (see redis.ts). */
  progress?: ProgressStore;
  /** Run listings shared by the decisions of this replica that run at once (run-listings.ts). */
  listings?: SharedRunListings;
}

/** `<slug>[bot]` from GET /app, fetched once; a failure is retried on the next event. */
export function appLoginResolver(app: Pick<Probot, 'auth'>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    if (!pending) {
      const p = (async () => {
        const octokit = await app.auth();
        const { data } = await octokit.rest.apps.getAuthenticated();
        if (!data?.slug) throw new Error('GET /app returned no slug');
        return `${data.slug}[bot]`;
      })();
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
}

async function react(octokit: ProbotOctokit, ev: CommentEvent, content: 'eyes'): Promise<{ status: number }> {
  const params = { owner: ev.owner, repo: ev.repo, comment_id: ev.comment.id, content };
  return ev.comment.kind === 'review_comment'
    ? octokit.rest.reactions.createForPullRequestReviewComment(params)
    : octokit.rest.reactions.createForIssueComment(params);
}

async function headShaOf(octokit: ProbotOctokit, ev: CommentEvent): Promise<string | undefined> {
  if (ev.target.kind !== 'pull_request') return undefined;
  const { data } = await octokit.rest.pulls.get({
    owner: ev.owner,
    repo: ev.repo,
    pull_number: ev.target.number,
  });
  return data.head.sha;
}

/** After the claim: answer or dispatch. Returns the outcome; failures are replied, not thrown. */
async function act(
  c: HandlerContext,
  ev: DispatchableComment,
  config: RepoConfig,
  command: ParsedCommand,
  selfLogins: string[],
  deps: HandlerDeps,
  prior?: Prior,
): Promise<{ kind: OutcomeKind; detail?: string }> {
  const phrase = config.trigger_phrase;
  const gh = c.octokit;
  if (isDirectCommand(command.name)) {
    const answer = await answerDirect(command.name, {
      gh,
      owner: ev.owner,
      repo: ev.repo,
      target: ev.target,
      where: { kind: ev.target.kind, repoHtmlUrl: ev.repoHtmlUrl, requester: ev.actor.login },
      triggerPhrase: phrase,
      selfLogins,
      workflow: config.workflow,
    });
    await reply(gh, replyAt(ev), answer.body);
    switch (answer.command) {
      case 'help':
        return { kind: 'help' };
      case 'cost':
        return {
          kind: 'cost',
          detail: `total ${answer.costs.totalUsd} over ${answer.costs.runs.length} runs`,
        };
      case 'stop': {
        const cancelled = answer.outcomes.filter((o) => o.ok).map((o) => o.run.id);
        return { kind: 'stop', detail: `cancelled ${cancelled.join(',') || 'none'}` };
      }
    }
  }
  if (!getCommand(command.name).runsAgent)
    return { kind: 'failed', detail: `no handler for ${command.name}` };

  const where = { owner: ev.owner, repo: ev.repo, workflow: config.workflow };
  const head = headShaOf(c.octokit, ev);
  head.catch(() => {});
  // Check-then-act under the PR's lock (see pr-lock.ts), held until the new run is listed, so two
  // requests deciding at once on any replicas cannot both see room for one more run.
  const pr = { owner: ev.owner, repo: ev.repo, number: ev.target.number };
  type Decided =
    | { queue: Extract<QueueDecision, { dispatch: false }> }
    | { queue: QueueDecision; inputs: DispatchInputs; result: DispatchResult; resumed?: number };
  const scope = repoScope(ev);
  const decided = await deps.locks.run(c.octokit, pr, async (): Promise<Decided> => {
    const list = deps.listings?.listerFrom(gh, scope);
    const inputs = dispatchInputs(ev, command, await head);
    if (prior?.dispatchingAt !== undefined) {
      // An earlier attempt (on a replica that died) started this dispatch: did it reach GitHub?
      const earlier = await earlierDispatch(gh, where, ev, prior.dispatchingAt);
      if (earlier) return { queue: { dispatch: true }, inputs, result: { ok: true }, resumed: earlier };
    }
    const active = await activeRunsFor(gh, where, ev.target, list);
    const queue = queueDecision(active);
    if (!queue.dispatch) return { queue };
    await deps.progress?.dispatching(commentKey(ev));
    const result = await dispatchWorkflow(c.octokit, { ...where, ref: ev.defaultBranch }, inputs);
    if (result.ok) {
      const seen = await waitForNewRun(
        gh,
        where,
        ev.target,
        active,
        deps.runVisibleMs,
        deps.listings?.listerFrom(gh, scope),
      );
      if (!seen) c.log.warn({ pr: pr.number }, 'claude-relay: the dispatched run is not listed yet');
    }
    return { queue, inputs, result };
  });
  if (!('result' in decided)) {
    const { running, waiting } = decided.queue;
    await reply(gh, replyAt(ev), notQueuedReply(phrase, running, waiting));
    return { kind: 'not_queued', detail: `running ${running.id}, waiting ${waiting.id}` };
  }
  const { inputs, result } = decided;
  if (result.ok === false) {
    await reply(gh, replyAt(ev), dispatchFailedReply(result.reason));
    return { kind: 'dispatch_failed', detail: `${result.status ?? ''} ${result.reason}`.trim() };
  }
  const resumed =
    'resumed' in decided && decided.resumed ? ` (run ${decided.resumed}, by an earlier attempt)` : '';
  return { kind: 'dispatched', detail: `${config.workflow} ${JSON.stringify(inputs)}${resumed}` };
}

/**
 * The run an earlier attempt dispatched for this comment, if GitHub has it: a run for the PR/issue
 * created since that attempt started dispatching (with the comment's id in its inputs where GitHub
 * returns them). Runs are listed under the PR's lock, so no other dispatch for it can interleave.
 */
async function earlierDispatch(
  gh: CoreGitHub,
  where: { owner: string; repo: string; workflow: string },
  ev: CommentEvent,
  since: number,
): Promise<number | undefined> {
  const from = since - 5000;
  const { data } = await gh.rest.actions.listWorkflowRuns({
    owner: where.owner,
    repo: where.repo,
    workflow_id: where.workflow,
    created: `>=${new Date(from).toISOString().replace(/\.\d+Z$/, 'Z')}`,
    per_page: 100,
  });
  const found = data.workflow_runs.find((run) => {
    if (!runMatches(run, ev.target)) return false;
    if (Date.parse(run.created_at ?? '') < from) return false;
    const commentId = run.inputs?.comment_id;
    return commentId === undefined || commentId === null || String(commentId) === String(ev.comment.id);
  });
  return found?.id;
}

/** The installation and repository a comment is in: what a config read or a run listing can see. */
function repoScope(ev: CommentEvent): string {
  return `${ev.installationId ?? ''}:${ev.owner}/${ev.repo}`.toLowerCase();
}

export async function handleComment(c: HandlerContext, deps: HandlerDeps): Promise<Outcome> {
  const delivery = c.id;
  const parsed = readCommentEvent(c.name, c.payload);
  if ('invalid' in parsed) return { kind: 'invalid', delivery, detail: parsed.invalid };
  // The follow-up run is dispatched on the default branch: without it there is nothing to do.
  const { defaultBranch } = parsed;
  if (defaultBranch === undefined) {
    return { kind: 'invalid', delivery, detail: `${c.name} payload: repository.default_branch is missing` };
  }
  const ev: DispatchableComment = { ...parsed, defaultBranch };
  const key = commentKey(ev);
  const done = (kind: OutcomeKind, detail?: string): Outcome => ({
    kind,
    delivery,
    comment: key,
    ...(detail !== undefined ? { detail } : {}),
  });

  if (!deps.dedupe.beginDelivery(delivery)) return done('duplicate_delivery');
  let claimed = false;
  try {
    const selfLogins = [await deps.selfLogin(), ACTIONS_BOT];
    const author = {
      authorLogin: ev.comment.authorLogin,
      ...(ev.authorType ? { authorType: ev.authorType } : {}),
    };
    if (
      isOwnComment(author, selfLogins) ||
      isOwnComment({ authorLogin: ev.actor.login, authorType: ev.actor.type }, selfLogins)
    ) {
      return done('own_comment');
    }

    if (deps.dedupe.commentSeen(key)) return done('duplicate_comment');

    const gateFor = (command: ParsedCommand, lists?: RepoConfig) =>
      authorize(commentRequest(ev, command), {
        gh: c.octokit,
        allowedUsers: lists?.allowed_users ?? [],
        allowedBots: lists?.allowed_bots ?? [],
        selfLogins,
      });
    // The ack waits for the config and the permission lookup. When the comment triggers with the
    // default phrase (the common case), look the permission up while the config loads; the answer
    // does not depend on the config (its lists can only let more accounts in, checked below).
    const likely = ev.actor.type === 'User' ? findTrigger(ev.comment.body, DEFAULT_PHRASE) : undefined;
    const early = likely ? gateFor(likely) : undefined;
    early?.catch(() => {});

    const cfg = await deps.configs.get(repoScope(ev), () => loadRepoConfig(c.config));
    const phrase = cfg.ok ? cfg.config.trigger_phrase : cfg.phrase;
    const command = findTrigger(ev.comment.body, phrase);
    if (!command) return done('no_trigger');

    const lists = cfg.ok ? cfg.config : undefined;
    let gate = early ? await early : await gateFor(command, lists);
    if (
      early &&
      !gate.allowed &&
      lists &&
      (lists.allowed_users.length > 0 || lists.allowed_bots.length > 0)
    ) {
      gate = await gateFor(command, lists);
    }
    if (!gate.allowed) return done('refused', gate.reason);

    // With a durable queue, the claim is recorded before the 👀: a retry of this job on another
    // replica then knows a 200 is its own earlier 👀, not someone else's.
    const prior = deps.progress ? await deps.progress.begin(key) : undefined;
    if (prior?.done) {
      claimed = true;
      return done('duplicate_comment', `already handled: ${prior.done}`);
    }
    const claim = await claimWithReaction(() => react(c.octokit, ev, 'eyes'));
    claimed = true;
    deps.dedupe.markComment(key);
    if (claim === 'taken' && !prior?.claimed) return done('taken', 'the 👀 reaction was already there');
    const finish = async (outcome: Outcome): Promise<Outcome> => {
      await deps.progress?.finish(key, outcome.kind).catch((err: unknown) => {
        c.log.warn({ err, comment: key }, 'claude-relay: could not record the outcome');
      });
      return outcome;
    };

    try {
      if (!cfg.ok) {
        await reply(c.octokit, replyAt(ev), configErrorReply(cfg.error));
        return await finish(done('config_error', cfg.error));
      }
      const result = await act(c, ev, cfg.config, command, selfLogins, deps, prior);
      return await finish(done(result.kind, result.detail));
    } catch (err) {
      // Claimed, so no other replica will answer: say what went wrong where the user asked.
      const why = describeGitHubError(err);
      c.log.error({ err, delivery, comment: key }, `claude-relay: handling ${command.name} failed`);
      try {
        await reply(
          c.octokit,
          replyAt(ev),
          `⚠️ claude-relay could not handle this request: ${why}. Try again in a moment.`,
        );
      } catch (replyErr) {
        c.log.error({ err: replyErr, delivery }, 'claude-relay: the error reply failed too');
      }
      return await finish(done('failed', why));
    }
  } catch (err) {
    // Not claimed yet: let a redelivery try again.
    if (!claimed) deps.dedupe.forgetDelivery(delivery);
    throw err;
  }
}

const LOUD: ReadonlySet<OutcomeKind> = new Set([
  'refused',
  'config_error',
  'help',
  'cost',
  'stop',
  'not_queued',
  'dispatched',
  'dispatch_failed',
  'failed',
]);

export function createCompanionApp(options: CompanionOptions = {}): ApplicationFunction {
  return (app) => {
    const deps: HandlerDeps = {
      dedupe: options.dedupe ?? new Dedupe(),
      selfLogin: options.selfLogin ?? appLoginResolver(app),
      configs: new ConfigCache(options.configTtlMs),
      listings: new SharedRunListings(),
      ...(options.progress ? { progress: options.progress } : {}),
      locks: new PrLocks(options.sharedLock ?? reactionLock(options.reactionLock), (err) =>
        app.log.warn({ err }, 'claude-relay: could not release a PR lock (it goes stale on its own)'),
      ),
    };
    app.on([...EVENTS], async (context) => {
      const c: HandlerContext = {
        name: context.name,
        id: context.id,
        payload: context.payload,
        octokit: context.octokit,
        log: context.log,
        config: (file) => context.config(file),
      };
      let outcome: Outcome;
      try {
        outcome = await handleComment(c, deps);
      } catch (err) {
        // Nothing was claimed: the webhook answers 500 (Probot logs it) and a redelivery tries
        // again. A plain Error, so GitHub's status (e.g. 403) is not passed on as ours: a 4xx from
        // the companion only ever means a bad signature or payload.
        const why = describeGitHubError(err);
        options.onOutcome?.({ kind: 'failed', delivery: context.id, detail: why });
        throw new Error(`claude-relay: delivery ${context.id} failed before it was claimed: ${why}`, {
          cause: err,
        });
      }
      const line = `claude-relay: ${outcome.kind}${outcome.detail ? ` (${outcome.detail})` : ''}`;
      const fields = { delivery: outcome.delivery, comment: outcome.comment };
      if (outcome.kind === 'failed' || outcome.kind === 'dispatch_failed') context.log.warn(fields, line);
      else if (LOUD.has(outcome.kind)) context.log.info(fields, line);
      else context.log.debug(fields, line);
      options.onOutcome?.(outcome);
    });
  };
}
