/**
 * One measurement of the prompt stage in a fresh process (so maxRSS is this run's alone): the
 * action's own `fetchContext` and `buildPrompt` against a fake GitHub (run by the parent) holding
 * a huge PR. Prints one JSON line: times in ms, peak RSS in bytes, prompt size.
 *
 *   BENCH_API_URL=http://127.0.0.1:PORT BENCH_TOKEN=… node --import tsx bench/prompt-child.ts <pr-number>
 */
import { fetchContext } from '../src/context/fetch';
import { parseEvent } from '../src/event';
import { createGitHub } from '../src/github/client';
import { readSettings } from '../src/inputs/settings';
import { buildPrompt } from '../src/prompt/build';
import { isSkip } from '../src/request/types';
import { prOpened } from '../test/support/payloads';

const apiUrl = process.env.BENCH_API_URL ?? '';
const token = process.env.BENCH_TOKEN ?? '';
const number = Number(process.argv[2] ?? 2);

const inputs: Record<string, string> = { anthropic_api_key: 'sk-ant-bench', github_token: token };
const settings = readSettings((name) => inputs[name] ?? '', {
  GITHUB_API_URL: apiUrl,
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_EVENT_NAME: 'pull_request',
  CLAUDE_RELAY_LOCAL: '1',
  HOME: process.env.HOME,
});
const req = parseEvent('pull_request', prOpened({ number, pull_request: { number } }), {
  triggerPhrase: '/claude',
});
if (isSkip(req)) throw new Error(`skipped: ${req.reason}`);
const gh = createGitHub({ token, baseUrl: apiUrl });

const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const context = await fetchContext(gh, req);
const t1 = performance.now();
const prompt = buildPrompt(req, context, settings);
const t2 = performance.now();

process.stdout.write(
  `${JSON.stringify({
    fetchMs: t1 - t0,
    buildMs: t2 - t1,
    totalMs: t2 - t0,
    maxRss: process.resourceUsage().maxRSS * 1024,
    rssBefore,
    files: context.pr?.files.length ?? 0,
    promptChars: prompt.user.length,
    omittedFiles: prompt.omittedFiles,
  })}\n`,
);
