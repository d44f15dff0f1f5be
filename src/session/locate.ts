/**
 * Whether a comment was written by the relay's own identity: the only comments whose records the
 * ledger (`core/ledger.ts`) reads — anyone can paste a marker into a comment of their own.
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
