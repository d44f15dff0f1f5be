import { budgetDiff, estimateTokens, NO_PATCH, type DiffFile } from '../../src/prompt/diff-budget';

function hunk(start: number, lines: number, tag = 'x'): string {
  const body = Array.from({ length: lines }, (_, i) => `+${tag} line ${start + i}`);
  return [`@@ -${start},0 +${start},${lines} @@ fn${start}`, ...body].join('\n');
}

function file(name: string, hunks: string[], extra: Partial<DiffFile> = {}): DiffFile {
  const patch = hunks.join('\n');
  const additions = (patch.match(/^\+/gm) ?? []).length;
  return { filename: name, status: 'modified', additions, deletions: 0, patch, ...extra };
}

describe('budgetDiff', () => {
  it('includes everything when it fits, as a unified diff in file order', () => {
    const files = [file('b.ts', [hunk(1, 2)]), file('a.ts', [hunk(10, 1)], { status: 'added' })];
    const r = budgetDiff(files, 10_000);
    expect(r.omitted).toEqual([]);
    expect(r.included).toBe(
      [
        'diff --git a/b.ts b/b.ts',
        '--- a/b.ts',
        '+++ b/b.ts',
        hunk(1, 2),
        'diff --git a/a.ts b/a.ts',
        '--- /dev/null',
        '+++ b/a.ts',
        hunk(10, 1),
        '',
      ].join('\n'),
    );
    expect(r.usedTokens).toBe(estimateTokens(r.included.length));
  });

  it('drops the largest hunks first and names them', () => {
    const big = hunk(100, 200, 'big');
    const files = [file('a.ts', [hunk(1, 3), big, hunk(400, 3)]), file('b.ts', [hunk(1, 5)])];
    const r = budgetDiff(files, 200);
    expect(r.usedTokens).toBeLessThanOrEqual(200);
    expect(r.included).toContain('@@ -1,0 +1,3 @@ fn1');
    expect(r.included).toContain('@@ -400,0 +400,3 @@ fn400');
    expect(r.included).toContain('diff --git a/b.ts b/b.ts');
    expect(r.included).not.toContain('big line');
    expect(r.omitted).toEqual([
      { filename: 'a.ts', reason: 'too large', lines: 200, hunks: ['@@ -100,0 +100,200 @@ fn100'] },
    ]);
  });

  it('omits a file whose hunks were all dropped, with its header', () => {
    const files = [
      file('small.ts', [hunk(1, 2)]),
      file('mid.ts', [hunk(10, 30), hunk(50, 30)]),
      file('z.ts', [hunk(10, 20), hunk(50, 20)]),
    ];
    const r = budgetDiff(files, 220);
    expect(r.included).not.toContain('mid.ts');
    expect(r.included).toContain('small.ts');
    expect(r.included).toContain('z.ts');
    // mid.ts alone would fit the budget: it made room for the others.
    expect(r.omitted).toEqual([{ filename: 'mid.ts', reason: 'budget', lines: 60 }]);
  });

  it('lists files without a patch', () => {
    const files: DiffFile[] = [
      { filename: 'logo.png', status: 'added', additions: 0, deletions: 0 },
      { filename: 'huge.json', status: 'modified', additions: 50_000, deletions: 10 },
      {
        filename: 'new/name.ts',
        previous_filename: 'old/name.ts',
        status: 'renamed',
        additions: 0,
        deletions: 0,
      },
    ];
    const r = budgetDiff(files, 1000);
    expect(r.omitted).toEqual([
      { filename: 'logo.png', reason: NO_PATCH, lines: 0 },
      { filename: 'huge.json', reason: NO_PATCH, lines: 50_010 },
    ]);
    expect(r.included).toContain('rename from old/name.ts\nrename to new/name.ts');
  });

  it('quotes file names that could forge diff lines', () => {
    const r = budgetDiff([file('a\n@@ -1 +1 @@\n+evil', [hunk(1, 1)])], 1000);
    expect(r.included.split('\n')[0]).toBe(
      'diff --git "a/a\\n@@ -1 +1 @@\\n+evil" "b/a\\n@@ -1 +1 @@\\n+evil"',
    );
  });

  it('handles a zero budget', () => {
    const r = budgetDiff([file('a.ts', [hunk(1, 1)])], 0);
    expect(r).toEqual({
      included: '',
      omitted: [{ filename: 'a.ts', reason: 'too large', lines: 1 }],
      usedTokens: 0,
    });
  });

  it('is deterministic for equal-sized hunks (earlier ones stay)', () => {
    const files = [file('a.ts', [hunk(1, 10)]), file('b.ts', [hunk(1, 10)]), file('c.ts', [hunk(1, 10)])];
    const budget = budgetDiff(files, 1e6).usedTokens - 10;
    const one = budgetDiff(files, budget);
    expect(one).toEqual(budgetDiff(files, budget));
    expect(one.included).toContain('a.ts');
    expect(one.included).toContain('b.ts');
    expect(one.omitted).toEqual([{ filename: 'c.ts', reason: 'budget', lines: 10 }]);
  });

  it('3,000 files / 300k changed lines: every file accounted for', () => {
    const files: DiffFile[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = `src/module-${i}/file-${i}.ts`;
      if (i % 97 === 0) {
        files.push({ filename: name, status: 'modified', additions: 80, deletions: 20 });
        continue;
      }
      const hunks: string[] = [];
      const sizes = [10 + (i % 7) * 3, 20 + (i % 13), 100 - (10 + (i % 7) * 3) - (20 + (i % 13))];
      let at = 1;
      for (const size of sizes) {
        const body = Array.from({ length: size }, (_, k) =>
          k % 2 ? `-old ${i}:${at + k}` : `+new ${i}:${at + k}`,
        );
        hunks.push([`@@ -${at},${size} +${at},${size} @@`, ...body].join('\n'));
        at += size + 5;
      }
      files.push(file(name, hunks, { additions: 50, deletions: 50 }));
    }
    // Its speed is measured by the bench (prompt rows), not asserted here.
    const r = budgetDiff(files, 60_000);
    expect(r.usedTokens).toBeLessThanOrEqual(60_000);
    expect(r.usedTokens).toBeGreaterThan(50_000);

    const included = new Set([...r.included.matchAll(/^diff --git a\/(\S+) /gm)].map((m) => m[1]));
    const omitted = new Map(r.omitted.map((o) => [o.filename, o]));
    for (const f of files) {
      const inDiff = included.has(f.filename);
      const left = omitted.get(f.filename);
      expect(inDiff || left !== undefined).toBe(true);
      // Partly included files name the hunks left out.
      if (inDiff && left) expect(left.hunks?.length).toBeGreaterThan(0);
      if (!inDiff && left) expect(left.hunks).toBeUndefined();
    }
    // Output order is the input order.
    const order = [...included];
    const expected = files.map((f) => f.filename).filter((n) => included.has(n));
    expect(order).toEqual(expected);
    expect(r.omitted.filter((o) => o.reason === NO_PATCH)).toHaveLength(Math.ceil(3000 / 97));
  });
});
