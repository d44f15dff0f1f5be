/**
 * What the queue keeps of a delivery's payload. Most of a webhook payload's bytes are API links
 * (`url`, `comments_url`, `avatar_url`, … — three quarters of an `issue_comment`), and the
 * companion reads none of them: it reads ids, numbers, logins, bodies and `html_url`. Without them
 * a queued delivery is a quarter of the size — less to write to Redis (or to copy to the work
 * thread) before the webhook is answered, and less to keep in Redis while finished jobs are kept.
 */

/** `url` and every `…_url` string but `html_url` (the web links replies point to). */
function isApiLink(key: string, value: unknown): boolean {
  return typeof value === 'string' && (key === 'url' || (key.endsWith('_url') && key !== 'html_url'));
}

/** A copy of a parsed JSON payload without API links, at any depth. */
export function withoutApiLinks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutApiLinks);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (!isApiLink(key, v)) out[key] = withoutApiLinks(v);
  }
  return out;
}
