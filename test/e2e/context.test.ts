/**
 * What reaches the model: hidden content in untrusted text never does, and a 3,000-file PR fits a
 * first request under 100 KB that still accounts for every file, the rest reachable through the
 * relay's tools.
 */
import { issueComment, prOpened } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';
import { isMainLoop, lastToolResults, lastUserText } from '../support/fake-anthropic';
import type { PullFile } from '../support/fake-github';

const EXAMPLE_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

let sc: Scenario;
afterEach(async () => sc?.close());

/** Each hidden construct carries its own marker; none may reach any model request. */
const HIDDEN: Record<string, string> = {
  'HTML comment': 'HIDDEN_HTML_COMMENT_7f3a',
  'unterminated HTML comment': 'HIDDEN_UNTERMINATED_9c1e',
  'image alt text': 'HIDDEN_IMAGE_ALT_2b8d',
  'link title': 'HIDDEN_LINK_TITLE_5e0c',
  'reference definition title': 'HIDDEN_REF_TITLE_4a6f',
  'unused reference definition': 'HIDDEN_UNUSED_REF_8d2b',
  'HTML attribute (img alt)': 'HIDDEN_IMG_ATTR_1c9e',
  'HTML attribute (data-*)': 'HIDDEN_DATA_ATTR_6f4a',
  'HTML attribute (a title)': 'HIDDEN_A_TITLE_3e7b',
  'comment in a prior PR comment': 'HIDDEN_PRIOR_COMMENT_0d5c',
  'comment in the trigger comment': 'HIDDEN_TRIGGER_COMMENT_e2a9',
};

/** Invisible characters: the characters themselves are the marker (zero-width, bidi, tags). */
const ZERO_WIDTH = '\u200b\u200c\u200d\u2060\ufeff';
const BIDI = '\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f';
/** "TAGSMUGGLE" in Unicode tag characters (invisible ASCII smuggling). */
const TAGS = [...'TAGSMUGGLE'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');

const PR_BODY = [
  'Visible description: VISIBLE_BODY_TEXT_ok.',
  `<!-- ${HIDDEN['HTML comment']} -->`,
  `Zero${ZERO_WIDTH}width and bidi ${BIDI} and tags ${TAGS} end.`,
  `![${HIDDEN['image alt text']}](https://example.com/pic.png)`,
  `[docs](https://example.com/docs "${HIDDEN['link title']}")`,
  'See [the guide][guide].',
  '',
  `[guide]: https://example.com/guide "${HIDDEN['reference definition title']}"`,
  `[${HIDDEN['unused reference definition']}]: https://example.com/unused`,
  '',
  `<img src="https://example.com/a.png" alt="${HIDDEN['HTML attribute (img alt)']}">`,
  `<div data-note="${HIDDEN['HTML attribute (data-*)']}">block</div>`,
  `<a href="https://example.com" title="${HIDDEN['HTML attribute (a title)']}">link</a>`,
  '',
  `Trailing text <!-- ${HIDDEN['unterminated HTML comment']}`,
].join('\n');

/** Every way a string could appear in a JSON request body: literal or \u-escaped. */
function escapedForms(s: string): string[] {
  const escaped = [...s]
    .map((c) => {
      const cp = c.codePointAt(0) ?? 0;
      if (cp < 0x80) return c;
      if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
      const hi = Math.floor((cp - 0x10000) / 0x400) + 0xd800;
      const lo = ((cp - 0x10000) % 0x400) + 0xdc00;
      return `\\u${hi.toString(16)}\\u${lo.toString(16)}`;
    })
    .join('');
  return [s, escaped, escaped.toUpperCase()];
}

it('hidden content in the PR body, comments and the trigger never reaches the model', async () => {
  sc = await startScenario((req) => (isMainLoop(req) ? { text: 'Reviewed.' } : { text: 'title' }));
  seedPullRequest(sc.github, { number: 1, body: PR_BODY });
  sc.github.state.addIssueComment({
    issue_number: 1,
    user: 'octocat',
    body: `Earlier note VISIBLE_PRIOR_ok <!-- ${HIDDEN['comment in a prior PR comment']} -->`,
  });
  const triggerBody = `/claude review please VISIBLE_TRIGGER_ok <!-- ${HIDDEN['comment in the trigger comment']} -->`;
  const trigger = sc.github.state.addIssueComment({ issue_number: 1, user: 'Codertocat', body: triggerBody });
  const res = await sc.run({
    eventName: 'issue_comment',
    payload: issueComment(triggerBody, { comment: { id: trigger.id } }, { onPullRequest: true }),
  });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.conclusion).toBe('success');

  expect(sc.model.requests.length).toBeGreaterThan(0);
  const all = sc.model.requests.map((r) => r.raw).join('\n');
  // The visible parts did arrive, so the markers' absence means they were stripped, not lost.
  const prompt = lastUserText(sc.model.mainRequests()[0]!.body);
  for (const visible of ['VISIBLE_BODY_TEXT_ok', 'VISIBLE_PRIOR_ok', 'VISIBLE_TRIGGER_ok', 'Zerowidth'])
    expect(prompt).toContain(visible);
  expect(prompt).toContain('https://example.com/pic.png');
  for (const [what, marker] of Object.entries(HIDDEN)) {
    expect({ what, leaked: all.includes(marker) }).toEqual({ what, leaked: false });
  }
  const invisible: Record<string, string> = { 'zero-width': ZERO_WIDTH, bidi: BIDI, 'tag characters': TAGS };
  for (const [what, chars] of Object.entries(invisible)) {
    for (const ch of chars) {
      const leaked = escapedForms(ch).some((form) => all.includes(form));
      expect({ what, ch: ch.codePointAt(0)!.toString(16), leaked }).toEqual({
        what,
        ch: ch.codePointAt(0)!.toString(16),
        leaked: false,
      });
    }
  }
  // Nor does it come back out in the comment (the fake model only echoes what it received).
  const posted = sc.github.state.commentsOf(REPO, 1).filter((c) => c.user === 'github-actions[bot]');
  expect(posted).toHaveLength(1);
});

/** A PR of `count` files, `linesPerFile` added lines each (3,000 × 100 = 300k lines). */
function bigPullFiles(count: number, linesPerFile: number): PullFile[] {
  const files: PullFile[] = [];
  for (let i = 0; i < count; i++) {
    const dir = `pkg${String(Math.floor(i / 100)).padStart(2, '0')}`;
    const filename = `${dir}/module_${String(i).padStart(4, '0')}.ts`;
    const lines = Array.from(
      { length: linesPerFile },
      (_, k) => `+export const value_${i}_${k} = ${i * linesPerFile + k};`,
    );
    // Every 50th file (from the 26th) is binary: GitHub sends no patch and counts no lines.
    const binary = i % 50 === 25;
    files.push({
      filename,
      status: i % 10 === 0 ? 'modified' : 'added',
      additions: binary ? 0 : linesPerFile,
      deletions: 0,
      ...(binary ? {} : { patch: `@@ -0,0 +1,${linesPerFile} @@\n${lines.join('\n')}` }),
    });
  }
  return files;
}

it('a 3,000-file PR: a first request under 100 KB accounts for every file, and the agent reaches the 3,000th diff through the tools', async () => {
  const files = bigPullFiles(3000, 100);
  const last = files[2999]!;
  let listed = '';
  let reached = '';
  sc = await startScenario((req, { mainIndex }) => {
    if (!isMainLoop(req)) return { text: 'title' };
    // Page 10 of list_changed_files (300 a page) names the last file; get_diff reads it.
    if (mainIndex === 0)
      return { toolUses: [{ name: 'mcp__relay__list_changed_files', input: { page: 10 } }] };
    if (mainIndex === 1) {
      listed = lastToolResults(req)[0]?.text ?? '';
      const name = listed.match(/\S+module_2999\.ts/)?.[0] ?? 'not-listed';
      return { toolUses: [{ name: 'mcp__relay__get_diff', input: { path: name } }] };
    }
    reached = lastToolResults(req)[0]?.text ?? '';
    return { text: 'Big PR reviewed.' };
  });
  seedPullRequest(sc.github, { number: 2, head: { ref: 'big', sha: EXAMPLE_HEAD }, files });
  const res = await sc.run({ eventName: 'pull_request', payload: prOpened() });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.conclusion).toBe('success');
  // Paged at 100 per page: 30 pages, fetched once for the prompt and the tools together.
  expect(sc.github.requestsTo('GET', /\/pulls\/2\/files$/)).toHaveLength(30);

  const first = sc.model.mainRequests()[0]!;
  // The whole request: system prompt, tool schemas and the prompt.
  expect(Buffer.byteLength(first.raw)).toBeLessThanOrEqual(100_000);
  const prompt = lastUserText(first.body);
  const section = (start: string, end: string) => {
    const from = prompt.indexOf(start);
    expect(from).toBeGreaterThanOrEqual(0);
    const to = prompt.indexOf(end, from + start.length);
    return prompt.slice(from, to < 0 ? prompt.length : to);
  };
  // Every file is counted in the directory overview: 30 directories of 100 files.
  const overview = section('## Changed files (3000)', '## Diff');
  const counts = [...overview.matchAll(/^(pkg\d\d)\/\t(\d+) files\t\+(\d+) −0$/gm)];
  expect(counts).toHaveLength(30);
  expect(counts.reduce((n, m) => n + Number(m[2]), 0)).toBe(3000);
  expect(counts.reduce((n, m) => n + Number(m[3]), 0)).toBe(files.reduce((n, f) => n + f.additions, 0));
  // The diff shows what the budget allows, and one line counts the rest and names the tools.
  const diff = section('## Diff', 'Page through the rest');
  const shown = [...diff.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].length;
  expect(shown).toBeGreaterThan(10);
  const notShown = prompt.match(/(\d+) of 3000 changed files are not shown in the diff above/);
  expect(Number(notShown?.[1])).toBe(3000 - shown);
  expect(prompt).toContain('mcp__relay__list_changed_files and mcp__relay__get_diff');
  // And the agent got there: the 3,000th file's patch came back from get_diff.
  expect(listed).toContain(last.filename);
  expect(reached).toContain(`+export const value_2999_99 = ${2999 * 100 + 99};`);
});
