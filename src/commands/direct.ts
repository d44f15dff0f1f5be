/**
 * Commands the action answers itself, without an agent turn: `help`, `cost`, `stop`. The
 * companion answers the same commands with the same registry, run lookup and reply texts.
 */
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import type { RelayRequest } from '../request/types';
import type { CommentPublisher } from '../report/publisher';
import { formatUsd } from '../report/comment';
import { sumCosts, type CostSummary } from '../core/ledger';
import { helpText } from './registry';
import { costReply, stopReply, type ReplyWhere } from './replies';
import { activeRunsFor, cancelRuns } from './runs';

export interface DirectDeps {
  gh: GitHub;
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

export async function runDirectCommand(req: RelayRequest, deps: DirectDeps): Promise<DirectReply> {
  // Direct commands come from comments, so they always have a PR or issue.
  if (req.target.kind === 'repository') throw new Error(`/${req.command.name} needs a pull request or issue`);
  const target = { kind: req.target.kind, number: req.target.number };
  const where: ReplyWhere = {
    kind: target.kind,
    repoHtmlUrl: `${deps.settings.runner.serverUrl}/${req.owner}/${req.repo}`,
    requester: req.requestedBy ?? req.comment?.authorLogin ?? req.actor.login,
  };
  switch (req.command.name) {
    case 'cost': {
      const costs = await costOf(deps.gh, req, deps.selfLogins);
      const ref = await deps.publisher.reply(costReply(where, costs));
      return { url: ref.url, summary: `cost: ${formatUsd(costs.totalUsd)} over ${costs.runs.length} runs` };
    }
    case 'stop': {
      const workflow = deps.workflow ?? 'claude.yml';
      const repo = { owner: req.owner, repo: req.repo };
      // Never cancel the run that is answering.
      const runs = (await activeRunsFor(deps.gh, { ...repo, workflow }, target)).filter(
        (r) => String(r.id) !== deps.settings.runner.runId,
      );
      const outcomes = await cancelRuns(deps.gh, repo, runs);
      const ref = await deps.publisher.reply(stopReply(where, workflow, outcomes));
      return { url: ref.url, summary: `stop: cancelled ${outcomes.filter((o) => o.ok).length} runs` };
    }
    default: {
      const ref = await deps.publisher.reply(helpText(deps.settings.trigger_phrase));
      return { url: ref.url, summary: 'help' };
    }
  }
}

async function costOf(gh: GitHub, req: RelayRequest, selfLogins: string[]): Promise<CostSummary> {
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    owner: req.owner,
    repo: req.repo,
    issue_number: req.target.number,
    per_page: 100,
  });
  return sumCosts(
    comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      authorLogin: c.user?.login ?? '',
      authorType: c.user?.type,
    })),
    selfLogins,
  );
}

/** `owner/repo/.github/workflows/claude.yml@refs/heads/main` → `claude.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  const m = /\/\.github\/workflows\/([^@/]+)@/.exec(ref ?? '');
  return m?.[1];
}
