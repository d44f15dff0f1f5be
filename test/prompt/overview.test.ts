import { directoryLines, notableFiles, type OverviewFile } from '../../src/prompt/overview';

const file = (filename: string, additions = 1, deletions = 0): OverviewFile => ({
  filename,
  status: 'modified',
  additions,
  deletions,
});

describe('directoryLines', () => {
  it('collapses to a shallower level until the list is short, and every file is counted', () => {
    const files = Array.from({ length: 3000 }, (_, i) =>
      file(`packages/pkg-${i % 40}/src/deep/m${i}.ts`, 2, 1),
    );
    const lines = directoryLines(files);
    expect(lines.length).toBeLessThanOrEqual(31);
    const counted = lines.map((l) => Number(/\t(\d+) files?\t/.exec(l)?.[1]));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(3000);
    // 40 package directories do not fit in 30 lines: they collapse to `packages/`.
    expect(lines).toEqual(['packages/\t3000 files\t+6000 −3000']);
  });

  it('keeps the deepest directories when they fit, largest first, root files as (root)', () => {
    const lines = directoryLines([
      file('a/b/x.ts'),
      file('a/b/y.ts', 5, 5),
      file('a/c/z.ts'),
      file('README.md'),
    ]);
    expect(lines).toEqual(['a/b/\t2 files\t+6 −5', '(root)\t1 file\t+1 −0', 'a/c/\t1 file\t+1 −0']);
  });

  it('sums the directories beyond the limit into one line', () => {
    const files = Array.from({ length: 45 }, (_, i) => file(`d${i}/f.ts`));
    const lines = directoryLines(files);
    expect(lines).toHaveLength(31);
    expect(lines.at(-1)).toBe('(15 more directories)\t15 files\t+15 −0');
  });
});

describe('notableFiles', () => {
  it('names the files the request mentions first, then the largest changes', () => {
    const files = [file('src/small.ts'), file('src/big.ts', 500, 20), file('src/auth/login.ts', 3)];
    const named = notableFiles(files, 'please look at login.ts').map((f) => f.filename);
    expect(named).toEqual(['src/auth/login.ts', 'src/big.ts', 'src/small.ts']);
  });
});
