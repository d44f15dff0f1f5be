/**
 * First start without a GitHub App: Probot's App-manifest flow. `npm run companion` with no
 * APP_ID / PRIVATE_KEY serves Probot's setup pages on http://localhost:3000, which register an App
 * from `app.yml` (in the working directory) on github.com (or GHE_HOST) and write APP_ID,
 * PRIVATE_KEY, WEBHOOK_SECRET (and the OAuth client id/secret) to `./.env`; the next start runs the
 * companion. `WEBHOOK_PROXY_URL` (a https://smee.io channel) becomes the App's webhook URL, so a
 * companion on a laptop receives deliveries forwarded from it.
 *
 * Production (`NODE_ENV=production`, as in the Docker image) never enters setup: a missing
 * setting is an error there.
 */
import { run, type Server } from 'probot';

const isSet = (v: string | undefined) => Boolean(v?.trim());

export function needsAppSetup(env: NodeJS.ProcessEnv): boolean {
  return (
    env.NODE_ENV !== 'production' &&
    !isSet(env.APP_ID) &&
    !isSet(env.PRIVATE_KEY) &&
    !isSet(env.PRIVATE_KEY_PATH)
  );
}

/** Starts Probot's setup server (manifest flow); resolves once it listens. */
export async function startAppSetup(env: NodeJS.ProcessEnv): Promise<Server> {
  return run(() => {}, {
    env: { ...env, HOST: env.HOST || 'localhost', PORT: env.PORT || '3000' },
  });
}
