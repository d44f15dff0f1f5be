/**
 * The GitHub client: Octokit with the retry and throttling plugins, pointed at GITHUB_API_URL so
 * GitHub Enterprise Server (and the test fakes) work. 5xx answers are retried with backoff,
 * 429/403 rate limits wait for `retry-after` and try again.
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const RelayOctokit = Octokit.plugin(retry, throttling);
export type GitHub = InstanceType<typeof RelayOctokit>;

export interface ClientOptions {
  token: string;
  baseUrl: string;
  userAgent?: string;
  /** Where to report waits; the action logs them so a slow run explains itself. */
  log?: (line: string) => void;
  /** Rate-limit retries before giving up. */
  maxRateLimitRetries?: number;
}

export function createGitHub(opts: ClientOptions): GitHub {
  const log = opts.log ?? (() => {});
  const maxRetries = opts.maxRateLimitRetries ?? 3;
  return new RelayOctokit({
    auth: opts.token,
    baseUrl: opts.baseUrl,
    userAgent: opts.userAgent ?? 'claude-relay',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log(m), error: (m: string) => log(m) },
    // 429s are left to the throttling plugin, which honours `retry-after`.
    retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log(`GitHub rate limit on ${options.method} ${options.url}: retrying in ${retryAfter}s`);
        return retryCount < maxRetries;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log(`GitHub secondary rate limit on ${options.method} ${options.url}: retrying in ${retryAfter}s`);
        return retryCount < maxRetries;
      },
    },
  });
}

/** A short description of a GitHub API error: "GitHub API 404 Not Found (GET /repos/…)". */
export function describeGitHubError(err: unknown): string {
  const e = err as { status?: number; message?: string; request?: { method?: string; url?: string } };
  if (typeof e?.status === 'number') {
    const where = e.request ? ` (${e.request.method ?? ''} ${stripHost(e.request.url ?? '')})` : '';
    return `GitHub API ${e.status} ${(e.message ?? '').split('\n')[0]?.slice(0, 160)}${where}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function stripHost(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
