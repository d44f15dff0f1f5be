/**
 * One agent turn, after the request is authorized, as three stages:
 * gather (context, budget, session, prompt, tools, SDK options) → attempt (the agent; never throws)
 * → report (review, session, comment, outputs, summary, step status).
 * Loaded on demand by main.ts (the SDK and the MCP server are most of the bundle's start-up cost),
 * while the first GitHub calls are in flight; `warmUp` starts the CLI in that time too.
 */
import type { GitHub } from './github/client';
import type { Settings } from './inputs/settings';
import type { RelayRequest } from './request/types';
import type { CommentPublisher } from './report/publisher';
import type { Redactor } from './report/redact';
import { attempt } from './turn/attempt';
import { openTurn } from './turn/frame';
import { gather } from './turn/gather';
import { report } from './turn/report';
import type { WarmStart } from './turn/warm';

export { warmUp } from './turn/warm';

export async function runTurn(
  req: RelayRequest,
  settings: Settings,
  gh: GitHub,
  publisher: CommentPublisher,
  redactor: Redactor,
  selfLogins: string[],
  warm?: Promise<WarmStart>,
): Promise<void> {
  const turn = openTurn({ req, settings, gh, publisher, redactor, selfLogins, warm });
  const gathered = await gather(turn);
  const attempted = await attempt(turn, gathered);
  await report(turn, gathered, attempted);
}
