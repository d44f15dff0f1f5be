/**
 * The action's decisions, in pipeline order:
 * settings → event → gate → command, then the agent turn (`turn.ts`: context → session → prompt →
 * agent → report).
 * I/O goes through small interfaces (GitHub client, comment publisher, log sink) so the same path
 * runs on GitHub, under act, and in `npm run local`.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { runDirectCommand, workflowFileFromRef } from './commands/direct';
import { getCommand } from './commands/registry';
import { parseEvent } from './event';
import { authorize } from './gate/authorize';
import { mintInstallationToken } from './github/app-token';
import { createGitHub, type GitHub } from './github/client';
import { answerPermissionOnce } from './github/once';
import { readSettings, secretValues, type Settings } from './inputs/settings';
import { isSkip, requesterOf, type RelayRequest } from './request/types';
import type { WarmStart } from './turn/warm';
import { outputsFrom, writeOutputs } from './report/outputs';
import { reportFailure } from './report/failure';
import { CommentPublisher } from './report/publisher';
import { Redactor } from './report/redact';
import { secretPieces } from './core/identity';
import { markStage } from './report/stages';

/** The identity GITHUB_TOKEN comments come from. */
const SELF_LOGINS = ['github-actions[bot]'];

export async function main(): Promise<void> {
  const redactor = new Redactor();
  try {
    await decideAndRun(redactor);
  } catch (err) {
    await reportFailure(core, err, (s) => redactor.redact(s));
  }
}

async function decideAndRun(redactor: Redactor): Promise<void> {
  markStage('loaded');
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
    labelTrigger: settings.label_trigger,
    assigneeTriggers: settings.assignee_trigger,
    reviewDrafts: settings.review_drafts,
    repository: settings.runner.repository,
    runnerActor: settings.runner.actor,
    ref: settings.runner.ref,
    sha: settings.runner.sha,
  });
  if (isSkip(event)) return skip(event.reason);
  const req: RelayRequest = event;
  markStage('inputs');
  // Start loading the agent stage now; it evaluates while the gate's GitHub calls are in flight.
  const turn = getCommand(req.command.name).runsAgent ? import('./turn') : undefined;
  turn?.catch(() => {});

  const identity = await resolveIdentity(settings, req);
  // The github_token input is masked above already; an App's installation token is new.
  if (!secretValues(settings).includes(identity.token)) maskSecret(identity.token);
  redactor.add(identity.token);
  try {
    await runRequest(req, settings, identity, redactor, skip, turn);
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
  turn: Promise<typeof import('./turn')> | undefined,
): Promise<void> {
  const redact = (s: string) => redactor.redact(s);
  const gh = answerPermissionOnce(
    createGitHub({
      token: identity.token,
      baseUrl: settings.runner.apiUrl,
      log: (l) => core.info(redact(l)),
    }),
  );
  // The agent's start overlaps the gate and context calls; a denied run discards it below.
  const warm = turn?.then(
    (m) => (markStage('agent-loaded'), m.warmUp({ req, settings, gh, requester: requesterOf(req) })),
  );
  warm?.catch(() => {});
  try {
    await gateAndRun({ req, settings, identity, redactor, skip, gh, turn, warm });
  } finally {
    await warm?.then((w) => w.discard()).catch(() => {});
  }
}

async function gateAndRun(r: {
  req: RelayRequest;
  settings: Settings;
  identity: Identity;
  redactor: Redactor;
  skip: (reason: string) => void;
  gh: GitHub;
  turn: Promise<typeof import('./turn')> | undefined;
  warm: Promise<WarmStart> | undefined;
}): Promise<void> {
  const { req, settings, identity, redactor, skip, gh, turn, warm } = r;
  const redact = (s: string) => redactor.redact(s);
  const gate = await authorize(req, {
    gh,
    allowedUsers: settings.allowed_users,
    allowedBots: settings.allowed_bots,
    selfLogins: identity.selfLogins,
  });
  markStage('gate');
  if (!gate.allowed) return skip(gate.reason);
  core.info(`Authorized @${req.actor.login} (${gate.via}${gate.permission ? `: ${gate.permission}` : ''})`);

  const publisher = new CommentPublisher({
    gh,
    owner: req.owner,
    repo: req.repo,
    issueNumber: req.target.kind === 'repository' ? undefined : req.target.number,
    mode: settings.comment_mode,
    redact,
    selfLogins: identity.selfLogins,
    ...(req.comment ? { replyTo: req.comment } : {}),
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
  const { runTurn } = await (turn ?? import('./turn'));
  await runTurn(req, settings, gh, publisher, redactor, identity.selfLogins, warm);
}

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

function maskSecret(secret: string): void {
  for (const piece of secretPieces(secret)) core.setSecret(piece);
}
