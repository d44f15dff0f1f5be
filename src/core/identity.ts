/**
 * Who is who, decided once for the action and the companion:
 * - the relay's own comments (the only ones whose records the ledger reads — anyone can paste a
 *   marker into a comment of their own, and the relay's own comments never trigger a run);
 * - who has write access (the gate, and whether a PR author's checkout may configure the agent);
 * - whether a PR comes from a fork;
 * - which pieces of a secret must be masked in the log and redacted from what leaves the run.
 */

export interface MarkerComment {
  id: number;
  body: string;
  authorLogin: string;
  /** `Bot`, `User`, … when known (REST `user.type`, GraphQL `__typename`). */
  authorType?: string;
}

const BOT_SUFFIX = '[bot]';

function baseLogin(login: string): { base: string; bot: boolean } {
  const lower = login.trim().toLowerCase();
  return lower.endsWith(BOT_SUFFIX)
    ? { base: lower.slice(0, -BOT_SUFFIX.length), bot: true }
    : { base: lower, bot: false };
}

/**
 * True when the comment was written by one of `selfLogins`. Case-insensitive; `app[bot]` and `app`
 * match (REST and GraphQL spell a GitHub App's login differently), except that an author without
 * the suffix whose type is known and is not `Bot` is a user account, never the App.
 */
export function isOwnComment(
  comment: Pick<MarkerComment, 'authorLogin' | 'authorType'>,
  selfLogins: string[],
): boolean {
  const author = baseLogin(comment.authorLogin);
  if (author.base === '') return false;
  const type = comment.authorType?.trim().toLowerCase();
  return selfLogins.some((login) => {
    const self = baseLogin(login);
    if (self.base === '' || self.base !== author.base) return false;
    if (self.bot === author.bot) return true;
    // Suffix differs: an author that lacks `[bot]` must not be a known non-bot account.
    return author.bot || type === undefined || type === '' || type === 'bot';
  });
}

/** Repository permissions that count as write access. */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

/** The one GitHub call a permission check needs; Octokit and Probot's Octokit both have it. */
export interface PermissionApi {
  rest: {
    repos: {
      getCollaboratorPermissionLevel(p: {
        owner: string;
        repo: string;
        username: string;
      }): Promise<{ data: { permission: string; role_name?: string } }>;
    };
  };
}

export interface Permission {
  /** The finest role GitHub names (`role_name`, e.g. `maintain`), else the classic permission. */
  role: string;
  canWrite: boolean;
}

/** The login's permission on the repository. Throws what GitHub threw: callers decide how to fail closed. */
export async function permissionOf(
  gh: PermissionApi,
  owner: string,
  repo: string,
  login: string,
): Promise<Permission> {
  const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
  const role = data.role_name ?? data.permission;
  return { role, canWrite: WRITE_ROLES.has(role) || WRITE_ROLES.has(data.permission) };
}

export interface RepositoryRef {
  id?: number;
  full_name: string;
}

/**
 * True when the PR's head lives in another repository than its base: different repository ids (as
 * actions/checkout compares them) or different names. Either difference counts, so a doubt makes
 * the PR untrusted; a deleted head repository can only have been a fork.
 */
export function isForkPullRequest(head: RepositoryRef | null | undefined, base: RepositoryRef): boolean {
  if (!head) return true;
  if (head.id !== undefined && base.id !== undefined && head.id !== base.id) return true;
  return head.full_name.toLowerCase() !== base.full_name.toLowerCase();
}

/** Lines of a multi-line secret shorter than this are not masked on their own (too common). */
const MIN_SECRET_LINE = 8;

/**
 * A secret and, for a multi-line one (a private key), each of its lines: the runner matches masks
 * line by line, and a key can reach text one line at a time.
 */
export function secretPieces(secret: string): string[] {
  const lines = secret
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_SECRET_LINE && l !== secret);
  return [...new Set([secret, ...lines])];
}
