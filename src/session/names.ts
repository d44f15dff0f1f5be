/** What a stored session belongs to, and the file/artifact names derived from it. */

export interface SessionScope {
  owner: string;
  repo: string;
  kind: 'pull_request' | 'issue';
  number: number;
}

/**
 * One name component reduced to `[A-Za-z0-9._-]`: anything else becomes `_`, and runs of dots
 * too (so no component is `.` or `..`, and nothing ever reads as a path).
 */
export function sanitizeComponent(value: string, maxLength = 100): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^\./, '_')
    .slice(0, maxLength);
  return cleaned === '' ? '_' : cleaned;
}

function scopeNumber(scope: SessionScope): string {
  if (!Number.isSafeInteger(scope.number) || scope.number < 0) {
    throw new Error(`invalid ${scope.kind} number: ${String(scope.number)}`);
  }
  return String(scope.number);
}

/** `<owner>__<repo>__<kind>-<number>__` — every fs session file of this PR/issue starts with it. */
export function fsFilePrefix(scope: SessionScope): string {
  return `${sanitizeComponent(scope.owner)}__${sanitizeComponent(scope.repo)}__${scope.kind}-${scopeNumber(scope)}__`;
}

export function fsFileName(scope: SessionScope, sessionId: string): string {
  return `${fsFilePrefix(scope)}${sanitizeComponent(sessionId)}.sess`;
}

export const ARTIFACT_PREFIX = 'claude-relay-session-';
const ARTIFACT_NAME_MAX = 200;

export function artifactNamePrefix(scope: SessionScope): string {
  return `${ARTIFACT_PREFIX}${scope.kind}-${scopeNumber(scope)}-`;
}

/** `claude-relay-session-<kind>-<number>-<sessionId>`, sanitised, at most 200 characters. */
export function artifactName(scope: SessionScope, sessionId: string): string {
  const prefix = artifactNamePrefix(scope);
  return `${prefix}${sanitizeComponent(sessionId, ARTIFACT_NAME_MAX - prefix.length)}`;
}
