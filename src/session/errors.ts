/** Why a stored session cannot be resumed. Messages are one line and safe to show in a comment. */

/** A stored session that cannot be used: not ours, wrong key, tampered, or unreadable. */
export class SessionCorruptError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-session' | 'decrypt' | 'format',
  ) {
    super(message);
    this.name = 'SessionCorruptError';
  }
}

/** A stored session that is not there (any more): file missing, artifact expired or deleted. */
export class SessionUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionUnavailableError';
  }
}

/** An error's message on one line, at most `max` characters (works across realms, unlike instanceof). */
export function oneLineMessage(err: unknown, max = 200): string {
  const message =
    typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string'
      ? (err as { message: string }).message
      : String(err);
  return message.replace(/\s+/g, ' ').trim().slice(0, max) || 'unknown error';
}

/** The error's `name`, when it has one. */
export function errorName(err: unknown): string | undefined {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}
