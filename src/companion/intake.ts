/**
 * What happens to a delivery once its signature checks out: its payload is read, a new comment is
 * queued under its key, and the answer says which. Written once, run where the answer waits:
 *
 * - on the webhook's thread (no Redis): the delivery goes to the in-memory queue at once;
 * - on the Redis writer's thread (work-thread.ts): the webhook's thread hands over the body's bytes
 *   and answers with what the writer decided. The answer waits for the job's write anyway, and the
 *   payload is read once, where the job is written, not once on each thread.
 */
import { queueKey } from './queue-key';
import type { Received, WorkQueue } from './work-queue';

/** The webhook's answer to a verified delivery: status and JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export const QUEUED: Answer = { status: 202, body: { ok: true } };

/** The delivery to queue and its key, or the answer when nothing is queued. */
export type ReadDelivery = { delivery: Received; key: string } | { answer: Answer };

/** Reads a verified delivery's body (UTF-8 JSON): only new comments are queued (edits never trigger). */
export function readDelivery(id: string, name: string, body: Buffer): ReadDelivery {
  const text = body.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { answer: { status: 400, body: { error: 'payload is not JSON' } } };
  }
  if ((payload as { action?: unknown } | null)?.action !== 'created') {
    return { answer: { status: 202, body: { ok: true, ignored: 'not a new comment' } } };
  }
  // One queue entry per comment: deliveries of the same comment collapse (see redis.ts).
  return { delivery: { id, name, payload, text }, key: queueKey(name, payload, id) };
}

/** Takes a verified delivery's body; resolves with the answer once it is queued (or not to be). */
export type Intake = (id: string, name: string, body: Buffer) => Promise<Answer>;

/** Reads deliveries on the calling thread and adds them to `queue`. */
export function intakeInto(queue: WorkQueue): Intake {
  return async (id, name, body) => {
    const read = readDelivery(id, name, body);
    if ('answer' in read) return read.answer;
    await queue.add(read.delivery, read.key);
    return QUEUED;
  };
}
