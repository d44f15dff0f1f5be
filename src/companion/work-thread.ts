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
 * The writer (with Redis only) takes each verified delivery's body from the webhook's thread, reads
 * it, writes it as a job and says how to answer (intake.ts): the webhook is answered only once its
 * job is in Redis. Reading the payload and writing the job cost more CPU than checking the
 * signature does (the JSON parsed and re-encoded, the script call, the socket write); in a thread
 * of its own, at the webhook thread's priority, that runs on the other core instead of delaying
 * the next answers, and the webhook's thread never parses the payload.
 *
 * The thread runs the module that starts it (server.ts; under tsx in development) or the bundle
 * (dist/companion/index.js, whose entry starts nothing in a worker thread); that module calls
 * serveWorkThread at its end.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { QUEUED, readDelivery, type Answer } from './intake';
import { lowerThreadPriority } from './thread-priority';
import type { Delivery, Received, WorkQueue } from './work-queue';

const MARK = 'claude-relay-work-thread';

/** How long past its deadline a thread asked to stop may take before it is stopped anyway. */
const DRAIN_MARGIN_MS = 5000;

/** What the thread needs to build the same companion: the environment and the server options. */
export interface ThreadInit {
  /** `work`: the handlers and the queue's consumer; `writer`: reads deliveries and writes them to Redis. */
  role: 'work' | 'writer';
  env: Record<string, string | undefined>;
  writeSpacingMs?: number;
  /** The thread's nice value (thread-priority.ts); 0 leaves it at the process's. */
  nice: number;
}

/** A verified delivery's body, for the writer to read and queue; answered by `n`. */
interface Take {
  id: string;
  name: string;
  body: Uint8Array;
  n: number;
}

type ToThread =
  | { type: 'add'; id: string; name: string; text: string; key: string }
  | { type: 'take'; takes: Take[] }
  | { type: 'idle'; n: number }
  | { type: 'answering'; answering: boolean }
  | { type: 'drain'; ms: number };

type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'idle'; n: number }
  /** Takes answered together (see serveWorkThread): the answer, or why it could not be queued. */
  | { type: 'answered'; answers: { n: number; answer?: Answer; error?: string }[] }
  | { type: 'drained'; left: Delivery[] };

/**
 * The queue as the webhook's thread sees it: adds go to the work thread; with Redis, bodies are
 * taken by the writer thread (take).
 */
export class ThreadQueue implements WorkQueue {
  private idleWaiters = new Map<number, () => void>();
  private taking = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>();
  /** Takes not yet posted (see take). */
  private takes: Take[] = [];
  private drained: ((left: Delivery[] | undefined) => void) | undefined;
  private nextIdle = 0;
  private nextTake = 0;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly role: ThreadInit['role'],
    onExit: (code: number) => void,
  ) {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'idle') {
        this.idleWaiters.get(m.n)?.();
        this.idleWaiters.delete(m.n);
      } else if (m.type === 'answered') {
        for (const { n, answer, error } of m.answers) {
          const waiting = this.taking.get(n);
          this.taking.delete(n);
          if (error === undefined) waiting?.resolve(answer ?? QUEUED);
          else waiting?.reject(new Error(error));
        }
      } else if (m.type === 'drained') this.drained?.(m.left);
    });
    worker.once('exit', (code) => {
      this.exited = true;
      for (const resolve of this.idleWaiters.values()) resolve();
      this.idleWaiters.clear();
      const stopped = new Error(`the ${role === 'writer' ? 'Redis writer' : 'work'} thread stopped`);
      for (const { reject } of this.taking.values()) reject(stopped);
      this.taking.clear();
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
    return new ThreadQueue(worker, init.role, onExit);
  }

  /** False once the thread has stopped: acknowledged work would not be done. */
  get alive(): boolean {
    return !this.exited;
  }

  add(delivery: Delivery | Received, key: string): Promise<void> {
    if (this.exited) return Promise.reject(new Error('the thread that queues deliveries has stopped'));
    const { id, name, payload } = delivery;
    const text = 'text' in delivery ? delivery.text : JSON.stringify(payload);
    this.worker.postMessage({ type: 'add', id, name, text, key } satisfies ToThread);
    return Promise.resolve();
  }

  /**
   * The writer's intake (intake.ts): the body goes to the thread, which reads and queues it and
   * says how to answer. The bodies taken in one turn of the event loop (a burst) are posted in one
   * message, each message costing this thread a post and the writer a wake-up; their bytes are
   * moved, not copied. `body` is unusable here afterwards.
   */
  take(id: string, name: string, body: Buffer): Promise<Answer> {
    if (this.exited) return Promise.reject(new Error('the thread that queues deliveries has stopped'));
    // A body of its own memory moves as it is; a slice of Node's shared pool (small bodies) is copied.
    const own =
      body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : Uint8Array.from(body);
    const n = this.nextTake++;
    return new Promise((resolve, reject) => {
      this.taking.set(n, { resolve, reject });
      if (this.takes.push({ id, name, body: own, n }) === 1) setImmediate(() => this.postTakes());
    });
  }

  private postTakes(): void {
    const takes = this.takes.splice(0);
    if (this.exited) return; // the exit handler has rejected them
    try {
      this.worker.postMessage(
        { type: 'take', takes } satisfies ToThread,
        takes.map((t) => t.body.buffer as ArrayBuffer),
      );
    } catch (err) {
      // Not expected (each body is its own memory); the deliveries are answered 500, not lost.
      for (const { n } of takes) {
        this.taking.get(n)?.reject(err instanceof Error ? err : new Error(String(err)));
        this.taking.delete(n);
      }
    }
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

  /**
   * Asks the thread to finish its work within `ms` and stop; what it left unfinished. A thread
   * that has not answered `DRAIN_MARGIN_MS` after that deadline is stopped anyway, and the
   * promise rejects saying so: shutting down must end, whatever the thread waits for.
   */
  async drain(ms: number): Promise<Delivery[]> {
    if (this.exited) return [];
    let timer: NodeJS.Timeout | undefined;
    const left = await new Promise<Delivery[] | undefined>((resolve) => {
      this.drained = resolve;
      timer = setTimeout(() => resolve(undefined), ms + DRAIN_MARGIN_MS);
      this.worker.postMessage({ type: 'drain', ms } satisfies ToThread);
    });
    clearTimeout(timer);
    await this.worker.terminate();
    if (left) return left;
    const thread = this.role === 'writer' ? 'Redis writer' : 'work';
    throw new Error(
      `the ${thread} thread did not stop within ${Math.round((ms + DRAIN_MARGIN_MS) / 1000)} s`,
    );
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
    // Takes written together (redis.ts) are answered in one message: one for each would cost the
    // webhook's thread a message event per delivery.
    let answering: { n: number; answer?: Answer; error?: string }[] = [];
    const answer = (answered: { n: number; answer?: Answer; error?: string }) => {
      if (answering.push(answered) === 1)
        queueMicrotask(() => {
          port.postMessage({ type: 'answered', answers: answering } satisfies FromThread);
          answering = [];
        });
    };
    const queued = (id: string, done: Promise<void>, n?: number) =>
      done.then(
        () => {
          if (n !== undefined) answer({ n });
        },
        (err: unknown) => {
          work.log.error({ err, id }, 'claude-relay: a delivery could not be queued');
          if (n !== undefined) answer({ n, error: err instanceof Error ? err.message : String(err) });
        },
      );
    port.on('message', (m: ToThread) => {
      if (m.type === 'take') {
        for (const { id, name, body, n } of m.takes) {
          try {
            const read = readDelivery(id, name, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
            if ('answer' in read) answer({ n, answer: read.answer });
            else void queued(id, work.queue.add(read.delivery, read.key), n);
          } catch (err) {
            // Never expected (readDelivery answers what it cannot read); the delivery still gets a 500.
            void queued(id, Promise.reject(err as Error), n);
          }
        }
      } else if (m.type === 'add') {
        // Parsed here, off the webhook's thread.
        const delivery = { id: m.id, name: m.name, payload: JSON.parse(m.text) as unknown };
        void queued(m.id, work.queue.add(delivery, m.key));
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
