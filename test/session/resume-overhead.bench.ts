/**
 * Resume overhead: time from query() start to the first request reaching the (fake) Anthropic API,
 * for a resumed session (restored from an encrypted fs session into a MemorySessionStore) vs a
 * fresh start. Median of 5 each, interleaved, after one warm-up of each. Not a test:
 *
 *   npx tsx test/session/resume-overhead.bench.ts
 */
import { lastUserText, startFakeAnthropic } from '../support/fake-anthropic';
import {
  deriveSessionKey,
  MemorySessionStore,
  SessionManager,
  type SessionScope,
} from '../../src/session/index';
import { freshDir, runTurn } from './sdk-run';

const ROUNDS = 5;
const scope: SessionScope = { owner: 'octo-org', repo: 'bench', kind: 'pull_request', number: 1 };
const key = deriveSessionKey({ apiKey: 'sk-ant-test', repository: 'octo-org/bench' });

let firstRequestAt: number | undefined;
const fake = await startFakeAnthropic((req) => {
  firstRequestAt ??= Date.now();
  return { text: lastUserText(req).includes('what was the word') ? 'PINEAPPLE' : 'Noted.' };
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timed(run: () => Promise<{ startedAt: number }>): Promise<{ toFirst: number; total: number }> {
  firstRequestAt = undefined;
  const t0 = Date.now();
  const r = await run();
  if (firstRequestAt === undefined) throw new Error('no request reached the fake API');
  return { toFirst: firstRequestAt - r.startedAt, total: Date.now() - t0 };
}

async function recordSession(
  prompt: string,
): Promise<{ location: string; sessionId: string; entries: number }> {
  const fsDir = freshDir('bench-sessions-');
  const store = new MemorySessionStore();
  const r = await runTurn({ prompt, fakeUrl: fake.url, sessionStore: store });
  const sessionId = r.resultSessionId!;
  const mgr = new SessionManager({ kind: 'fs', fsDir, key, scope, runId: '1' });
  const location = await mgr.persist(store, sessionId);
  managers.set(location, mgr);
  return { location, sessionId, entries: store.toBundle(sessionId).main.length };
}
const managers = new Map<string, SessionManager>();

async function bench(label: string, prompt: string): Promise<void> {
  const session = await recordSession(prompt);
  const mgr = managers.get(session.location)!;
  const fresh: number[] = [];
  const resumed: number[] = [];
  const restoreMs: number[] = [];
  const freshTotal: number[] = [];
  const resumedTotal: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const f = await timed(() =>
      runTurn({ prompt: 'what was the word?', fakeUrl: fake.url, sessionStore: new MemorySessionStore() }),
    );
    const r0 = Date.now();
    const restored = await mgr.restore(session.location);
    const rMs = Date.now() - r0;
    if (!restored.store || !restored.sessionId) throw new Error(`restore failed: ${restored.note}`);
    const r = await timed(() =>
      runTurn({
        prompt: 'what was the word?',
        fakeUrl: fake.url,
        sessionStore: restored.store,
        resume: restored.sessionId,
      }),
    );
    if (i === 0) continue; // warm-up
    fresh.push(f.toFirst);
    freshTotal.push(f.total);
    resumed.push(r.toFirst);
    resumedTotal.push(r.total);
    restoreMs.push(rMs);
  }
  console.log(`\n${label}: session of ${session.entries} transcript entries`);
  console.log(
    `  fresh start : query() → first API request median ${median(fresh)} ms  [${fresh.join(', ')}]; whole turn ${median(freshTotal)} ms`,
  );
  console.log(
    `  resume      : query() → first API request median ${median(resumed)} ms  [${resumed.join(', ')}]; whole turn ${median(resumedTotal)} ms`,
  );
  console.log(
    `  overhead    : ${median(resumed) - median(fresh)} ms (medians), plus restore (read + decrypt fs file) median ${median(restoreMs)} ms`,
  );
}

try {
  await bench('small', 'remember the word PINEAPPLE');
  await bench(
    'large (~200 KB prompt)',
    `remember the word PINEAPPLE. Context follows.\n${'lorem ipsum dolor sit amet '.repeat(7500)}`,
  );
} finally {
  await fake.close();
}
