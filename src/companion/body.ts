/**
 * Reading a webhook body without trusting it: the size is checked before anything is kept
 * (Content-Length, then the bytes as they stream in), the HMAC-SHA256 signature is computed while
 * the bytes arrive, and only deliveries the companion handles are held in memory at all — others
 * are verified and dropped chunk by chunk. All bodies held at one moment share one budget, so a
 * flood of large unsigned POSTs cannot grow the process beyond it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
/** Bodies held by all requests together before new ones are turned away (503). */
export const MAX_BUFFERED_BYTES = 100 * 1024 * 1024;

/** Bytes of request bodies currently held, across requests. */
export class BodyBudget {
  private used = 0;
  constructor(readonly max: number) {}
  take(bytes: number): boolean {
    if (this.used + bytes > this.max) return false;
    this.used += bytes;
    return true;
  }
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
  get inUse(): number {
    return this.used;
  }
}

export type BodyResult =
  | { ok: true; body: Buffer | undefined }
  | {
      ok: false;
      status: number;
      error: string;
      /** close the connection: the body was not read */ close: boolean;
    };

export interface ReadOptions {
  secret: string;
  /** `sha256=<hex>` from X-Hub-Signature-256. */
  signature: string;
  /** Keep the bytes (a delivery the companion handles) or only verify them. */
  keep: boolean;
  maxBytes: number;
  budget: BodyBudget;
}

function signatureMatches(expected: Buffer, header: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m?.[1]) return false;
  return timingSafeEqual(expected, Buffer.from(m[1], 'hex'));
}

/**
 * Reads the body of `req` within the limits. Resolves once it is read and verified (or refused);
 * a refused body is not kept, and the caller should close the connection when `close` is set.
 */
export function readSignedBody(req: http.IncomingMessage, opts: ReadOptions): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    req.resume();
    return Promise.resolve({
      ok: false,
      status: 413,
      error: `payload of ${declared} bytes is over the ${opts.maxBytes}-byte limit (GitHub sends at most 25 MB)`,
      close: true,
    });
  }
  return new Promise((resolve) => {
    const hmac = createHmac('sha256', opts.secret);
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      opts.budget.give(held);
      held = 0;
      chunks.length = 0;
      req.off('data', onData);
      // Whatever still arrives is discarded, not kept.
      if (!result.ok) req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > opts.maxBytes) {
        finish({
          ok: false,
          status: 413,
          error: `payload is over the ${opts.maxBytes}-byte limit (GitHub sends at most 25 MB)`,
          close: true,
        });
        return;
      }
      hmac.update(chunk);
      if (!opts.keep) return;
      if (!opts.budget.take(chunk.length)) {
        finish({
          ok: false,
          status: 503,
          error: 'too many large deliveries at once; try again later',
          close: true,
        });
        return;
      }
      held += chunk.length;
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', () =>
      finish({ ok: false, status: 400, error: 'the request body could not be read', close: true }),
    );
    req.once('aborted', () =>
      finish({ ok: false, status: 400, error: 'the request was aborted', close: true }),
    );
    req.once('end', () => {
      if (settled) return;
      if (!signatureMatches(hmac.digest(), opts.signature)) {
        finish({ ok: false, status: 401, error: 'signature does not match', close: false });
        return;
      }
      const body = opts.keep ? Buffer.concat(chunks, size) : undefined;
      finish({ ok: true, body });
    });
  });
}
