/**
 * The companion reads triggers with the same Markdown parser as the action: over real HTTP,
 * quoted, HTML-wrapped and collapsed commands neither acknowledge nor dispatch; a plain one does.
 */
import type { FakeGitHub } from '../support/fake-github';
import { deliver, prComment, startCompanion, startWorld, type Companion } from './harness';

let gh: FakeGitHub;
let companion: Companion;

beforeEach(async () => {
  gh = await startWorld();
  companion = await startCompanion(gh);
});

afterEach(async () => {
  await companion.close();
  await gh.close();
});

it('does not dispatch for quoted, HTML-wrapped or collapsed commands, and dispatches a plain one', async () => {
  const ignored = [
    '<blockquote>/claude fix the widget</blockquote>',
    '<blockquote>\n\n/claude fix the widget\n\n</blockquote>',
    '<pre>\n/claude fix the widget\n</pre>',
    '> Earlier someone wrote\n/claude fix the widget',
    '<details>\n<summary>log</summary>\n\n/claude fix the widget\n\n</details>',
    '| cmd |\n|---|\n| /claude fix the widget |',
  ];
  for (const body of ignored) {
    await deliver(companion.webhookUrl, 'issue_comment', prComment(gh, body).payload);
  }
  expect(companion.outcomes.map((o) => o.kind)).toEqual(ignored.map(() => 'no_trigger'));
  expect(gh.state.dispatches).toEqual([]);
  expect(gh.state.reactions).toEqual([]);

  const plain = prComment(gh, '<details>\n\nlog\n\n</details>\n\n/claude fix the widget');
  await deliver(companion.webhookUrl, 'issue_comment', plain.payload);
  expect(companion.outcomes.at(-1)?.kind).toBe('dispatched');
  expect(gh.state.dispatches.map((d) => [d.inputs.command, d.inputs.comment_id])).toEqual([
    ['fix the widget', String(plain.id)],
  ]);
});
