/**
 * Runs one real agent turn (Agent SDK + the installed Claude Code CLI) against the fake Anthropic
 * API, on a "fresh runner": a new HOME / CLAUDE_CONFIG_DIR and cwd each time, as on a new Actions
 * runner. Shared by the resume test and the resume-overhead bench.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query, type SessionStore } from '@anthropic-ai/claude-agent-sdk';
import { installedCliPackageDir } from '../support/runner';

export const CLI = path.join(installedCliPackageDir(), 'claude');

export interface TurnResult {
  /** session_id of the init message. */
  initSessionId?: string;
  /** session_id of the result message. */
  resultSessionId?: string;
  subtype?: string;
  result?: string;
  startedAt: number;
  home: string;
}

export function freshDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function runTurn(opts: {
  prompt: string;
  fakeUrl: string;
  sessionStore?: SessionStore;
  resume?: string;
}): Promise<TurnResult> {
  const home = freshDir('relay-home-');
  const cwd = freshDir('relay-cwd-');
  const out: TurnResult = { startedAt: Date.now(), home };
  try {
    const q = query({
      prompt: opts.prompt,
      options: {
        pathToClaudeCodeExecutable: CLI,
        cwd,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
          ANTHROPIC_API_KEY: 'sk-ant-test',
          ANTHROPIC_BASE_URL: opts.fakeUrl,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
        settingSources: [],
        tools: [],
        permissionMode: 'dontAsk',
        ...(opts.sessionStore ? { sessionStore: opts.sessionStore } : {}),
        ...(opts.resume ? { resume: opts.resume } : {}),
      },
    });
    for await (const msg of q) {
      if (msg.type === 'system' && msg.subtype === 'init') out.initSessionId = msg.session_id;
      if (msg.type === 'result') {
        out.resultSessionId = msg.session_id;
        out.subtype = msg.subtype;
        if (msg.subtype === 'success') out.result = msg.result;
      }
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  return out;
}
