/**
 * The relay tools through the real Claude Code CLI: the Agent SDK's query() with the in-process
 * `relay` MCP server, the fake model calling each tool, the fake GitHub answering them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { query, type SDKMessage, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import {
  assistantTurns,
  isMainLoop,
  lastToolResults,
  startFakeAnthropic,
  type FakeAnthropic,
  type Script,
  type Turn,
} from '../support/fake-anthropic';
import { installedCliPackageDir } from '../support/runner';
import type { FakeGitHub } from '../support/fake-github';
import type { GitHub } from '../../src/github/client';
import type { RelayTools } from '../../src/tools';
import {
  HEAD,
  REPO,
  build,
  gitFixture,
  prRecord,
  prRequest,
  sh,
  startGitHub,
  tmpDir,
  type GitFixture,
} from './helpers';

const CLI = path.join(installedCliPackageDir(), 'claude');

let model: FakeAnthropic | undefined;
let fake: FakeGitHub;
let gh: GitHub;
const cleanups: (() => void)[] = [];

beforeEach(async () => {
  ({ fake, gh } = await startGitHub());
});
afterEach(async () => {
  await model?.close();
  model = undefined;
  await fake.close();
  for (const c of cleanups.splice(0)) c();
});

function turns(list: Turn[]): Script {
  return (req) => (isMainLoop(req) ? (list[assistantTurns(req)] ?? { text: 'done' }) : { text: 'ok' });
}

/** One agent run with streaming input (SDK MCP servers need it), until the result arrives. */
async function runAgent(opts: {
  script: Script;
  tools: RelayTools;
  cwd: string;
  allowed?: string[];
}): Promise<{ result?: Extract<SDKMessage, { type: 'result' }>; messages: SDKMessage[] }> {
  model = await startFakeAnthropic(opts.script);
  const home = tmpDir('relay-home-');
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  async function* input(): AsyncGenerator<SDKUserMessage> {
    yield {
      type: 'user',
      session_id: '',
      parent_tool_use_id: null,
      message: { role: 'user', content: [{ type: 'text', text: 'Review this pull request.' }] },
    };
    await done;
  }
  const messages: SDKMessage[] = [];
  let result: Extract<SDKMessage, { type: 'result' }> | undefined;
  const q = query({
    prompt: input(),
    options: {
      pathToClaudeCodeExecutable: CLI,
      cwd: opts.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: model.url,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      mcpServers: { relay: opts.tools.server },
      mcpServersDelivery: 'initialize',
      tools: opts.allowed ?? [],
      allowedTools: [...opts.tools.toolNames, ...(opts.allowed ?? [])],
      permissionMode: 'dontAsk',
      settingSources: [],
      maxTurns: 10,
    },
  });
  try {
    for await (const msg of q) {
      messages.push(msg);
      if (msg.type === 'result') {
        result = msg;
        finished();
      }
    }
  } finally {
    finished();
  }
  return { result, messages };
}

/** The tool results the model received, by the tool name it had called. */
function resultsFor(m: FakeAnthropic, name: string): { text: string; is_error: boolean }[] {
  const out: { text: string; is_error: boolean }[] = [];
  for (const r of m.mainRequests()) {
    const uses = new Map<string, string>();
    for (const msg of r.body.messages) {
      if (msg.role !== 'assistant' || typeof msg.content === 'string') continue;
      for (const b of msg.content) if (b.type === 'tool_use' && b.id && b.name) uses.set(b.id, b.name);
    }
    for (const res of lastToolResults(r.body)) if (uses.get(res.tool_use_id) === name) out.push(res);
  }
  return out;
}

it('runs a review through the CLI: progress, inline comments (one rejected), CI status, one COMMENT review', async () => {
  fake.state.addCheckRun(HEAD, { name: 'unit-tests', conclusion: 'failure', output: { title: '3 failed' } });
  fake.state.addCheckRun(HEAD, { name: 'lint', conclusion: 'success' });
  const { built, progress } = build({ gh });
  const checklist = '- [x] Read the diff\n- [ ] Leave comments\n- [ ] Check CI';
  const cwd = tmpDir('relay-cwd-');
  cleanups.push(() => fs.rmSync(cwd, { recursive: true, force: true }));
  sh(cwd, 'init', '-q');

  const { result } = await runAgent({
    cwd,
    tools: built,
    script: turns([
      { toolUses: [{ name: 'mcp__relay__update_progress', input: { markdown: checklist } }] },
      {
        toolUses: [
          {
            name: 'mcp__relay__add_inline_comment',
            input: { path: 'src/app.ts', line: 12, body: 'This multiplies; the old code added.' },
          },
          {
            name: 'mcp__relay__add_inline_comment',
            input: {
              path: 'src/app.ts',
              start_line: 12,
              line: 13,
              body: 'Keep the addition:',
              suggestion: '  const c = a + b;\n  const d = c + 1;',
            },
          },
          {
            name: 'mcp__relay__add_inline_comment',
            input: { path: 'src/app.ts', line: 99, body: 'Far away' },
          },
        ],
      },
      { toolUses: [{ name: 'mcp__relay__get_ci_status', input: {} }] },
      { text: 'Two remarks left inline; unit-tests fail on this head.' },
    ]),
  });

  expect(result?.subtype).toBe('success');
  expect(result?.type === 'result' && result.subtype === 'success' ? result.result : '').toContain(
    'Two remarks',
  );
  // update_progress reached the callback.
  expect(progress).toEqual([checklist]);
  // Two comments queued; the third came back to the model as an is_error tool_result.
  const inline = resultsFor(model!, 'mcp__relay__add_inline_comment');
  expect(inline).toHaveLength(3);
  expect(inline.filter((r) => !r.is_error)).toHaveLength(2);
  const rejected = inline.filter((r) => r.is_error);
  expect(rejected).toHaveLength(1);
  expect(rejected[0]!.text).toContain('Line 99 (RIGHT side) of `src/app.ts` is outside the diff');
  // CI status answered from the fake check runs.
  const ci = resultsFor(model!, 'mcp__relay__get_ci_status');
  expect(ci).toHaveLength(1);
  expect(ci[0]!.is_error).toBe(false);
  expect(ci[0]!.text).toContain('2 check runs');
  expect(ci[0]!.text).toContain('unit-tests [github-actions]: failure — 3 failed');
  // The model saw the tools with their relay names.
  const toolNames = (model!.mainRequests()[0]!.body.tools ?? []).map((t) => t.name);
  expect(toolNames).toEqual(expect.arrayContaining(built.toolNames));
  expect(toolNames).not.toContain('mcp__relay__commit_and_push');

  // Nothing posted until the action flushes; then exactly one COMMENT review.
  expect(fake.requestsTo('POST', /\/reviews$/)).toHaveLength(0);
  const flushed = await built.flush();
  expect(flushed.comments).toBe(2);
  const posts = fake.requestsTo('POST', `/repos/${REPO}/pulls/1/reviews`);
  expect(posts).toHaveLength(1);
  expect((posts[0]!.body as { event: string }).event).toBe('COMMENT');
  const comments = fake.state.reviewCommentsOf(REPO, 1);
  expect(comments.map((c) => [c.path, c.start_line, c.line, c.side])).toEqual([
    ['src/app.ts', null, 12, 'RIGHT'],
    ['src/app.ts', 12, 13, 'RIGHT'],
  ]);
  expect(comments[1]!.body).toBe(
    'Keep the addition:\n\n```suggestion\n  const c = a + b;\n  const d = c + 1;\n```',
  );
  expect(fake.state.reviewsOf(REPO, 1).map((r) => r.state)).toEqual(['COMMENTED']);
  expect(fake.unmatched()).toEqual([]);
});

describe('fix flow through the CLI', () => {
  let fx: GitFixture;
  beforeEach(() => {
    fx = gitFixture();
    cleanups.push(() => fx.cleanup());
  });

  it('writes a file with Write, then commit_and_push puts it on the PR branch with the trailer', async () => {
    const req = prRequest({ command: { name: 'fix', text: 'add notes' } });
    const { built } = build({
      gh,
      req,
      pr: prRecord({ headSha: fx.head }),
      workspace: fx.workspace,
      profile: 'edit',
    });
    expect(built.toolNames).toContain('mcp__relay__commit_and_push');
    const { result } = await runAgent({
      cwd: fx.workspace,
      tools: built,
      allowed: ['Write'],
      script: turns([
        {
          toolUses: [
            {
              name: 'Write',
              input: { file_path: path.join(fx.workspace, 'NOTES.md'), content: '# Notes\n' },
            },
          ],
        },
        { toolUses: [{ name: 'mcp__relay__commit_and_push', input: { message: 'Add notes' } }] },
        { text: 'Pushed the notes.' },
      ]),
    });
    expect(result?.subtype).toBe('success');
    const pushed = resultsFor(model!, 'mcp__relay__commit_and_push');
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.is_error).toBe(false);
    expect(pushed[0]!.text).toMatch(/Committed 1 file as [0-9a-f]{12} and pushed it to feature/);
    expect(sh(fx.remote, 'show', 'feature:NOTES.md')).toBe('# Notes');
    expect(sh(fx.remote, 'rev-parse', 'feature~1')).toBe(fx.head);
    expect(sh(fx.remote, 'log', '-1', '--format=%B', 'feature')).toBe(
      'Add notes\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>',
    );
    expect((await built.flush()).pushed?.branch).toBe('feature');
  });
});
