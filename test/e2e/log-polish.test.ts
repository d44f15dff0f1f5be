/**
 * The job log, the comment and the summary say each fact once and in one format, through
 * dist/index.js: the final answer's first line is not repeated, the cost appears once in the log
 * in the comment's money format (outputs keep full precision), each secret is masked once, the
 * tool list sits in a collapsed group, token counts have separators, and paths are relative to the
 * workspace.
 */
import path from 'node:path';
import { isMainLoop, assistantTurns } from '../support/fake-anthropic';
import { prOpened } from '../support/payloads';
import {
  API_KEY,
  GITHUB_TOKEN,
  REPO,
  seedPullRequest,
  startScenario,
  type Scenario,
} from '../support/scenario';
import { makeWorkspace } from '../support/runner';

let sc: Scenario;
afterEach(async () => sc?.close());

it('says each fact once, in one format', async () => {
  const workspace = makeWorkspace({
    'README.md': '# octo-repo\n',
    'src/app.ts': 'export const answer = 42;\n',
  });
  sc = await startScenario((req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    if (assistantTurns(req) === 0)
      return {
        toolUses: [{ name: 'Read', input: { file_path: path.join(workspace, 'src', 'app.ts') } }],
        usage: { input_tokens: 14100, output_tokens: 80 },
      };
    return {
      text: 'The PR adds the answer constant.\n\nIt is exported from src/app.ts and nothing else changes.',
      usage: { input_tokens: 15250, output_tokens: 1200 },
    };
  });
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened(), workspace });
  expect(res.exitCode).toBe(0);
  const lines = res.lines.map((l) => l.text);

  // The answer's first line once (the group title), its body below it.
  expect(lines.filter((l) => l.includes('The PR adds the answer constant.'))).toHaveLength(1);
  expect(lines.filter((l) => l.includes('It is exported from src/app.ts'))).toHaveLength(1);

  // Each secret masked once.
  for (const secret of [API_KEY, GITHUB_TOKEN])
    expect(lines.filter((l) => l === `::add-mask::${secret}`)).toHaveLength(1);

  // The cost: once in the log, in the comment's format; the output keeps full precision.
  const comment = sc.github.state.commentsOf(REPO, 2).find((c) => c.user === 'github-actions[bot]')!;
  const shown = /<sub>(≈?\$\d+\.\d+) · /.exec(comment.body)?.[1];
  expect(shown).toBeDefined();
  const costLines = lines.filter((l) => /\$\d/.test(l) && !l.startsWith('::group::Starting the agent'));
  expect(costLines).toEqual([`Done: cost ${shown}`]);
  expect(res.outputs.cost_usd).toMatch(/^\d+\.\d{6}$/);
  expect(Number(res.outputs.cost_usd)).toBeGreaterThan(0);
  expect(res.summary).toContain(`| ${shown} |`);

  // The tool list in a collapsed group under the "Starting the agent" line.
  const start = lines.findIndex((l) => l.startsWith('::group::Starting the agent ('));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(lines[start]).toMatch(/profile read-only, \d+ tools; .*max 30 turns, \$5\.00\)$/);
  expect(lines[start]).not.toMatch(/Grep, /);
  expect(lines[start + 1]).toMatch(/^Tools: .*\bRead\b.*\bGrep\b/);
  expect(lines[start + 2]).toBe('::endgroup::');

  // Numbers with separators, paths relative to the workspace.
  // Over 29,000 input tokens (14,100 + 15,250 in the main loop), written with separators.
  const tokens = /\| (\d{1,3}(?:,\d{3})+) \| (\d{1,3}(?:,\d{3})*) \| /.exec(res.summary);
  expect(tokens).not.toBeNull();
  expect(Number(tokens![1]!.replace(/,/g, ''))).toBeGreaterThanOrEqual(29_350);
  expect(comment.body).toContain(`${tokens![1]} in / ${tokens![2]} out tokens`);
  expect(res.summary).toContain('src/app.ts');
  expect(res.summary).not.toContain(workspace);
  expect(lines.filter((l) => l.includes(workspace) && /▸|⚖/.test(l))).toEqual([]);
});
