/**
 * The action's decisions, in pipeline order:
 * settings → event → gate → command → context → prompt → agent → report.
 * I/O goes through small interfaces (GitHub client, comment publisher, log sink) so the same path
 * runs on GitHub, under act, and in `npm run local`.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import type { AgentOutcome } from './agent/outcome';
import { prepareAgent } from './agent/prepare';
import { runAgent } from './agent/query';
import { fetchContext, fetchPullRequest } from './context/fetch';
import { parseEvent } from './event';
import { authorize } from './gate/authorize';
import { createGitHub, describeGitHubError, type GitHub } from './github/client';
import { readSettings, secretValues, type Settings } from './inputs/settings';
import { buildPrompt } from './prompt/build';
import { isSkip, type RelayRequest } from './request/types';
import { renderFinal, renderProgress, type RunInfo } from './report/comment';
import { oneLineError } from './report/errors';
import { LiveLog } from './report/live-log';
import { outputsFrom, summaryMarkdown, writeOutputs } from './report/outputs';
import { CommentPublisher } from './report/publisher';
import { Redactor } from './report/redact';
import { runDirectCommand } from './commands/direct';
import { getCommand } from './commands/registry';

const REAL_FAILURES = new Set(['failure', 'timeout', 'cancelled']);

export async function main(): Promise<void> {
  const redactor = new Redactor();
  const settings = readSettings((name) => core.getInput(name));
  for (const s of secretValues(settings)) core.setSecret(s);
  redactor.add(...secretValues(settings));
  const redact = (s: string) => redactor.redact(s);
  reportUnsupportedInputs(settings);
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

  const gh = createGitHub({
    token: settings.github_token ?? '',
    baseUrl: settings.runner.apiUrl,
    log: (l) => core.info(redact(l)),
  });
  const gate = await authorize(req, {
    gh,
    allowedUsers: settings.allowed_users,
    allowedBots: settings.allowed_bots,
    selfLogins: ['github-actions[bot]'],
  });
  if (!gate.allowed) return skip(gate.reason);
  core.info(
    `Authorized @${req.actor.login} (${gate.via}${gate.allowed && gate.permission ? `: ${gate.permission}` : ''})`,
  );

  const publisher = new CommentPublisher({
    gh,
    owner: req.owner,
    repo: req.repo,
    issueNumber: req.target.number,
    mode: settings.comment_mode,
    redact,
  });
  const spec = getCommand(req.command.name);
  if (!spec.runsAgent) {
    const reply = await runDirectCommand(req, { gh, settings, publisher });
    writeOutputs(core, outputsFrom(undefined, 'success', reply.url, reply.summary), redact);
    return;
  }

  await runTurn(req, settings, gh, publisher, redactor);
}

async function runTurn(
  req: RelayRequest,
  settings: Settings,
  gh: GitHub,
  publisher: CommentPublisher,
  redactor: Redactor,
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

  await publisher.start(renderProgress(run, undefined, req.actor.login));
  const log = new LiveLog(
    { info: core.info, startGroup: core.startGroup, endGroup: core.endGroup },
    settings.runner.workspace,
    redact,
  );
  let outcome: AgentOutcome;
  try {
    const context = await fetchContext(gh, req);
    const authorizedHead = req.expectedHeadSha ?? context.pr?.headSha;
    if (req.expectedHeadSha && context.pr && context.pr.headSha !== req.expectedHeadSha) {
      throw new StopError(
        `The PR head moved from ${req.expectedHeadSha.slice(0, 7)} to ${context.pr.headSha.slice(0, 7)} after the request was authorized; not running on unreviewed code. Ask again.`,
      );
    }
    const prompt = buildPrompt(req, context, settings);
    const agent = await prepareAgent(req, context, settings, { log, redactor });
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
    outcome.toolCalls = log.calls;
    await agent.cleanup?.();
  } catch (err) {
    const stopped = err instanceof StopError;
    outcome = {
      conclusion: 'failure',
      result: stopped ? err.message : `The run failed before the agent finished: ${oneLineError(err)}`,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
      numTurns: 0,
      durationMs: 0,
      toolCalls: log.calls,
    };
  }

  let commentUrl = '';
  try {
    const ref = await publisher.finish(
      renderFinal({ outcome, run, store: 'none' }),
      `✅ Finished — see the result below. ([run](${run.runUrl}))`,
    );
    commentUrl = ref.url;
  } catch (err) {
    core.error(redact(`Could not post the result comment: ${describeGitHubError(err)}`));
  }
  writeOutputs(core, outputsFrom(outcome, outcome.conclusion, commentUrl), redact);
  try {
    await core.summary.addRaw(redact(summaryMarkdown(outcome, commentUrl))).write();
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

/** Inputs declared in action.yml that this version accepts but does not act on yet: say so. */
const NOT_YET_SUPPORTED: (keyof Settings)[] = [
  'app_id',
  'pr_budget_usd',
  'session_key',
  'allowed_tools',
  'disallowed_tools',
  'allowed_bash',
];

function reportUnsupportedInputs(s: Settings): void {
  for (const name of NOT_YET_SUPPORTED) {
    const v = s[name];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      core.warning(`Input ${name} is not yet supported by this version of claude-relay and is ignored.`);
    }
  }
}
