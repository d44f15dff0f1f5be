/**
 * With app_id + app_private_key the action acts as the companion's GitHub App: an installation
 * token for this repository only, comments from the App's bot user, the token revoked at the end.
 */
import { generateKeyPairSync } from 'node:crypto';
import { prOpened } from '../support/payloads';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

it('posts as the App bot with a repo-scoped installation token and revokes it', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  sc = await startScenario([{ text: 'Answer from the App.' }]);
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    inputs: { github_token: '', app_id: '12345', app_private_key: pem },
  });
  expect(res.exitCode).toBe(0);
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments).toHaveLength(1);
  expect(comments[0]!.user).toBe('claude-relay[bot]');
  const mint = sc.github.requestsTo('POST', /\/app\/installations\/\d+\/access_tokens$/);
  expect(mint).toHaveLength(1);
  expect(mint[0]!.body).toMatchObject({ repositories: ['octo-repo'] });
  expect(sc.github.requestsTo('DELETE', '/installation/token')).toHaveLength(1);
  // Revoked at the end: the minted token is now in the revoked set.
  const minted = [...sc.github.state.revokedTokens];
  expect(minted.length).toBe(1);
  // `::add-mask::` lines are consumed by the runner, never shown.
  const shown = res.log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const leaked = shown + JSON.stringify(res.outputs) + res.summary + comments[0]!.body;
  expect(leaked).not.toContain(minted[0]!);
  expect(leaked).not.toContain('PRIVATE KEY');
});
