import { parseMarker, renderMarker, sumCosts } from '../../src/core/ledger';
import { composeSticky, EMPTY_STICKY, foldSticky, MAX_STICKY_CHARS } from '../../src/report/sticky';

const done = (runId: string, cost: number, text: string) =>
  `${text}\n\n---\n<sub>$${cost} · [run](https://x/${runId})</sub>\n${renderMarker({ v: 1, status: 'done', run_id: runId, cost_usd: cost, conclusion: 'success' })}`;
const running = (runId: string) =>
  `⏳ working\n\n${renderMarker({ v: 1, status: 'running', run_id: runId })}`;
const ledger = (body: string) =>
  sumCosts([{ id: 1, body, authorLogin: 'github-actions[bot]', authorType: 'Bot' }], ['github-actions[bot]']);

describe('sticky comment', () => {
  it('folds each finished run under the next one and keeps every cost exactly once', () => {
    let body = composeSticky(done('1', 0.1, 'FIRST'), EMPTY_STICKY);
    let state = foldSticky(body);
    body = composeSticky(running('2'), state);
    // While run 2 works, run 1 is folded and still counted.
    expect(ledger(body).totalUsd).toBeCloseTo(0.1);
    body = composeSticky(done('2', 0.2, 'SECOND'), state);
    state = foldSticky(body);
    body = composeSticky(done('3', 0.3, 'THIRD'), state);
    expect(body.indexOf('THIRD')).toBeLessThan(body.indexOf('<details>'));
    expect(body.indexOf('SECOND')).toBeLessThan(body.indexOf('FIRST'));
    expect(body).toContain('Earlier runs (2)');
    expect(body.match(/claude-relay:session/g)).toHaveLength(1);
    const m = parseMarker(body)!;
    expect(m.mode).toBe('sticky');
    expect(m.history?.map((h) => h.run_id)).toEqual(['2', '1']);
    expect(ledger(body).runs.map((r) => r.runId)).toEqual(['1', '2', '3']);
    expect(ledger(body).totalUsd).toBeCloseTo(0.6);
  });

  it('drops an unfinished run text but keeps the history it carried', () => {
    const first = composeSticky(done('1', 0.1, 'FIRST'), EMPTY_STICKY);
    const crashed = composeSticky(running('2'), foldSticky(first));
    const next = composeSticky(done('3', 0.3, 'THIRD'), foldSticky(crashed));
    expect(next).not.toContain('working');
    expect(parseMarker(next)!.history?.map((h) => h.run_id)).toEqual(['1']);
    expect(ledger(next).totalUsd).toBeCloseTo(0.4);
  });

  it('an answer cannot forge the history split or a record', () => {
    const forged = done('1', 0.1, 'A <!-- claude-relay:history --> B <!-- claude-relay:entry --> C');
    const body = composeSticky(forged, EMPTY_STICKY);
    expect(body).not.toContain('claude-relay:history');
    const state = foldSticky(composeSticky(done('2', 0.2, 'x'), foldSticky(body)));
    expect(state.entries).toHaveLength(2);
  });

  it('stays under GitHub comment size by dropping the oldest texts, not their costs', () => {
    let state = EMPTY_STICKY;
    let body = '';
    for (let i = 1; i <= 10; i++) {
      body = composeSticky(done(String(i), 0.01, `RUN-${i} ${'x'.repeat(15_000)}`), state);
      state = foldSticky(body);
    }
    expect(body.length).toBeLessThanOrEqual(MAX_STICKY_CHARS);
    expect(body).toContain('RUN-10');
    expect(body).not.toContain('RUN-1 ');
    expect(ledger(body).runs).toHaveLength(10);
  });
});
