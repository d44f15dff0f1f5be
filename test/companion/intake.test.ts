/**
 * readDelivery, the one reader of a verified delivery's body (on the webhook's thread without Redis,
 * on the writer thread with it): what is queued, under which key, and what is answered instead.
 */
import { QUEUED, intakeInto, readDelivery } from '../../src/companion/intake';
import { queueKey } from '../../src/companion/queue-key';
import type { Delivery, WorkQueue } from '../../src/companion/work-queue';

const created = {
  action: 'created',
  repository: { name: 'repo', owner: { login: 'Octo' } },
  comment: { id: 42, body: '/claude review' },
};

describe('readDelivery', () => {
  it('queues a new comment under its comment key, with the text as it arrived', () => {
    const text = ` ${JSON.stringify(created)}\n`;
    const read = readDelivery('d1', 'issue_comment', Buffer.from(text));
    expect(read).toEqual({
      delivery: { id: 'd1', name: 'issue_comment', payload: created, text },
      key: queueKey('issue_comment', created, 'd1'),
    });
    // Two deliveries of one comment share the key.
    const again = readDelivery('d2', 'issue_comment', Buffer.from(JSON.stringify(created)));
    expect('key' in again && again.key).toBe('key' in read && read.key);
  });

  it.each([
    ['not JSON', '{"action": "created", ', { status: 400, body: { error: 'payload is not JSON' } }],
    ['empty', '', { status: 400, body: { error: 'payload is not JSON' } }],
    ['JSON null', 'null', { status: 202, body: { ok: true, ignored: 'not a new comment' } }],
    [
      'an edit',
      JSON.stringify({ ...created, action: 'edited' }),
      { status: 202, body: { ok: true, ignored: 'not a new comment' } },
    ],
    [
      'an action that is not a string',
      JSON.stringify({ ...created, action: ['created'] }),
      { status: 202, body: { ok: true, ignored: 'not a new comment' } },
    ],
  ])('answers %s without queueing it', (_what, body, answer) => {
    expect(readDelivery('d', 'issue_comment', Buffer.from(body))).toEqual({ answer });
  });
});

describe('intakeInto', () => {
  it('answers only once the queue has the delivery, and passes its failure on', async () => {
    const added: [Delivery, string][] = [];
    let fail = false;
    const queue = {
      add: async (d: Delivery, key: string) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) throw new Error('Redis is full');
        added.push([d, key]);
      },
    } as unknown as WorkQueue;
    const intake = intakeInto(queue);
    await expect(intake('d1', 'issue_comment', Buffer.from(JSON.stringify(created)))).resolves.toBe(QUEUED);
    expect(added.map(([d, key]) => [d.id, key])).toEqual([['d1', queueKey('issue_comment', created, 'd1')]]);
    fail = true;
    await expect(intake('d2', 'issue_comment', Buffer.from(JSON.stringify(created)))).rejects.toThrow(
      'Redis is full',
    );
    await expect(intake('d3', 'issue_comment', Buffer.from('nope'))).resolves.toEqual({
      status: 400,
      body: { error: 'payload is not JSON' },
    });
    expect(added).toHaveLength(1);
  });
});
