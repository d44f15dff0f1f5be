/**
 * Prompt stage on a 3,000-file / 300k-line PR: the action's own `fetchContext` (30 pages of files
 * plus comments, reviews, review comments) against the fake GitHub, then `buildPrompt`. Each run
 * is a fresh child process so its peak RSS (`process.resourceUsage().maxRSS`) is the action side's
 * alone; the fake GitHub runs in this (parent) process. Median of 5 after one warm-up. Not a test:
 *
 *   npx tsx test/e2e/prompt-build.bench.ts [--runs 5] [--files 3000] [--lines 100]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
const TOKEN = 'ghs_BENCHTOKEN000000000000000000000000';

interface Measurement {
  fetchMs: number;
  buildMs: number;
  totalMs: number;
  /** Peak resident set of the child, bytes. */
  maxRssBytes: number;
  /** RSS after imports, before the work, bytes. */
  baseRssBytes: number;
  promptChars: number;
  omittedFiles: number;
  files: number;
}

async function child(apiUrl: string, number: number): Promise<void> {
  const { fetchContext } = await import('../../src/context/fetch');
  const { createGitHub } = await import('../../src/github/client');
  const { readSettings } = await import('../../src/inputs/settings');
  const { buildPrompt } = await import('../../src/prompt/build');
  const { parseEvent } = await import('../../src/event');
  const { isSkip } = await import('../../src/request/types');
  const { prOpened } = await import('../support/payloads');
  const inputs: Record<string, string> = { anthropic_api_key: 'sk-ant-bench', github_token: TOKEN };
  const settings = readSettings((name) => inputs[name] ?? '', {
    GITHUB_API_URL: apiUrl,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_EVENT_NAME: 'pull_request',
    HOME: process.env.HOME,
  });
  const req = parseEvent('pull_request', prOpened({ number, pull_request: { number } }), {
    triggerPhrase: '/claude',
  });
  if (isSkip(req)) throw new Error(`skipped: ${req.reason}`);
  const gh = createGitHub({ token: TOKEN, baseUrl: apiUrl });
  const baseRssBytes = process.memoryUsage().rss;
  const t0 = performance.now();
  const context = await fetchContext(gh, req);
  const t1 = performance.now();
  const prompt = buildPrompt(req, context, settings);
  const t2 = performance.now();
  const m: Measurement = {
    fetchMs: t1 - t0,
    buildMs: t2 - t1,
    totalMs: t2 - t0,
    // maxRSS is in kilobytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    baseRssBytes,
    promptChars: prompt.user.length,
    omittedFiles: prompt.omittedFiles,
    files: context.pr?.files.length ?? 0,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function runChild(apiUrl: string, number: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, SELF, '--child', apiUrl, String(number)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (c: string) => (out += c));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`child exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as Measurement);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function parent(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      files: { type: 'string', default: '3000' },
      lines: { type: 'string', default: '100' },
    },
  });
  const runs = Number(values.runs);
  const fileCount = Number(values.files);
  const linesPerFile = Number(values.lines);
  const { startFakeGitHub } = await import('../support/fake-github');
  const github = await startFakeGitHub();
  github.state.addToken(TOKEN, 'github-actions[bot]', 'Bot');
  const files = Array.from({ length: fileCount }, (_, i) => {
    const body = Array.from(
      { length: linesPerFile },
      (_, k) => `+export const value_${i}_${k} = ${i * linesPerFile + k};`,
    ).join('\n');
    return {
      filename: `pkg${String(Math.floor(i / 100)).padStart(2, '0')}/module_${String(i).padStart(4, '0')}.ts`,
      status: 'added' as const,
      additions: linesPerFile,
      deletions: 0,
      patch: `@@ -0,0 +1,${linesPerFile} @@\n${body}`,
    };
  });
  github.state.addPullRequest({
    number: 2,
    title: 'A very large change',
    body: 'Generated.',
    user: 'octocat',
    head: { ref: 'big', sha: '1'.repeat(40) },
    base: { ref: 'main', sha: '2'.repeat(40) },
    files,
  });
  for (let i = 0; i < 20; i++)
    github.state.addIssueComment({ issue_number: 2, user: 'octocat', body: `Comment ${i}: looks fine.` });

  const lines = fileCount * linesPerFile;
  process.stderr.write(
    `${fileCount} files, ${lines.toLocaleString('en-US')} lines; warm-up + ${runs} runs\n`,
  );
  await runChild(github.url, 2);
  const ms: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await runChild(github.url, 2);
    process.stderr.write(
      `  run ${i + 1}: fetch ${m.fetchMs.toFixed(0)} ms, build ${m.buildMs.toFixed(0)} ms, peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
    ms.push(m);
  }
  await github.close();
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const last = ms[ms.length - 1]!;
  const rows = [
    ['files / lines', `${last.files} / ${lines.toLocaleString('en-US')}`],
    ['fetchContext (median)', `${median(ms.map((m) => m.fetchMs)).toFixed(0)} ms`],
    ['buildPrompt (median)', `${median(ms.map((m) => m.buildMs)).toFixed(0)} ms`],
    ['total (median)', `${median(ms.map((m) => m.totalMs)).toFixed(0)} ms`],
    [
      'peak RSS (median; max)',
      `${mib(median(ms.map((m) => m.maxRssBytes)))}; ${mib(Math.max(...ms.map((m) => m.maxRssBytes)))}`,
    ],
    ['RSS before the work (median)', mib(median(ms.map((m) => m.baseRssBytes)))],
    [
      'prompt',
      `${last.promptChars.toLocaleString('en-US')} chars, ${last.omittedFiles} files left out of the diff`,
    ],
  ];
  process.stdout.write(
    ['| prompt stage | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n') +
      '\n',
  );
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', Number(process.argv[4] ?? 2));
else await parent();
