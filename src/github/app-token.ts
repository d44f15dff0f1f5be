/**
 * Acting as the companion's GitHub App (`app_id` + `app_private_key`): mint an installation token
 * for this one repository, so comments come from the App's bot user, and revoke it at the end.
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';

export interface AppToken {
  token: string;
  /** The App's bot login (`<slug>[bot]`): its comments carry trusted markers. */
  botLogin: string;
  revoke(): Promise<void>;
}

export async function mintInstallationToken(opts: {
  appId: string;
  privateKey: string;
  owner: string;
  repo: string;
  baseUrl: string;
}): Promise<AppToken> {
  const appAuth = createAppAuth({ appId: opts.appId, privateKey: opts.privateKey.replace(/\\n/g, '\n') });
  const { token: jwt } = await appAuth({ type: 'app' });
  const asApp = new Octokit({ auth: jwt, baseUrl: opts.baseUrl });
  const [{ data: app }, { data: installation }] = await Promise.all([
    asApp.rest.apps.getAuthenticated(),
    asApp.rest.apps.getRepoInstallation({ owner: opts.owner, repo: opts.repo }),
  ]);
  const { data } = await asApp.rest.apps.createInstallationAccessToken({
    installation_id: installation.id,
    repositories: [opts.repo],
  });
  const token = data.token;
  return {
    token,
    botLogin: `${app?.slug ?? 'claude-relay'}[bot]`,
    revoke: async () => {
      await new Octokit({ auth: token, baseUrl: opts.baseUrl }).rest.apps
        .revokeInstallationAccessToken()
        .catch(() => {});
    },
  };
}
