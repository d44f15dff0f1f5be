/**
 * Who may start a run: users with write, maintain or admin permission on the repository,
 * or listed in `allowed_users`; bots only when listed in `allowed_bots`, judged by account type,
 * never by a `[bot]` suffix. The relay's own comments never trigger. A permission lookup that
 * fails refuses: the gate fails closed. When GitHub gave no usable answer (network, DNS, 5xx, bad
 * credentials) the refusal is a failure of the run (`GateUnavailableError`), not a skip: nobody was
 * judged, and a green check would hide the outage.
 */
import { describeGitHubError, isInfrastructureError } from '../github/client';
import type { RelayRequest } from '../request/types';
import { isOwnComment, permissionOf, type PermissionApi } from '../core/identity';
import { containsMarker } from '../core/ledger';

export type GateDecision =
  | { allowed: true; via: 'permission' | 'allowed_users' | 'allowed_bots'; permission?: string }
  | { allowed: false; reason: string };

export interface GateOptions {
  /** Only the permission lookup: the action's and the companion's Octokit both satisfy it. */
  gh: PermissionApi;
  allowedUsers: string[];
  allowedBots: string[];
  /** Logins the relay posts as (e.g. `github-actions[bot]`, `claude-relay[bot]`). */
  selfLogins: string[];
}

export class GateUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateUnavailableError';
  }
}

const norm = (login: string) => login.toLowerCase().replace(/\[bot\]$/, '');

function listed(list: string[], login: string): boolean {
  return list.some((x) => x === '*' || norm(x) === norm(login));
}

export async function authorize(req: RelayRequest, o: GateOptions): Promise<GateDecision> {
  const { actor, comment } = req;
  // The sender of a comment event is its author; their account type tells the App from a user.
  const commentAuthorType =
    comment && norm(comment.authorLogin) === norm(actor.login) ? actor.type : undefined;
  if (
    comment &&
    isOwnComment({ authorLogin: comment.authorLogin, authorType: commentAuthorType }, o.selfLogins)
  ) {
    return { allowed: false, reason: `comment ${comment.id} was written by the relay itself` };
  }
  if (req.comment && containsMarker(req.comment.body)) {
    return { allowed: false, reason: `comment ${req.comment.id} is a relay result comment` };
  }
  if (actor.type === 'Bot') {
    if (isOwnComment({ authorLogin: actor.login, authorType: actor.type }, o.selfLogins))
      return { allowed: false, reason: `${actor.login} is the relay itself` };
    if (listed(o.allowedBots, actor.login)) return { allowed: true, via: 'allowed_bots' };
    return { allowed: false, reason: `${actor.login} is a bot account and is not listed in allowed_bots` };
  }
  if (actor.type !== 'User') {
    return { allowed: false, reason: `${actor.login} is an account of type ${actor.type}, not a user` };
  }
  if (
    listed(
      o.allowedUsers.filter((u) => u !== '*'),
      actor.login,
    )
  )
    return { allowed: true, via: 'allowed_users' };
  try {
    const { role, canWrite } = await permissionOf(o.gh, req.owner, req.repo, actor.login);
    if (canWrite) return { allowed: true, via: 'permission', permission: role };
    return { allowed: false, reason: `${actor.login} has ${role} permission; write access is required` };
  } catch (err) {
    if (isInfrastructureError(err)) {
      throw new GateUnavailableError(
        `Could not verify ${actor.login}'s permission, so not running: ${describeGitHubError(err)}`,
      );
    }
    return {
      allowed: false,
      reason: `could not verify ${actor.login}'s permission (${describeGitHubError(err)}); refusing`,
    };
  }
}
