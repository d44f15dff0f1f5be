/**
 * allowed_tools / disallowed_tools / allowed_bash through dist/index.js and the real CLI: deny
 * globs are matched with picomatch (nested braces, classes), and an entry that cannot be read
 * stops the run with one `::error::` naming it, before any GitHub or model request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assistantTurns, isMainLoop, lastToolResults } from '../support/fake-anthropic';
import { issueComment, prOpened } from '../support/payloads';
import { makeWorkspace, type RunResult } from '../support/runner';
import { seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

it('disallowed_tools Edit(src/{a,{b,c}}.ts) and Edit(src/[]]x.ts) deny Edits of src/c.ts and src/]x.ts; src/d.ts is still edited', async () => {
  const ws = makeWorkspace({
    'src/c.ts': 'export const c = 1;\n',
    'src/d.ts': 'export const d = 1;\n',
    'src/]x.ts': 'export const x = 1;\n',
  });
  const file = (n: string) => path.join(ws, 'src', n);
  sc = await startScenario((req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    const turn = assistantTurns(req);
    // The CLI wants a Read before an Edit: read both, then edit both.
    if (turn === 0)
      return {
        toolUses: ['c.ts', 'd.ts', ']x.ts'].map((n, i) => ({
          id: `toolu_read_${i}`,
          name: 'Read',
          input: { file_path: file(n) },
        })),
      };
    if (turn === 1)
      return {
        toolUses: ['c', 'd', ']x'].map((n, i) => ({
          id: `toolu_edit_${i}`,
          name: 'Edit',
          input: { file_path: file(`${n}.ts`), old_string: '= 1', new_string: '= 2' },
        })),
      };
    return { text: 'Edited what I could.' };
  });
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    workspace: ws,
    inputs: { tool_policy: 'edit', disallowed_tools: 'Edit(src/{a,{b,c}}.ts)\nEdit(src/[]]x.ts)' },
  });
  expect(res.exitCode).toBe(0);
  const results = new Map<string, { text: string; is_error: boolean }>();
  for (const r of sc.model.mainRequests())
    for (const t of lastToolResults(r.body)) results.set(t.tool_use_id, t);
  expect(results.get('toolu_read_2')).toMatchObject({ is_error: false });
  expect(results.get('toolu_edit_0')).toMatchObject({ is_error: true });
  expect(results.get('toolu_edit_0')?.text).toContain('disallowed_tools Edit(src/{a,{b,c}}.ts)');
  expect(results.get('toolu_edit_2')).toMatchObject({ is_error: true });
  expect(results.get('toolu_edit_2')?.text).toContain('disallowed_tools Edit(src/[]]x.ts)');
  expect(results.get('toolu_edit_1')).toMatchObject({ is_error: false });
  expect(fs.readFileSync(file('c.ts'), 'utf8')).toBe('export const c = 1;\n');
  expect(fs.readFileSync(file(']x.ts'), 'utf8')).toBe('export const x = 1;\n');
  expect(fs.readFileSync(file('d.ts'), 'utf8')).toBe('export const d = 2;\n');
  expect(res.summary).toMatch(
    /\| Edit \| .*src\/c\.ts \| denied \| disallowed_tools:Edit\(src\/\{a,\{b,c\}\}\.ts\) \|/,
  );
});

describe('a malformed rule entry is an input error naming it', () => {
  function expectInputError(res: RunResult, says: RegExp): void {
    expect(res.exitCode).toBe(1);
    const errors = res.lines.filter((l) => l.text.startsWith('::error::')).map((l) => l.text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(says);
    expect(res.log + res.stderr).not.toMatch(/^\s+at /m);
    expect(sc.model.requests).toHaveLength(0);
    expect(sc.github.requests).toHaveLength(0);
  }

  it.each([
    [
      'disallowed_tools',
      'Read(.env)\nBash(rm -rf',
      /^::error::Invalid input disallowed_tools: rule "Bash\(rm -rf" has "\(" without a closing "\)"$/,
    ],
    [
      'disallowed_tools',
      'Reed(.env)',
      /^::error::Invalid input disallowed_tools: rule "Reed\(\.env\)": Reed is not a tool the relay offers/,
    ],
    [
      'allowed_tools',
      'WebFetch(github.com)',
      /^::error::Invalid input allowed_tools: rule "WebFetch\(github\.com\)": WebFetch rules take domain:<host>/,
    ],
    [
      'allowed_bash',
      'npm test\nnpm test && curl x',
      /^::error::Invalid input allowed_bash: entry "npm test && curl x": /,
    ],
  ])('%s: %j', async (input, value, says) => {
    sc = await startScenario([{ text: 'never asked' }]);
    seedPullRequest(sc.github, { number: 1 });
    const res = await sc.run({
      eventName: 'issue_comment',
      payload: issueComment('/claude fix it', {}, { onPullRequest: true }),
      inputs: { [input]: value },
    });
    expectInputError(res, says);
  });
});
