import { createGitHub } from '../../src/github/client';
import { answerPermissionOnce } from '../../src/github/once';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';

const REPO = { owner: 'octo-org', repo: 'octo-repo' };
const ROUTE = /\/collaborators\/[^/]+\/permission$/;
let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub({
    users: { alice: 'User', bob: 'User' },
    permissions: { 'octo-org/octo-repo': { alice: 'write', bob: 'read' } },
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

const client = () => answerPermissionOnce(createGitHub({ token: 't', baseUrl: fake.url }));
const ask = (gh: ReturnType<typeof client>, username: string) =>
  gh.rest.repos.getCollaboratorPermissionLevel({ ...REPO, username }).then((r) => r.data.permission);

describe('answerPermissionOnce', () => {
  it('asks GitHub once per login, whatever the case, also for concurrent askers', async () => {
    const gh = client();
    expect(await Promise.all([ask(gh, 'alice'), ask(gh, 'alice')])).toEqual(['write', 'write']);
    expect(await ask(gh, 'ALICE')).toBe('write');
    expect(fake.requestsTo('GET', ROUTE)).toHaveLength(1);
    expect(await ask(gh, 'bob')).toBe('read');
    expect(fake.requestsTo('GET', ROUTE)).toHaveLength(2);
  });

  it('keeps answers per client: a new client (a new run) asks again', async () => {
    await ask(client(), 'alice');
    await ask(client(), 'alice');
    expect(fake.requestsTo('GET', ROUTE)).toHaveLength(2);
  });

  it('does not keep a failed lookup: the next asker tries again', async () => {
    const gh = client();
    fake.failNext('GET', ROUTE, 1, { status: 404, body: { message: 'Not Found' } });
    await expect(ask(gh, 'alice')).rejects.toMatchObject({ status: 404 });
    expect(await ask(gh, 'alice')).toBe('write');
    expect(fake.requestsTo('GET', ROUTE)).toHaveLength(2);
  });

  it('leaves other requests alone', async () => {
    const gh = client();
    await gh.rest.repos.get(REPO);
    await gh.rest.repos.get(REPO);
    expect(fake.requestsTo('GET', '/repos/octo-org/octo-repo')).toHaveLength(2);
  });
});
