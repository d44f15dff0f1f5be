/**
 * Octokit reads every JSON answer with json-with-bigint, so that integers above 2^53 stay exact.
 * That reader is about nine times slower than JSON.parse, on Node 20 and on Node 24 (a 22 kB run
 * listing: about 450 µs against 50 µs). The companion makes about 20 requests per `/claude`
 * comment, and under a burst most of its work thread's CPU went there.
 *
 * An answer with no integer above 2^53 is read by JSON.parse to the same value, so that is what
 * this plugin uses for it (see parseJsonText). An answer that has one, and every answer that is not
 * JSON, is read exactly as Octokit reads it.
 */
import { parse as parseContentType } from 'content-type';
import { JSONParse } from 'json-with-bigint';
import type { Octokit } from '@octokit/rest';

/** Digits enough for an integer above Number.MAX_SAFE_INTEGER (16), in a number or in a string. */
const LONG_DIGITS = /\d{16}/;

/**
 * What Octokit's own reader returns for this text, without its cost where no number needs a
 * BigInt. Most answers have no run of 16 digits. Where one is found, it is often inside a string (a
 * commit SHA has one about once in 75), so the parsed value is checked for an integer that
 * JSON.parse could not hold exactly before the text is read again the slow way.
 */
export function parseJsonText(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return LONG_DIGITS.test(text) && holdsUnsafeInteger(value) ? JSONParse(text) : value;
}

/** Whether a parsed JSON value holds an integer beyond 2^53, which JSON.parse rounded. */
function holdsUnsafeInteger(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const child of Object.values(v)) stack.push(child);
    }
  }
  return false;
}

/** Octokit plugin: answers' bodies are read here (see above) instead of by `@octokit/request`. */
export const fastJsonBodies = jsonBodiesReadBy(parseJsonText);

/** An Octokit plugin that reads JSON answers with `parse`, and every other answer as Octokit does. */
export function jsonBodiesReadBy(parse: (text: string) => unknown) {
  return (octokit: Pick<Octokit, 'hook'>): void => {
    octokit.hook.wrap('request', async (request, options) => {
      // A caller that reads the body itself (a download) gets it as it asked.
      if (options.request?.parseSuccessResponseBody === false) return request(options);
      // The answer is kept whole, not only its body: undici cancels the body of a Response that is
      // garbage-collected unread, and Octokit hands back the body alone.
      const fetch = options.request?.fetch ?? globalThis.fetch;
      let answer: Response | undefined;
      // Octokit's hooks share one options object per request (the inner ones are bound to it), so
      // the switches are set on it; a new `request` object keeps the client's defaults untouched.
      options.request = {
        ...options.request,
        parseSuccessResponseBody: false,
        fetch: async (url: string, init: RequestInit) => (answer = await fetch(url, init)),
      };
      const response = await request(options);
      // Answers without a body (204, 205, HEAD) come back already read, as an empty string.
      if (!(response.data instanceof ReadableStream) && response.data !== null) return response;
      const stream = response.data as ReadableStream | null;
      const body = stream === null ? null : answer?.body === stream ? answer : new Response(stream);
      return { ...response, data: await readBody(body, response.headers['content-type'], parse) };
    });
  };
}

/** `@octokit/request`'s getResponseData, with the JSON step above. Error answers never get here. */
async function readBody(
  body: Response | null,
  contentType: string | undefined,
  parse: (text: string) => unknown,
): Promise<unknown> {
  if (!body) return '';
  if (!contentType) return body.text().catch(() => '');
  const { type, parameters } = parseContentType(contentType);
  if (type === 'application/json' || type === 'application/scim+json') {
    let text = '';
    try {
      text = await body.text();
      return parse(text);
    } catch {
      return text;
    }
  }
  // application/octet-stream is binary even when it claims a charset (as in Octokit).
  if (
    type.startsWith('text/') ||
    (parameters.charset?.toLowerCase() === 'utf-8' && type !== 'application/octet-stream')
  )
    return body.text().catch(() => '');
  return body.arrayBuffer().catch(() => new ArrayBuffer(0));
}
