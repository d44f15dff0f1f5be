/**
 * The agent's start, begun while the gate and the context calls are in flight: the CLI is resolved,
 * the sandbox probed and a CLI process parked (`agent/spare.ts`) with the options this run is
 * expected to have. The turn claims it if its real options match, so the CLI's boot (about a
 * second) overlaps GitHub's round trips instead of following them.
 *
 * Only runs that are expected to start a new session from the checkout's own settings are warmed:
 * a follow-up usually resumes a session, and a fork or `pull_request_target` run takes its settings
 * from the base commit, both of which the CLI must know when it starts.
 */
import fs from 'node:fs';
import * as core from '@actions/core';
import { prepareAgent, type EarlyAgent } from '../agent/prepare';
import { resolveProfile } from '../policy/profile';
import { AgentSpare } from '../agent/spare';
import { getCommand } from '../commands/registry';
import type { RunContext } from '../context/fetch';
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import { isAutomation, type RelayRequest } from '../request/types';
import { markStage } from '../report/stages';
import { MemorySessionStore } from '../session';
import { buildRelayTools, RELAY_READ_TOOLS, RELAY_WRITE_TOOLS } from '../tools';

export interface WarmStart {
  /** What the run's own preparation reuses (CLI, run folder, isolation). */
  early: EarlyAgent;
  /** A parked CLI, when one was started. */
  spare?: AgentSpare;
  /**
   * Ends what the warm-up left that no turn took over: the parked CLI and the run folder made for
   * it (a turn that ran removes the folder itself). Called once the request is done.
   */
  discard(): Promise<void>;
}

export async function warmUp(input: {
  req: RelayRequest;
  settings: Settings;
  gh: GitHub;
  requester: string;
}): Promise<WarmStart> {
  const { req, settings, gh } = input;
  const early: EarlyAgent = {};
  const removeRunDir = async () => {
    if (early.runDir) fs.rmSync(early.runDir, { recursive: true, force: true });
  };
  const why = notWarmed(req, settings);
  if (why) {
    core.debug(`claude-relay: no parked CLI (${why})`);
    return { early, discard: removeRunDir };
  }
  try {
    const profile = resolveProfile(settings.tool_policy, req);
    // Only the tools' names and descriptions matter here: the parked CLI calls the run's own tools.
    const relay = isAutomation(req)
      ? undefined
      : buildRelayTools({
          gh,
          req,
          workspace: settings.runner.workspace,
          profile,
          requester: { login: input.requester },
          onProgress: async () => {},
        });
    const predicted = await prepareAgent({
      req,
      context: expectedContext(req),
      settings,
      gh,
      sessionStore: new MemorySessionStore(),
      redact: (s) => s,
      onDecision: () => {},
      early,
      // The prediction's own conclusions (config root, warnings) are not the run's: not logged.
      log: { info: () => {}, warning: () => {} },
      ...(relay
        ? {
            relayServer: { config: relay.server, read: [...RELAY_READ_TOOLS], write: [...RELAY_WRITE_TOOLS] },
          }
        : {}),
    });
    const unparkable = AgentSpare.unparkable(predicted.options);
    if (unparkable) core.debug(`claude-relay: no parked CLI (${unparkable})`);
    const spare = unparkable ? undefined : AgentSpare.start(predicted.options, (l) => core.info(l));
    if (spare) markStage('parked');
    const discard = async () => {
      await spare?.close();
      await predicted.cleanup().catch(() => {});
    };
    return spare ? { early, spare, discard } : { early, discard };
  } catch (err) {
    // The run's own preparation redoes what is missing and reports what fails.
    core.debug(`claude-relay: no parked CLI: ${(err as Error).message}`);
    return { early, discard: removeRunDir };
  }
}

/** Why this run is not worth a parked CLI; undefined when it is. */
function notWarmed(req: RelayRequest, settings: Settings): string | undefined {
  // The way out if parking ever misbehaves on a runner (the SDK marks prewarm() alpha).
  if (process.env.CLAUDE_RELAY_NO_PARKED_CLI === '1') return 'CLAUDE_RELAY_NO_PARKED_CLI=1';
  if (!getCommand(req.command.name).runsAgent) return 'no agent turn';
  if (req.isPullRequestTarget) return 'pull_request_target uses the base configuration';
  if (req.pr?.isFork) return 'a fork uses the base configuration';
  const noSession =
    isAutomation(req) || settings.sessionStore === 'none' || getCommand(req.command.name).freshSession;
  // Nothing the relay said can be on a PR or issue that was just opened: no session to resume.
  const justOpened =
    req.action === 'opened' && (req.eventName === 'pull_request' || req.eventName === 'issues');
  if (!noSession && !justOpened) return 'the run may resume a session';
  return undefined;
}

/** The context as far as the CLI's start depends on it: a same-repository PR or issue. */
function expectedContext(req: RelayRequest): RunContext {
  return {
    issue: {
      number: req.target.number,
      title: '',
      body: '',
      author: req.actor.login,
      labels: [],
      state: 'open',
    },
    comments: [],
    reviewComments: [],
    reviews: [],
  };
}
