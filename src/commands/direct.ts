/**
 * The commands answered without an agent turn — `help`, `cost`, `stop` — written once: the action
 * (`runDirectCommand`) and the companion both call `answerDirect` and post its body with the one
 * reply route (`core/github.ts` `reply`, which answers a review comment in its thread).
 */
import type { CoreGitHub } from '../core/github';
import { threadComments } from '../core/github';
import type { Settings } from '../inputs/settings';
import { requesterOf, type RelayRequest } from '../request/types';
import type { CommentPublisher } from '../report/publisher';
import { formatUsd } from '../report/comment';
import { sumCosts, type CostSummary } from '../core/ledger';
import { helpText } from './registry';
import { costReply, stopReply, type ReplyWhere } from './replies';
import { activeRunsFor, cancelRuns, type CancelOutcome } from './runs';

export type DirectCommand = 'help' | 'cost' | 'stop';

export interface DirectContext {
  gh: CoreGitHub;
  owner: string;
  repo: string;
  target: { kind: 'pull_request' | 'issue'; number: number };
  /** For the reply texts: the kind of thread, the repository's web URL, who asked. */
  where: ReplyWhere;
  triggerPhrase: string;
  /** The relay's own logins: `cost` reads only their records. */
  selfLogins: string[];
  /** The relay workflow's file name; `stop` cancels its runs for the PR/issue. */
  workflow: string;
  /** The run that is answering (the action's own): `stop` never cancels it. */
  answeringRunId?: string;
}

export type DirectAnswer =
  | { command: 'help'; body: string }
  | { command: 'cost'; body: string; costs: CostSummary }
  | { command: 'stop'; body: string; outcomes: CancelOutcome[] };

export async function answerDirect(command: DirectCommand, ctx: DirectContext): Promise<DirectAnswer> {
  switch (command) {
    case 'cost': {
      const comments = await threadComments(ctx.gh, {
        owner: ctx.owner,
        repo: ctx.repo,
        number: ctx.target.number,
      });
      const costs = sumCosts(comments, ctx.selfLogins);
      return { command, body: costReply(ctx.where, costs), costs };
    }
    case 'stop': {
      const repo = { owner: ctx.owner, repo: ctx.repo };
      const runs = (await activeRunsFor(ctx.gh, { ...repo, workflow: ctx.workflow }, ctx.target)).filter(
        (r) => String(r.id) !== ctx.answeringRunId,
      );
      const outcomes = await cancelRuns(ctx.gh, repo, runs);
      return { command, body: stopReply(ctx.where, ctx.workflow, outcomes), outcomes };
    }
    case 'help':
      return { command, body: helpText(ctx.triggerPhrase) };
  }
}

/** True for the commands `answerDirect` answers. */
export function isDirectCommand(name: string): name is DirectCommand {
  return name === 'help' || name === 'cost' || name === 'stop';
}

export interface DirectDeps {
  gh: CoreGitHub;
  settings: Pick<Settings, 'trigger_phrase' | 'runner'>;
  publisher: Pick<CommentPublisher, 'reply'>;
  selfLogins: string[];
  /** This workflow's file name (from GITHUB_WORKFLOW_REF); `stop` cancels its runs for the PR. */
  workflow?: string;
}

export interface DirectReply {
  url: string;
  summary: string;
}

/** The action's side: answer, reply (redacted, in the review thread for a review comment), summarise. */
export async function runDirectCommand(req: RelayRequest, deps: DirectDeps): Promise<DirectReply> {
  // Direct commands come from comments, so they always have a PR or issue.
  if (req.target.kind === 'repository') throw new Error(`/${req.command.name} needs a pull request or issue`);
  const name = req.command.name;
  const answer = await answerDirect(isDirectCommand(name) ? name : 'help', {
    gh: deps.gh,
    owner: req.owner,
    repo: req.repo,
    target: { kind: req.target.kind, number: req.target.number },
    where: {
      kind: req.target.kind,
      repoHtmlUrl: `${deps.settings.runner.serverUrl}/${req.owner}/${req.repo}`,
      requester: requesterOf(req),
    },
    triggerPhrase: deps.settings.trigger_phrase,
    selfLogins: deps.selfLogins,
    workflow: deps.workflow ?? 'claude.yml',
    // Never cancel the run that is answering.
    answeringRunId: deps.settings.runner.runId,
  });
  const ref = await deps.publisher.reply(answer.body);
  switch (answer.command) {
    case 'cost':
      return {
        url: ref.url,
        summary: `cost: ${formatUsd(answer.costs.totalUsd)} over ${answer.costs.runs.length} runs`,
      };
    case 'stop':
      return { url: ref.url, summary: `stop: cancelled ${answer.outcomes.filter((o) => o.ok).length} runs` };
    case 'help':
      return { url: ref.url, summary: 'help' };
  }
}

/** `owner/repo/.github/workflows/claude.yml@refs/heads/main` → `claude.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  const m = /\/\.github\/workflows\/([^@/]+)@/.exec(ref ?? '');
  return m?.[1];
}
