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
   * While the webhook's thread is answering deliveries, hold the work: one handler at most is
   * taken, and it starts once the answers are done (see AnsweringGate). On a machine with few
   * cores the work would otherwise take the CPU the answers need: a burst of deliveries is
   * answered first, then worked off at full concurrency. Handlers already running go on.
   */
  setAnswering(answering: boolean): void;
}

/**
 * Holds the start of each handler while deliveries are being answered. A hold ends when the
 * answers are done, or after `maxHoldMs`; a hold that ran out opens the gate for the next
 * `maxHoldMs`, so answers that never pause still leave the work half of the time (one handler at
 * a time, as the queues limit it while answering) instead of starving it.
 */
export class AnsweringGate {
  private answering = false;
  private openUntil = 0;
  private readonly held = new Set<() => void>();

  constructor(private readonly maxHoldMs = 1000) {}

  set(answering: boolean): void {
    this.answering = answering;
    if (!answering) for (const go of [...this.held]) go();
  }

  /** Resolves at once unless answering; then when the answers are done, or maxHoldMs at most. */
  async pass(): Promise<void> {
    if (!this.answering || Date.now() < this.openUntil) return;
    await new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.held.delete(go);
        resolve();
      };
      const timer = setTimeout(() => {
        this.openUntil = Date.now() + this.maxHoldMs;
        go();
      }, this.maxHoldMs);
      this.held.add(go);
    });
  }
}

export class MemoryQueue implements WorkQueue {
  private readonly waiting: Delivery[] = [];
  private readonly running = new Set<Delivery>();
  private idlers: (() => void)[] = [];
  private stopped = false;
  private limit: number;
  private readonly gate: AnsweringGate;

  constructor(
    private readonly work: (delivery: Delivery) => Promise<void>,
    private readonly concurrency = 32,
    maxHoldMs?: number,
  ) {
    this.limit = concurrency;
    this.gate = new AnsweringGate(maxHoldMs);
  }

  setAnswering(answering: boolean): void {
    this.gate.set(answering);
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
      void this.gate
        .pass()
        .then(() => this.work(delivery))
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
