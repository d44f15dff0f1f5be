import { createServer } from 'node:net';
import { RequestError } from '@octokit/request-error';
import {
  createGitHub,
  describeGitHubError,
  isInfrastructureError,
  NOTIFYING_WRITE_PACING,
  WRITE_PACING,
  type GitHub,
} from '../../src/github/client';
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

describe('write pacing', () => {
  /** When each write reached the fake, in ms after the first; `write(i)` makes the i-th. */
  async function arrivals(count: number, write: (gh: GitHub, i: number) => Promise<unknown>) {
    const arrived: number[] = [];
    const push = fake.requests.push.bind(fake.requests);
    fake.requests.push = (...items) => {
      for (const r of items) if (r.method !== 'GET') arrived.push(performance.now());
      return push(...items);
    };
    try {
      const gh = createGitHub({ token: 't', baseUrl: fake.url });
      await Promise.all(Array.from({ length: count }, (_, i) => write(gh, i)));
    } finally {
      fake.requests.push = push;
    }
    expect(arrived).toHaveLength(count);
    return arrived.map((t) => t - (arrived[0] as number));
  }

  it('sends a run’s first writes at once and paces the rest one a second', async () => {
    const issue = fake.state.addIssue({ number: 41, title: 'Paced', user: 'octocat' });
    const comment = fake.state.addIssueComment({
      issue_number: issue.number,
      body: 'progress',
      user: 'relay',
    });
    const { burst, everyMs } = WRITE_PACING;
    const after = await arrivals(burst + 2, (gh, i) =>
      gh.rest.issues.updateComment({ ...REPO, comment_id: comment.id, body: `edit ${i}` }),
    );
    // With a second between all writes, the last of the burst would come burst - 1 seconds in.
    expect(after[burst - 1]).toBeLessThan(everyMs);
    // Beyond it, one a second (lower bounds: a loaded machine only makes the gaps longer).
    expect(after[burst]).toBeGreaterThanOrEqual(everyMs - 100);
    expect(after[burst + 1]).toBeGreaterThanOrEqual(2 * everyMs - 100);
  });

  it('does the same for writes that notify people, three seconds apart beyond the burst', async () => {
    const issue = fake.state.addIssue({ number: 42, title: 'Paced comments', user: 'octocat' });
    const { burst, everyMs } = NOTIFYING_WRITE_PACING;
    const after = await arrivals(burst + 1, (gh, i) =>
      gh.rest.issues.createComment({ ...REPO, issue_number: issue.number, body: `comment ${i}` }),
    );
    expect(after[burst - 1]).toBeLessThan(1000);
    expect(after[burst]).toBeGreaterThanOrEqual(everyMs - 100);
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
