/**
 * Automation runs: with `prompt`/`prompt_file`, an event that carries no PR or issue (schedule,
 * push, release, a dispatch without a number, …) runs the prompt in the repository's context. The
 * answer goes to the outputs and the job summary; nothing is posted on GitHub.
 *
 * The repository and the actor come from the payload when it has them, else from the runner
 * (`GITHUB_REPOSITORY`, `GITHUB_ACTOR`: a schedule payload carries neither). The gate still checks
 * the actor: a push by a bot or a release by a read-only account does not start a run.
 */
import { z } from 'zod';
import type { Actor, AutomationEvent, EventResult, RelayRequest } from '../request/types';
import { explicitPrompt } from './common';
import { actorOf, repository, skip, user, type EventOptions } from './schema';

const loose = z.looseObject({
  action: z.string().optional(),
  repository: repository.optional(),
  sender: user.optional(),
});

const pushPayload = z.looseObject({
  ref: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  commits: z
    .array(z.looseObject({ id: z.string(), message: z.string() }))
    .nullish()
    .catch(undefined),
});
const releasePayload = z.looseObject({
  release: z
    .looseObject({ tag_name: z.string(), name: z.string().nullish(), body: z.string().nullish() })
    .optional()
    .catch(undefined),
});
const schedulePayload = z.looseObject({ schedule: z.string().optional().catch(undefined) });

/** Builds the automation request, or a skip without a prompt. */
export function automationEvent(
  eventName: string,
  payload: unknown,
  opts: EventOptions,
  notRunReason: string,
): EventResult {
  const prompt = explicitPrompt(opts);
  if (prompt === undefined) return skip(notRunReason);
  const p = loose.safeParse(payload);
  const data = p.success ? p.data : {};
  const fullName = data.repository?.full_name ?? opts.repository ?? '';
  const [owner, repo] = fullName.split('/');
  if (!owner || !repo) {
    return skip(
      `${eventName}: the repository is unknown (no repository in the payload, GITHUB_REPOSITORY unset)`,
    );
  }
  let actor: Actor | undefined = data.sender ? actorOf(data.sender) : undefined;
  if (!actor && opts.runnerActor) {
    const login = opts.runnerActor;
    actor = { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  }
  if (!actor)
    return skip(`${eventName}: no sender in the payload and GITHUB_ACTOR unset: nobody to authorize`);
  const req: RelayRequest = {
    eventName,
    ...(data.action ? { action: data.action } : {}),
    owner,
    repo,
    target: { kind: 'repository', number: 0 },
    actor,
    trigger: 'prompt',
    command: { name: 'ask', text: prompt },
    isPullRequestTarget: false,
    automation: describeEvent(eventName, payload, data.action, opts),
  };
  return req;
}

function describeEvent(
  eventName: string,
  payload: unknown,
  action: string | undefined,
  opts: EventOptions,
): AutomationEvent {
  const out: AutomationEvent = {
    eventName,
    ...(action ? { action } : {}),
    ...(opts.ref ? { ref: opts.ref } : {}),
    ...(opts.sha ? { sha: opts.sha } : {}),
    untrusted: [],
  };
  if (eventName === 'push') {
    const p = pushPayload.safeParse(payload);
    if (p.success) {
      if (p.data.ref) out.ref = p.data.ref;
      if (p.data.after) out.sha = p.data.after;
      const commits = (p.data.commits ?? []).slice(-20);
      if (commits.length) {
        out.untrusted.push({
          label: 'pushed commits',
          text: commits.map((c) => `${c.id.slice(0, 12)} ${c.message.split('\n')[0] ?? ''}`).join('\n'),
        });
      }
    }
  } else if (eventName === 'release') {
    const r = releasePayload.safeParse(payload);
    const rel = r.success ? r.data.release : undefined;
    if (rel) {
      out.untrusted.push({ label: 'release tag and name', text: `${rel.tag_name} ${rel.name ?? ''}`.trim() });
      if (rel.body) out.untrusted.push({ label: 'release notes', text: rel.body.slice(0, 20_000) });
    }
  } else if (eventName === 'schedule') {
    const s = schedulePayload.safeParse(payload);
    if (s.success && s.data.schedule) out.untrusted.push({ label: 'schedule', text: s.data.schedule });
  }
  return out;
}
