import { createServer } from 'node:net';
import { RequestError } from '@octokit/request-error';
import { createGitHub, describeGitHubError, isInfrastructureError } from '../../src/github/client';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';

const REPO = { owner: 'octo-org', repo: 'octo-repo' };
let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('createGitHub', () => {
  it('retries a 502 and returns the answer that follows', async () => {
    const gh = createGitHub({ token: 't', baseUrl: fake.url });
    fake.failNext('GET', '/repos/octo-org/octo-repo', 1, { status: 502, body: { message: 'Bad Gateway' } });
    const { data } = await gh.rest.repos.get(REPO);
    expect(data.full_name).toBe('octo-org/octo-repo');
    expect(fake.requestsTo('GET', '/repos/octo-org/octo-repo').map((r) => r.status)).toEqual([502, 200]);
  });

  it('does not retry a 404', async () => {
    const gh = createGitHub({ token: 't', baseUrl: fake.url });
    const err = await caught(gh.rest.repos.get({ owner: 'octo-org', repo: 'missing' }));
    expect(fake.requestsTo('GET', '/repos/octo-org/missing')).toHaveLength(1);
    expect(describeGitHubError(err)).toBe(
      'GitHub API 404 Not Found - https://docs.github.com/rest (GET /repos/octo-org/missing)',
    );
    expect(isInfrastructureError(err)).toBe(false);
  });
});

describe('describeGitHubError', () => {
  it('names a refused connection as unreachable, not as a 500', async () => {
    const port = await closedPort();
    const gh = createGitHub({ token: 't', baseUrl: `http://127.0.0.1:${port}` });
    // retries: 0 so the refused request fails at once instead of after plugin-retry's backoff.
    const err = await caught(gh.request('GET /repos/{owner}/{repo}', { ...REPO, request: { retries: 0 } }));
    expect(describeGitHubError(err)).toBe(
      `GitHub API unreachable: ECONNREFUSED 127.0.0.1:${port} (GET /repos/octo-org/octo-repo)`,
    );
    expect(isInfrastructureError(err)).toBe(true);
  });

  it('keeps a server error to one line with its status and route', () => {
    const err = new RequestError('Service Unavailable\nstack-ish detail', 503, {
      request: { method: 'GET', url: 'https://api.github.com/repos/o/r/pulls/1', headers: {} },
      response: { status: 503, url: '', headers: {}, data: {} },
    });
    expect(describeGitHubError(err)).toBe('GitHub API 503 Service Unavailable (GET /repos/o/r/pulls/1)');
    expect(isInfrastructureError(err)).toBe(true);
  });

  it('describes a non-GitHub error by its message', () => {
    expect(describeGitHubError(new Error('boom'))).toBe('boom');
    expect(describeGitHubError('plain')).toBe('plain');
  });
});
