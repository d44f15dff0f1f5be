/**
 * Entry of the companion (`npm run companion` → `node dist/companion/index.js`): reads the
 * environment (and `./.env` when present), starts the server, stops cleanly on SIGTERM/SIGINT.
 * With no App configured yet (and not in production) it starts Probot's App-manifest setup
 * instead (setup.ts). No logic here.
 */
import { isMainThread } from 'node:worker_threads';
import { loadDotEnv, startCompanionServer, type CompanionServer } from './server';
import { needsAppSetup, startAppSetup } from './setup';

async function main(): Promise<void> {
  loadDotEnv();
  if (needsAppSetup(process.env)) {
    const setup = await startAppSetup(process.env);
    const stop = () =>
      setup.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  // The work in its own thread: answers to webhooks never wait behind it (work-thread.ts).
  const server = await startCompanionServer({ env: process.env, workThread: true });
  server.probot.log.info(`claude-relay companion listening on ${server.webhookUrl}`);
  if (process.env.WEBHOOK_PROXY_URL) await forwardFromProxy(process.env.WEBHOOK_PROXY_URL, server);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.probot.log.info(`claude-relay companion: ${signal}, finishing in-flight deliveries`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * Local development: deliveries sent to a smee.io channel (the App's webhook URL) are forwarded to
 * this server, signature headers included. smee-client is loaded only here, when asked for.
 */
async function forwardFromProxy(source: string, server: CompanionServer): Promise<void> {
  const log = server.probot.log;
  const name = 'smee-client';
  let SmeeClient: SmeeClientClass;
  try {
    ({ SmeeClient } = (await import(/* webpackIgnore: true */ name)) as { SmeeClient: SmeeClientClass });
  } catch {
    log.warn(
      `WEBHOOK_PROXY_URL is set, but smee-client is not installed: run \`npm install --no-save smee-client\` to forward ${source} to ${server.webhookUrl}`,
    );
    return;
  }
  await new SmeeClient({ source, target: server.webhookUrl, logger: log }).start();
  log.info(`claude-relay companion: forwarding deliveries from ${source} to ${server.webhookUrl}`);
}

type SmeeClientClass = new (o: { source: string; target: string; logger: unknown }) => {
  start(): Promise<unknown>;
};

// The bundle is also the work thread's code (work-thread.ts): there, server.ts serves the thread.
if (isMainThread) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
