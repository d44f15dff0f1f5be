import { commentableLines, describeRanges, placementProblem } from '../../src/tools/diff-lines';
import { APP_PATCH, README_PATCH } from './helpers';

const keys = (m: Map<number, number>) => [...m.keys()];

describe('commentableLines', () => {
  it('maps added/context lines to new numbers (RIGHT) and deleted/context lines to old numbers (LEFT)', () => {
    const l = commentableLines(APP_PATCH);
    expect(keys(l.RIGHT)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(keys(l.LEFT)).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it('tracks hunks separately and skips "no newline" markers and the preamble', () => {
    const patch = [
      'diff --git a/x b/x',
      '--- a/x',
      '+++ b/x',
      '@@ -1,2 +1,2 @@',
      '-old',
      '+new',
      ' keep',
      '@@ -40 +40,2 @@ fn',
      ' ctx',
      '+added',
      '\\ No newline at end of file',
    ].join('\n');
    const l = commentableLines(patch);
    expect(keys(l.RIGHT)).toEqual([1, 2, 40, 41]);
    expect(keys(l.LEFT)).toEqual([1, 2, 40]);
    expect(l.RIGHT.get(2)).toBe(0);
    expect(l.RIGHT.get(41)).toBe(1);
  });

  it('handles added and removed files and a missing patch', () => {
    expect(keys(commentableLines('@@ -0,0 +1,3 @@\n+a\n+b\n+c\n').RIGHT)).toEqual([1, 2, 3]);
    expect(keys(commentableLines('@@ -1,2 +0,0 @@\n-a\n-b').LEFT)).toEqual([1, 2]);
    expect(commentableLines(undefined).RIGHT.size).toBe(0);
  });

  it('describes line sets as ranges', () => {
    expect(describeRanges([3, 1, 2, 7, 9, 10])).toBe('1-3, 7, 9-10');
    expect(describeRanges([])).toBe('(none)');
  });
});

describe('placementProblem', () => {
  const files = [
    { filename: 'src/app.ts', patch: APP_PATCH },
    { filename: 'README.md', patch: README_PATCH },
    { filename: 'logo.png' },
  ];
  it('accepts lines in the diff, single and ranges', () => {
    expect(placementProblem(files, { path: 'src/app.ts', line: 13, side: 'RIGHT' })).toBeUndefined();
    expect(placementProblem(files, { path: 'src/app.ts', line: 12, side: 'LEFT' })).toBeUndefined();
    expect(
      placementProblem(files, { path: 'src/app.ts', line: 13, side: 'RIGHT', startLine: 11 }),
    ).toBeUndefined();
  });

  it('rejects lines outside the diff with the commentable ranges', () => {
    const p = placementProblem(files, { path: 'src/app.ts', line: 99, side: 'RIGHT' });
    expect(p).toContain('Line 99 (RIGHT side) of `src/app.ts` is outside the diff');
    expect(p).toContain('10-16');
    expect(placementProblem(files, { path: 'src/app.ts', line: 16, side: 'LEFT' })).toContain('10-15');
  });

  it('rejects unknown files, files without a patch and bad ranges', () => {
    expect(placementProblem(files, { path: 'app.ts', line: 1, side: 'RIGHT' })).toContain(
      'Did you mean `src/app.ts`',
    );
    expect(placementProblem(files, { path: 'logo.png', line: 1, side: 'RIGHT' })).toContain(
      'no textual diff',
    );
    expect(placementProblem(files, { path: 'src/app.ts', line: 12, side: 'RIGHT', startLine: 13 })).toContain(
      'must be less than',
    );
    expect(placementProblem(files, { path: 'src/app.ts', line: 12, side: 'RIGHT', startLine: 2 })).toContain(
      'start_line 2',
    );
  });
});
