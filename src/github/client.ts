/**
 * The GitHub client: Octokit with the retry and throttling plugins, pointed at GITHUB_API_URL so
 * GitHub Enterprise Server (and the test fakes) work. 5xx answers are retried with backoff,
 * 429/403 rate limits wait for `retry-after` and try again.
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { fastJsonBodies } from './json-body';

const RelayOctokit = Octokit.plugin(retry, throttling, fastJsonBodies);
export type GitHub = InstanceType<typeof RelayOctokit>;

/**
 * GitHub asks for a second between writes, and more between writes that notify people (comments,
 * reviews), when a client makes many; Octokit's throttling plugin spaces every write 1 s and every
 * notifying write 3 s after the previous one. A run makes a handful (the progress comment, the
 * result, a review), and with that spacing each waited for the one before: the result of a quick
 * run was held up to a second behind its progress comment, a review up to three. So the first few
 * go out at once and the rest at the plugin's pace: a token bucket of `burst` that refills one
 * every `everyMs`, so a sustained stream of writes is paced exactly as before.
 */
export const WRITE_PACING = { burst: 5, everyMs: 1000 };
export const NOTIFYING_WRITE_PACING = { burst: 3, everyMs: 3000 };

function tokenBucket(p: { burst: number; everyMs: number }): InstanceType<typeof Bottleneck.Group> {
  return new Bottleneck.Group({
    maxConcurrent: 1,
    reservoir: p.burst,
    reservoirIncreaseInterval: p.everyMs,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseMaximum: p.burst,
  });
}

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
    // Errors are thrown and described by the caller; the request log's own error line ("GET … - 500
    // with id UNKNOWN") would report a network failure as a server error, so it is dropped.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log(m), error: () => {} },
    // 429s are left to the throttling plugin, which honours `retry-after`.
    retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      write: tokenBucket(WRITE_PACING),
      notifications: tokenBucket(NOTIFYING_WRITE_PACING),
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

/**
 * A short description of a GitHub API error that names its cause: "GitHub API 404 Not Found
 * (GET /repos/…)", or for a request that got no answer "GitHub API unreachable: ENOTFOUND
 * api.example.invalid (GET /repos/…)" — Octokit reports those as status 500, which they are not.
 */
export function describeGitHubError(err: unknown): string {
  const e = err as {
    status?: number;
    message?: string;
    response?: unknown;
    request?: { method?: string; url?: string };
  };
  const where = e?.request ? ` (${e.request.method ?? ''} ${stripHost(e.request.url ?? '')})` : '';
  const net = networkFailure(err);
  if (net) return `GitHub API unreachable: ${net}${where}`;
  if (typeof e?.status === 'number') {
    return `GitHub API ${e.status} ${(e.message ?? '').split('\n')[0]?.slice(0, 160)}${where}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * True when GitHub could not give an answer to rely on: no answer at all (network, DNS, timeout),
 * a server error, bad credentials, or a rate limit that outlasted the retries. A decision that
 * needed the answer is then a failure of the run, not a refusal.
 */
export function isInfrastructureError(err: unknown): boolean {
  if (networkFailure(err)) return true;
  const status = (err as { status?: unknown })?.status;
  if (typeof status !== 'number') return true;
  return status >= 500 || status === 401 || status === 429;
}

/** "ECONNREFUSED 127.0.0.1:9", "ENOTFOUND host", "timed out": the cause of a request without an answer. */
function networkFailure(err: unknown): string | undefined {
  const e = err as { response?: unknown; name?: string; status?: number };
  if (!e || typeof e !== 'object' || e.response) return undefined;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'the request timed out';
  const seen = new Set<unknown>();
  for (
    let c: unknown = err;
    c && typeof c === 'object' && !seen.has(c);
    c = (c as { cause?: unknown }).cause
  ) {
    seen.add(c);
    const x = c as {
      code?: unknown;
      hostname?: unknown;
      address?: unknown;
      port?: unknown;
      errors?: unknown;
    };
    const inner = Array.isArray(x.errors) ? (x.errors[0] as typeof x | undefined) : undefined;
    const code =
      typeof x.code === 'string' ? x.code : typeof inner?.code === 'string' ? inner.code : undefined;
    if (code && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      const src = inner ?? x;
      const target =
        typeof src.hostname === 'string'
          ? src.hostname
          : typeof src.address === 'string'
            ? `${src.address}${typeof src.port === 'number' ? `:${src.port}` : ''}`
            : '';
      return `${code}${target ? ` ${target}` : ''}`;
    }
  }
  // Octokit's wrapper for a fetch that threw: status 500, a request, no response.
  const r = err as { status?: number; request?: unknown; message?: string };
  if (r.status === 500 && r.request) return (r.message ?? 'no answer').split('\n')[0]?.slice(0, 160);
  return undefined;
}

function stripHost(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
