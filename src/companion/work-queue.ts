/**
 * Acknowledged work, kept apart from the webhook's answer: the HTTP handler verifies a delivery,
 * adds it here and answers; handlers take deliveries from here, a bounded number at a time, so a
 * burst neither delays the answers to the next deliveries nor runs thousands of handlers at once.
 *
 * Without Redis (MemoryQueue) the queue lives in this process: a crash loses what it holds, and a
 * stop (SIGTERM) finishes it up to a deadline and logs what was left. With REDIS_URL the queue is
 * durable and shared by every replica (redis.ts).
 */

import { withoutApiLinks } from './payload';

/** One verified webhook delivery, as Probot's `receive` takes it. */
export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
}

/**
 * A delivery as the webhook's thread has it: also its payload's JSON as it arrived, which is what
 * crosses to the work thread (copying a string costs a fraction of cloning the parsed object).
 */
export interface Received extends Delivery {
  text: string;
}

export interface WorkQueue {
  /** Resolves once the delivery is stored (in memory at once; in Redis once written). */
  add(delivery: Delivery, key: string): Promise<void>;
  /** Resolves when this replica holds nothing. */
  idle(): Promise<void>;
  /**
   * Stops taking work after finishing what this replica holds, waiting at most `ms`. Resolves with
   * what was acknowledged here and not finished (a durable queue hands it to other replicas).
   */
  drain(ms: number): Promise<Delivery[]>;
  /**
   * While the webhook's thread is answering deliveries, start one handler at a time: on a machine
   * with few cores the work would otherwise take the CPU the answers need (a burst of deliveries
   * is answered first, then worked off at full concurrency). Handlers already running go on.
   */
  setAnswering(answering: boolean): void;
}

export class MemoryQueue implements WorkQueue {
  private readonly waiting: Delivery[] = [];
  private readonly running = new Set<Delivery>();
  private idlers: (() => void)[] = [];
  private stopped = false;
  private limit: number;

  constructor(
    private readonly work: (delivery: Delivery) => Promise<void>,
    private readonly concurrency = 32,
  ) {
    this.limit = concurrency;
  }

  setAnswering(answering: boolean): void {
    this.limit = answering ? Math.min(1, this.concurrency) : this.concurrency;
    if (!answering) setImmediate(() => this.pump());
  }

  add(delivery: Delivery): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the companion is stopping'));
    this.waiting.push({ id: delivery.id, name: delivery.name, payload: withoutApiLinks(delivery.payload) });
    // After the answer: the handler never runs inside the request that acknowledged it.
    setImmediate(() => this.pump());
    return Promise.resolve();
  }

  get pending(): number {
    return this.waiting.length + this.running.size;
  }

  private pump(): void {
    while (this.running.size < this.limit && this.waiting.length > 0) {
      const delivery = this.waiting.shift() as Delivery;
      this.running.add(delivery);
      void this.work(delivery)
        .catch(() => {})
        .finally(() => {
          this.running.delete(delivery);
          this.pump();
          if (this.pending === 0) {
            for (const resolve of this.idlers.splice(0)) resolve();
          }
        });
    }
  }

  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idlers.push(resolve));
  }

  async drain(ms: number): Promise<Delivery[]> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
    const left = [...this.running, ...this.waiting.splice(0)];
    return left;
  }
}
