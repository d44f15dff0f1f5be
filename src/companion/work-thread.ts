/**
 * The companion's work in its own thread, so that answering webhooks never waits behind it.
 *
 * A handled comment costs a dozen GitHub requests (Octokit, JSON of run listings, the queue); on
 * the thread that also reads webhooks, a burst of that work delays every answer behind it. With
 * the work here, the webhook's thread only verifies, queues and answers. The thread builds its
 * own Probot from the same environment and takes deliveries from the queue: without Redis, the
 * webhook's thread posts each one here (the in-memory queue lives here); with Redis, the webhook's
 * thread writes jobs to Redis and this thread's BullMQ worker takes them.
 *
 * The thread runs the module that starts it (server.ts; under tsx in development) or the bundle
 * (dist/companion/index.js, whose entry starts nothing in a worker thread); that module calls
 * serveWorkThread at its end.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority';
import type { Delivery, Received, WorkQueue } from './work-queue';

const MARK = 'claude-relay-work-thread';

/** What the thread needs to build the same companion: the environment and the server options. */
export interface ThreadInit {
  env: Record<string, string | undefined>;
  writeSpacingMs?: number;
  /** The thread's nice value (thread-priority.ts); 0 leaves it at the process's. */
  nice: number;
}

type ToThread =
  | { type: 'add'; id: string; name: string; text: string; key: string }
  | { type: 'idle'; n: number }
  | { type: 'answering'; answering: boolean }
  | { type: 'drain'; ms: number };

type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'idle'; n: number }
  | { type: 'drained'; left: Delivery[] };

/** The queue as the webhook's thread sees it: adds go to the thread (or to `producer`). */
export class ThreadQueue implements WorkQueue {
  private idleWaiters = new Map<number, () => void>();
  private drained: ((left: Delivery[]) => void) | undefined;
  private nextIdle = 0;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    /** With Redis: jobs are written to Redis here and taken by the thread's worker. */
    private readonly producer: WorkQueue | undefined,
    onExit: (code: number) => void,
  ) {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'idle') {
        this.idleWaiters.get(m.n)?.();
        this.idleWaiters.delete(m.n);
      } else if (m.type === 'drained') this.drained?.(m.left);
    });
    worker.once('exit', (code) => {
      this.exited = true;
      for (const resolve of this.idleWaiters.values()) resolve();
      this.idleWaiters.clear();
      this.drained?.([]);
      onExit(code);
    });
  }

  /** Starts the thread; rejects with its error when it cannot build the companion. */
  static async start(
    entry: URL,
    init: ThreadInit,
    producer: WorkQueue | undefined,
    onExit: (code: number) => void,
  ): Promise<ThreadQueue> {
    const data = { [MARK]: init };
    // Under tsx (development, the benchmark) the thread loads the TypeScript module through tsx.
    const worker = entry.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true, workerData: data },
        )
      : new Worker(entry, { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromThread) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'failed') reject(new Error(m.error));
        if (m.type === 'ready' || m.type === 'failed') worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the work thread exited (${code}) while starting`)));
    });
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    return new ThreadQueue(worker, producer, onExit);
  }

  /** False once the thread has stopped: acknowledged work would not be done. */
  get alive(): boolean {
    return !this.exited;
  }

  add(delivery: Delivery | Received, key: string): Promise<void> {
    if (this.exited) return Promise.reject(new Error('the work thread has stopped'));
    const { id, name, payload } = delivery;
    if (this.producer) return this.producer.add({ id, name, payload }, key);
    const text = 'text' in delivery ? delivery.text : JSON.stringify(payload);
    this.worker.postMessage({ type: 'add', id, name, text, key } satisfies ToThread);
    return Promise.resolve();
  }

  setAnswering(answering: boolean): void {
    if (!this.exited) this.worker.postMessage({ type: 'answering', answering } satisfies ToThread);
  }

  idle(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const n = this.nextIdle++;
    return new Promise((resolve) => {
      this.idleWaiters.set(n, resolve);
      this.worker.postMessage({ type: 'idle', n } satisfies ToThread);
    });
  }

  async drain(ms: number): Promise<Delivery[]> {
    await this.producer?.drain(0);
    if (this.exited) return [];
    const left = await new Promise<Delivery[]>((resolve) => {
      this.drained = resolve;
      this.worker.postMessage({ type: 'drain', ms } satisfies ToThread);
    });
    await this.worker.terminate();
    return left;
  }
}

/** What the thread runs: the companion's Probot and the consuming side of its queue. */
export interface CompanionWork {
  queue: WorkQueue;
  log: { error(fields: object, message: string): void; warn(fields: object, message: string): void };
  close(): Promise<void>;
}

/**
 * In a work thread started by ThreadQueue: builds the work side with `start` and serves the
 * webhook thread's messages. Does nothing anywhere else.
 */
export function serveWorkThread(start: (init: ThreadInit) => Promise<CompanionWork>): void {
  const port = parentPort;
  const init = (workerData as Record<string, ThreadInit | undefined> | null)?.[MARK];
  if (isMainThread || !port || !init) return;
  void (async () => {
    // Before anything is built, so that start-up work does not compete with answers either.
    const notNiced = lowerThreadPriority(init.nice);
    let work: CompanionWork;
    try {
      work = await start(init);
      if (notNiced)
        work.log.warn(
          {},
          `claude-relay companion: the work thread runs at the webhook thread's priority (${notNiced})`,
        );
    } catch (err) {
      port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
      return;
    }
    port.on('message', (m: ToThread) => {
      if (m.type === 'add') {
        // Parsed here, off the webhook's thread (which has parsed it once to verify and key it).
        const delivery = { id: m.id, name: m.name, payload: JSON.parse(m.text) as unknown };
        work.queue.add(delivery, m.key).catch((err: unknown) => {
          work.log.error({ err, id: m.id }, 'claude-relay: a delivery could not be queued');
        });
      } else if (m.type === 'answering') {
        work.queue.setAnswering(m.answering);
      } else if (m.type === 'idle') {
        void work.queue.idle().then(() => port.postMessage({ type: 'idle', n: m.n } satisfies FromThread));
      } else {
        void (async () => {
          const left = await work.queue.drain(m.ms);
          await work.close();
          // The thread's log reaches the process through its stdio port; a write's callback runs
          // once the webhook thread has taken the chunk, so nothing logged is lost to terminate().
          await new Promise((resolve) => setImmediate(resolve));
          await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))));
          port.postMessage({ type: 'drained', left } satisfies FromThread);
        })();
      }
    });
    port.postMessage({ type: 'ready' } satisfies FromThread);
  })();
}
