/**
 * The gate as a unit: who may start a run, with the permission lookup stubbed. The e2e suites
 * (events, honest-failures) prove the same decisions through dist against the fake GitHub.
 */
import type { PermissionApi } from '../../src/core/identity';
import { authorize, GateUnavailableError } from '../../src/gate/authorize';
import type { RelayRequest } from '../../src/request/types';

const SELF = ['claude-relay[bot]', 'github-actions[bot]'];

function gh(answer: { permission: string; role_name?: string } | { status?: number; message: string }) {
  const calls: string[] = [];
  const api: PermissionApi = {
    rest: {
      repos: {
        getCollaboratorPermissionLevel: async ({ username }) => {
          calls.push(username);
          if ('message' in answer) throw Object.assign(new Error(answer.message), answer);
          return { data: answer };
        },
      },
    },
  };
  return { api, calls };
}

function request(actor: RelayRequest['actor'], comment?: Partial<RelayRequest['comment']>): RelayRequest {
  return {
    eventName: 'issue_comment',
    owner: 'octo-org',
    repo: 'octo-repo',
    target: { kind: 'pull_request', number: 1 },
    actor,
    trigger: 'comment',
    command: { name: 'ask', text: 'hi' },
    isPullRequestTarget: false,
    ...(comment
      ? {
          comment: { id: 9, kind: 'issue_comment', body: '/claude hi', authorLogin: actor.login, ...comment },
        }
      : {}),
  };
}

const opts = (
  api: PermissionApi,
  extra: Partial<{ allowedUsers: string[]; allowedBots: string[] }> = {},
) => ({
  gh: api,
  allowedUsers: extra.allowedUsers ?? [],
  allowedBots: extra.allowedBots ?? [],
  selfLogins: SELF,
});

describe('authorize', () => {
  it('lets a user with write access run, and says why', async () => {
    const { api } = gh({ permission: 'write', role_name: 'maintain' });
    await expect(authorize(request({ login: 'octocat', type: 'User' }, {}), opts(api))).resolves.toEqual({
      allowed: true,
      via: 'permission',
      permission: 'maintain',
    });
  });

  it('refuses read access without asking twice', async () => {
    const { api, calls } = gh({ permission: 'read' });
    const d = await authorize(request({ login: 'reader', type: 'User' }, {}), opts(api));
    expect(d).toEqual({ allowed: false, reason: 'reader has read permission; write access is required' });
    expect(calls).toEqual(['reader']);
  });

  it("never runs on the relay's own comments: the App by login and account type", async () => {
    const { api, calls } = gh({ permission: 'admin' });
    const d = await authorize(request({ login: 'claude-relay', type: 'Bot' }, {}), opts(api));
    expect(d.allowed).toBe(false);
    expect(calls).toEqual([]);
  });

  it('a user account that shares the App name without [bot] is judged as a user', async () => {
    const { api, calls } = gh({ permission: 'write' });
    const d = await authorize(request({ login: 'claude-relay', type: 'User' }, {}), opts(api));
    expect(d.allowed).toBe(true);
    expect(calls).toEqual(['claude-relay']);
  });

  it('bots only when listed, by account type', async () => {
    const { api } = gh({ permission: 'admin' });
    const bot = { login: 'dependabot[bot]', type: 'Bot' as const };
    expect((await authorize(request(bot), opts(api))).allowed).toBe(false);
    expect(await authorize(request(bot), opts(api, { allowedBots: ['dependabot'] }))).toEqual({
      allowed: true,
      via: 'allowed_bots',
    });
  });

  it('a comment carrying a relay record never triggers', async () => {
    const { api } = gh({ permission: 'admin' });
    const d = await authorize(
      request({ login: 'octocat', type: 'User' }, { body: '/claude hi\n<!-- claude-relay:session {} -->' }),
      opts(api),
    );
    expect(d.allowed).toBe(false);
  });

  it('a 404 refuses quietly; an outage fails the run instead of skipping it', async () => {
    const notFound = gh({ status: 404, message: 'Not Found' });
    expect((await authorize(request({ login: 'x', type: 'User' }), opts(notFound.api))).allowed).toBe(false);
    const outage = gh({ status: 502, message: 'Bad Gateway' });
    await expect(authorize(request({ login: 'x', type: 'User' }), opts(outage.api))).rejects.toBeInstanceOf(
      GateUnavailableError,
    );
  });
});
