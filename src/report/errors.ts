/** One readable line for any error: never a bare stack trace in the job log. */
import { describeGitHubError } from '../github/client';

export function oneLineError(err: unknown): string {
  const text = describeGitHubError(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500) || 'unknown error';
}
