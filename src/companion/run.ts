/**
 * Entry of the companion (`npm run companion` → `node dist/companion/index.js`): reads the
 * environment (and `./.env` when present), starts the server, stops cleanly on SIGTERM/SIGINT.
 * No logic here.
 */
import { loadDotEnv, startCompanionServer } from './server';

async function main(): Promise<void> {
  loadDotEnv();
  const server = await startCompanionServer({ env: process.env });
  server.probot.log.info(`claude-relay companion listening on ${server.webhookUrl}`);
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

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
