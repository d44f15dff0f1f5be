/**
 * A webhook server for the companion benchmark, in its own process so the load generator and the
 * fake GitHub do not share its event loop. Prints `READY <webhook url>`, stops on SIGTERM.
 *
 *   node --import tsx bench/companion-server.ts companion   # src/companion/server.ts, as shipped
 *   node --import tsx bench/companion-server.ts bare        # a bare Probot app: 👀 + dispatch, nothing else
 *   node --import tsx bench/companion-server.ts noop        # a bare Probot app that only answers
 *
 * Environment: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL (the fake GitHub).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, createProbot, ProbotOctokit, type ApplicationFunction } from 'probot';

const mode = process.argv[2] ?? 'companion';
const WEBHOOK_PATH = '/api/github/webhooks';

interface Payload {
  repository: { name: string; owner: { login: string }; default_branch?: string };
  issue: { number: number; pull_request?: unknown };
  comment: { id: number; body: string };
  sender: { login: string };
}

/** What any comment → workflow bridge does at the least: acknowledge and dispatch. */
const bareApp: ApplicationFunction = (app) => {
  app.on('issue_comment.created', async (context) => {
    const p = context.payload as unknown as Payload;
    if (!/^\/claude\b/m.test(p.comment.body)) return;
    const owner = p.repository.owner.login;
    const repo = p.repository.name;
    await context.octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: p.comment.id,
      content: 'eyes',
    });
    await context.octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'claude.yml',
      ref: p.repository.default_branch ?? 'main',
      inputs: {
        command: p.comment.body.replace(/^\/claude\s*/, ''),
        pr_number: String(p.issue.number),
        comment_id: String(p.comment.id),
        requested_by: p.sender.login,
      },
    });
  });
};

const noopApp: ApplicationFunction = (app) => {
  app.on('issue_comment.created', async () => {});
};

async function startBare(appFn: ApplicationFunction): Promise<{ url: string; close(): Promise<void> }> {
  const env = process.env;
  const baseUrl = `${env.GHE_PROTOCOL ?? 'https'}://${env.GHE_HOST}/api/v3`;
  const probot = createProbot({
    env: { ...env, LOG_LEVEL: 'silent' },
    overrides: {
      baseUrl,
      // The companion spaces no writes in this benchmark either (writeSpacingMs: 0).
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
        ...o,
        throttle: { enabled: false },
      })),
    },
  });
  const middleware = await createNodeMiddleware(appFn, { probot, webhooksPath: WEBHOOK_PATH });
  const server = http.createServer((req, res) => {
    Promise.resolve(
      middleware(req, res, () => {
        res.writeHead(404).end();
      }),
    ).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function start(): Promise<{ url: string; close(): Promise<void> }> {
  if (mode === 'bare') return startBare(bareApp);
  if (mode === 'noop') return startBare(noopApp);
  const serverModule = path.join(import.meta.dirname, '..', 'src', 'companion', 'server.ts');
  const { startCompanionServer } = (await import(pathToFileURL(serverModule).href)) as {
    startCompanionServer: (o: {
      env: NodeJS.ProcessEnv;
      port?: number;
      host?: string;
      writeSpacingMs?: number;
      workThread?: boolean;
    }) => Promise<{ webhookUrl: string; close(graceMs?: number): Promise<void> }>;
  };
  const server = await startCompanionServer({
    env: { ...process.env, LOG_LEVEL: 'silent' },
    port: 0,
    host: '127.0.0.1',
    writeSpacingMs: 0,
    // As run.ts starts it; BENCH_IN_PROCESS=1 measures the work on the webhook's thread instead.
    workThread: process.env.BENCH_IN_PROCESS !== '1',
  });
  return { url: server.webhookUrl, close: () => server.close(2000) };
}

const server = await start();
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
