/**
 * The queue key of a delivery, read where the delivery is queued before it is answered (intake.ts).
 * Deliveries of the same comment share one key, so redeliveries and replicas collapse into one
 * queued job. Only the four fields of the key are read here: the whole payload is judged by the
 * handler that takes the job, not on the path the answer waits for.
 */
import { z } from 'zod';
import { commentKey } from './dedupe';

/** The key's fields, as parseCommentEvent reads them (`z.object` copies nothing else). */
const keyFields = z.object({
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
  comment: z.object({ id: z.number().int() }),
});

const KIND = { issue_comment: 'issue_comment', pull_request_review_comment: 'review_comment' } as const;

/** The comment's key (commentKey), or one of its own for a delivery that names no comment. */
export function queueKey(eventName: string, payload: unknown, deliveryId: string): string {
  const kind = KIND[eventName as keyof typeof KIND] as (typeof KIND)[keyof typeof KIND] | undefined;
  const p = kind ? keyFields.safeParse(payload) : undefined;
  if (!kind || !p?.success) return `delivery:${deliveryId}`;
  return commentKey({
    owner: p.data.repository.owner.login,
    repo: p.data.repository.name,
    comment: { kind, id: p.data.comment.id },
  });
}
