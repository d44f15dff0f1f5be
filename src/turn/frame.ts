/**
 * What every stage of a turn shares: the request, its settings and clients, who asked, the run's
 * links, the live log, the cancel signal, and the notes the final comment collects. Opening a turn
 * posts the progress comment at once, so people see the relay answered while the context loads.
 */
import * as core from '@actions/core';
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import { requesterOf, type RelayRequest } from '../request/types';
import { renderProgress, type RunInfo } from '../report/comment';
import { LiveLog } from '../report/live-log';
import type { CommentPublisher } from '../report/publisher';
import type { Redactor } from '../report/redact';
import type { WarmStart } from './warm';

export interface TurnInput {
  req: RelayRequest;
  settings: Settings;
  gh: GitHub;
  publisher: CommentPublisher;
  redactor: Redactor;
  /** Logins the relay's comments come from; markers are trusted only from these. */
  selfLogins: string[];
  /** The agent's start, begun while the gate ran (see warm.ts). */
  warm?: Promise<WarmStart>;
}

export interface Turn extends TurnInput {
  redact: (s: string) => string;
  run: RunInfo;
  /** Who asked: the dispatching requester, the commenter, or the event's sender. */
  requester: string;
  log: LiveLog;
  /** Aborted on SIGTERM/SIGINT: the agent is stopped and what it spent is reported. */
  cancel: AbortSignal;
  /** Resolves when the progress comment exists; `gather` waits for it before the agent starts. */
  progressPosted: Promise<unknown>;
  /** One line each for the final comment (session notes, pushes, reviews). */
  notes: string[];
}

export function openTurn(input: TurnInput): Turn {
  const { req, settings, publisher, redactor } = input;
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
  const requester = requesterOf(req);
  const progressPosted = publisher.start(renderProgress(run, undefined, requester));
  progressPosted.catch(() => {});
  const log = new LiveLog(
    { info: core.info, startGroup: core.startGroup, endGroup: core.endGroup },
    settings.runner.workspace,
    redact,
  );
  return { ...input, redact, run, requester, log, cancel: cancel.signal, progressPosted, notes: [] };
}

/** How the progress comment ends when the result is a new comment (`comment_mode: new`). */
export const PROGRESS_DONE = '✅ Finished — see the result below.';

/** A reason not to run the agent, said in words to the person who asked. */
export class StopError extends Error {}
