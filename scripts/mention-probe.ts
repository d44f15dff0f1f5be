/**
 * What the real Claude Code CLI expands as an `@path` mention: each variant names its own file
 * outside the working directory; a variant "expanded" when that file's content reached the fake
 * model. Run: `npx tsx scripts/mention-probe.ts` (Linux x64, the pinned CLI package installed).
 * The result is what `neutralizeMentions` in src/prompt/sanitize.ts is built on.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { startFakeAnthropic } from '../test/support/fake-anthropic';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mention-files-'));
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mention-ws-'));
const variants: Record<string, (p: string) => string> = {
  plain_line_start: (p) => `@${p}`,
  after_space: (p) => `see @${p} please`,
  after_letter: (p) => `x@${p}`,
  after_digit: (p) => `1@${p}`,
  after_underscore: (p) => `_@${p}`,
  after_plus: (p) => `+@${p}`,
  after_dot: (p) => `.@${p}`,
  after_paren: (p) => `(@${p})`,
  after_gt: (p) => `<b>@${p}</b>`,
  after_quote: (p) => `"@${p}"`,
  backslash: (p) => `\\@${p}`,
  inline_code: (p) => '`@' + p + '`',
  fenced: (p) => '```\n@' + p + '\n```',
  quoted: (p) => `@"${p}"`,
  zwsp_after: (p) => `@\u200b${p}`,
  fullwidth: (p) => `\uFF20${p}`,
  small_commercial_at: (p) => `\uFE6B${p}`,
  cjk_fullstop: (p) => `\u3002@${p}`,
  cjk_comma: (p) => `\u3001@${p}`,
  fw_question: (p) => `\uFF1F@${p}`,
  fw_excl: (p) => `\uFF01@${p}`,
  nbsp: (p) => `a\u00A0@${p}`,
  ideographic_space: (p) => `a\u3000@${p}`,
  line_sep: (p) => `a\u2028@${p}`,
  tab: (p) => `a\t@${p}`,
  trailing_dot: (p) => `@${p}.`,
  hash_line: (p) => `@${p}#L1`,
  double_at: (p) => `@@${p}`,
  html_entity: (p) => `&#64;${p}`,
  comment_wrapped: (p) => `<!-- @${p} -->`,
  zwj_before: (p) => `a \u200d@${p}`,
  bom_before: (p) => `a\uFEFF@${p}`,
  fw_space_at: (p) => `\u3000\uFF20${p}`,
  agent_like: (p) => `@agent-${path.basename(p)}`,
  code_then: (p) => '`code`@' + p,
  bold_then: (p) => '**b**@' + p,
  // A file named `@` in the working directory, pointing at the probe file: `@@` still does not read it.
  hunk_header: (p) => {
    fs.symlinkSync(p, path.join(ws, '@'));
    return '@@ -1 +1 @@ x';
  },
};
let i = 0;
const tokens: Record<string, string> = {};
const lines: string[] = ['Probe:'];
for (const [name, fn] of Object.entries(variants)) {
  i++;
  const tok = `TOKEN${i}X${name.toUpperCase()}Z`;
  tokens[name] = tok;
  const f = path.join(dir, `f${i}`);
  fs.writeFileSync(f, `content ${tok}\n`);
  lines.push(fn(f), '');
}
const model = await startFakeAnthropic(() => ({ text: 'ok' }));
const cli = path.resolve('node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mention-home-'));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  ANTHROPIC_API_KEY: 'sk-ant-x',
  ANTHROPIC_BASE_URL: model.url,
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
};
for await (const m of query({
  prompt: lines.join('\n'),
  options: {
    pathToClaudeCodeExecutable: cli,
    cwd: ws,
    env,
    settingSources: [],
    tools: ['Read'],
    maxTurns: 1,
  },
})) {
  if (m.type === 'result') break;
}
const raw = model.requests.map((r) => r.raw).join('\n');
for (const [name, tok] of Object.entries(tokens))
  console.log((raw.includes(tok) ? 'EXPANDED ' : 'no       ') + name);
await model.close();
