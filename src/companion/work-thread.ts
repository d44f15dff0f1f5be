/**
 * The companion's work in its own thread, so that answering webhooks never waits behind it.
 *
 * A handled comment costs a dozen GitHub requests (Octokit, JSON of run listings, the queue); on
 * the thread that also reads webhooks, a burst of that work delays every answer behind it. With
 * the work here, the webhook's thread only verifies, queues and answers. The thread builds its
 * own Probot from the same environment and takes deliveries from the queue: without Redis, the
 * webhook's thread posts each one here (the in-memory queue lives here); with Redis, this thread's
 * BullMQ worker takes them from Redis, where a second thread, the writer, puts them.
 *
 * The writer (with Redis only) writes each delivery the webhook's thread posts to it as a job, and
 * confirms it: the webhook is answered only once its job is in Redis. A job write costs the
 * thread that makes it more CPU than reading the delivery did (the payload re-encoded, the script
 * call, the socket write); in a thread of its own, at the webhook thread's priority, it runs on
 * the other core instead of delaying the next answers.
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
  /** `work`: the handlers and the queue's consumer; `writer`: writes jobs to Redis (see above). */
  role: 'work' | 'writer';
  env: Record<string, string | undefined>;
  writeSpacingMs?: number;
  /** The thread's nice value (thread-priority.ts); 0 leaves it at the process's. */
  nice: number;
}

type ToThread =
  /** With `n`, the thread answers `added` once the delivery is queued (or could not be). */
  | { type: 'add'; id: string; name: string; text: string; key: string; n?: number }
  | { type: 'idle'; n: number }
  | { type: 'answering'; answering: boolean }
  | { type: 'drain'; ms: number };

type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'idle'; n: number }
  /** Adds confirmed together (see serveWorkThread). */
  | { type: 'added'; added: { n: number; error?: string }[] }
  | { type: 'drained'; left: Delivery[] };

/** The queue as the webhook's thread sees it: adds go to the thread. */
export class ThreadQueue implements WorkQueue {
  private idleWaiters = new Map<number, () => void>();
  private adding = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private drained: ((left: Delivery[]) => void) | undefined;
  private nextIdle = 0;
  private nextAdd = 0;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    /** Each add resolves once the thread confirms the delivery is queued (the writer). */
    private readonly confirmAdds: boolean,
    onExit: (code: number) => void,
  ) {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'idle') {
        this.idleWaiters.get(m.n)?.();
        this.idleWaiters.delete(m.n);
      } else if (m.type === 'added') {
        for (const { n, error } of m.added) {
          const waiting = this.adding.get(n);
          this.adding.delete(n);
          if (error === undefined) waiting?.resolve();
          else waiting?.reject(new Error(error));
        }
      } else if (m.type === 'drained') this.drained?.(m.left);
    });
    worker.once('exit', (code) => {
      this.exited = true;
      for (const resolve of this.idleWaiters.values()) resolve();
      this.idleWaiters.clear();
      const stopped = new Error(`the ${confirmAdds ? 'Redis writer' : 'work'} thread stopped`);
      for (const { reject } of this.adding.values()) reject(stopped);
      this.adding.clear();
      this.drained?.([]);
      onExit(code);
    });
  }

  /** Starts the thread; rejects with its error when it cannot build its part of the companion. */
  static async start(entry: URL, init: ThreadInit, onExit: (code: number) => void): Promise<ThreadQueue> {
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
    return new ThreadQueue(worker, init.role === 'writer', onExit);
  }

  /** False once the thread has stopped: acknowledged work would not be done. */
  get alive(): boolean {
    return !this.exited;
  }

  add(delivery: Delivery | Received, key: string): Promise<void> {
    if (this.exited) return Promise.reject(new Error('the thread that queues deliveries has stopped'));
    const { id, name, payload } = delivery;
    const text = 'text' in delivery ? delivery.text : JSON.stringify(payload);
    if (!this.confirmAdds) {
      this.worker.postMessage({ type: 'add', id, name, text, key } satisfies ToThread);
      return Promise.resolve();
    }
    const n = this.nextAdd++;
    return new Promise((resolve, reject) => {
      this.adding.set(n, { resolve, reject });
      this.worker.postMessage({ type: 'add', id, name, text, key, n } satisfies ToThread);
    });
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
    // Adds written together (redis.ts) are confirmed in one message: one for each would cost the
    // webhook's thread a message event per delivery.
    let confirming: { n: number; error?: string }[] = [];
    const confirm = (added: { n: number; error?: string }) => {
      if (confirming.push(added) === 1)
        queueMicrotask(() => {
          port.postMessage({ type: 'added', added: confirming } satisfies FromThread);
          confirming = [];
        });
    };
    port.on('message', (m: ToThread) => {
      if (m.type === 'add') {
        // Parsed here, off the webhook's thread (which has parsed it once to verify and key it).
        const delivery = { id: m.id, name: m.name, payload: JSON.parse(m.text) as unknown };
        const { n } = m;
        work.queue.add(delivery, m.key).then(
          () => {
            if (n !== undefined) confirm({ n });
          },
          (err: unknown) => {
            work.log.error({ err, id: m.id }, 'claude-relay: a delivery could not be queued');
            const error = err instanceof Error ? err.message : String(err);
            if (n !== undefined) confirm({ n, error });
          },
        );
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
