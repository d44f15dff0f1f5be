/**
 * `npm run local-action -- <env file>` (GitHub's @github/local-action debugger on
 * scripts/local-action.ts): a run that cannot start — here, no API key — ends as a failed step
 * with one `::error::` line naming the cause and `conclusion: failure`, not a stack trace.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/runner';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

it('reports missing credentials through core.setFailed, without a stack trace', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-local-action-'));
  try {
    const envFile = path.join(dir, '.env.local-action');
    const example = fs.readFileSync(path.join(ROOT, '.env.local-action.example'), 'utf8');
    expect(example).toMatch(/^INPUT_ANTHROPIC_API_KEY=$/m);
    fs.writeFileSync(
      envFile,
      example
        .replace(
          /^GITHUB_EVENT_PATH=.*$/m,
          `GITHUB_EVENT_PATH=${path.join(ROOT, 'test/fixtures/events/pull_request.opened.json')}`,
        )
        .replace(/^RUNNER_TEMP=.*$/m, `RUNNER_TEMP=${dir}`),
    );
    const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'local-action', '--', envFile], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text: text.replace(ANSI, '') }));
    });
    const errors = out.text.split('\n').filter((l) => l.includes('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /::error::Missing credentials: set anthropic_api_key or claude_code_oauth_token/,
    );
    // The outputs say so too (the debugger's table, or set-output lines when core is not stubbed).
    expect(out.text).toMatch(/conclusion\W+failure/);
    // No frame of the action's code: the error was reported, not thrown.
    expect(out.text).not.toMatch(/InputError/);
    expect(out.text).not.toMatch(/\n\s+at .*(src|scripts)\/[\w/-]+\.ts:\d+/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
