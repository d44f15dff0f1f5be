/**
 * One e2e scenario: both loopback fakes, a seeded repository with users and a PR or issue, and a
 * helper to run dist/index.js against them. Tests tear it down with `close()`.
 */
import { startFakeAnthropic, sequence, type FakeAnthropic, type Script, type Turn } from './fake-anthropic';
import { startFakeGitHub, type FakeGitHub } from './fake-github';
import { runAction, type RunOptions, type RunResult } from './runner';

export const REPO = 'octo-org/octo-repo';
export const API_KEY = 'sk-ant-api03-TESTKEY-5f2d1c9e8b7a6d5c4b3a2f1e0d9c8b7a';
export const GITHUB_TOKEN = 'ghs_TESTTOKEN5f2d1c9e8b7a6d5c4b3a2f1e0d9c';
export const HEAD_SHA = '1111111111111111111111111111111111111111';
export const BASE_SHA = '2222222222222222222222222222222222222222';

export interface Scenario {
  model: FakeAnthropic;
  github: FakeGitHub;
  run(o: Omit<RunOptions, 'apiUrl' | 'anthropicUrl'>): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startScenario(
  script: Script | Turn[] = [{ text: 'Hello from the fake model.' }],
): Promise<Scenario> {
  const model = await startFakeAnthropic(Array.isArray(script) ? sequence(script) : script);
  const github = await startFakeGitHub();
  const s = github.state;
  s.addUser('octocat', 'User');
  // The sender of @octokit/webhooks-examples payloads.
  s.addUser('Codertocat', 'User');
  s.setPermission(REPO, 'Codertocat', 'write');
  s.addUser('reader', 'User');
  s.addUser('dependabot[bot]', 'Bot');
  s.setPermission(REPO, 'octocat', 'admin');
  s.setPermission(REPO, 'reader', 'read');
  s.addToken(GITHUB_TOKEN, 'github-actions[bot]', 'Bot');
  return {
    model,
    github,
    run: (o) =>
      runAction({
        ...o,
        apiUrl: github.url,
        anthropicUrl: model.url,
        inputs: { anthropic_api_key: API_KEY, github_token: GITHUB_TOKEN, ...o.inputs },
      }),
    close: async () => {
      await Promise.all([model.close(), github.close()]);
    },
  };
}

/** Seeds PR #1 (the number the example payloads use) with a small diff. */
export function seedPullRequest(
  github: FakeGitHub,
  patch: Partial<Parameters<FakeGitHub['state']['addPullRequest']>[0]> = {},
) {
  return github.state.addPullRequest({
    number: 1,
    title: 'Add the answer',
    body: 'This PR adds the answer.',
    user: 'octocat',
    head: { ref: 'feature', sha: HEAD_SHA },
    base: { ref: 'main', sha: BASE_SHA },
    files: [
      {
        filename: 'src/app.ts',
        status: 'modified',
        additions: 1,
        deletions: 1,
        changes: 2,
        patch: '@@ -1 +1 @@\n-export const answer = 41;\n+export const answer = 42;',
      },
    ],
    ...patch,
  });
}
