/**
 * The webhook thread keys a delivery from four fields; the handler that takes it parses the whole
 * payload. Both must name a comment the same way, or redeliveries would not collapse into one job.
 */
import { createRequire } from 'node:module';
import { parseCommentEvent } from '../../src/event/comments';
import { commentKey } from '../../src/companion/dedupe';
import { queueKey } from '../../src/companion/queue-key';

const require = createRequire(import.meta.url);
const definitions = require('@octokit/webhooks-examples') as { name: string; examples: unknown[] }[];
const comments = definitions
  .filter((d) => d.name === 'issue_comment' || d.name === 'pull_request_review_comment')
  .flatMap((d) => d.examples.map((payload) => [d.name, payload] as const));

it('has real comment payloads of both kinds to check', () => {
  expect(new Set(comments.map(([name]) => name))).toEqual(
    new Set(['issue_comment', 'pull_request_review_comment']),
  );
});

it.each(comments)('keys a real %s payload as the full parse does', (name, payload) => {
  expect(queueKey(name, payload, 'delivery-1')).toBe(commentKey(parseCommentEvent(name, payload)));
});

it('keys what names no comment by its delivery', () => {
  const [, payload] = comments[0] as (typeof comments)[number];
  const noComment = { ...(payload as object), comment: { id: 'seven' } };
  expect(queueKey('issue_comment', noComment, 'd-2')).toBe('delivery:d-2');
  expect(queueKey('issue_comment', null, 'd-3')).toBe('delivery:d-3');
  expect(queueKey('pull_request_review', payload, 'd-4')).toBe('delivery:d-4');
});

it('keeps the two comment APIs apart (their ids are separate)', () => {
  const [, payload] = comments[0] as (typeof comments)[number];
  expect(queueKey('issue_comment', payload, 'd')).not.toBe(
    queueKey('pull_request_review_comment', payload, 'd'),
  );
});
