/**
 * The identity decisions both surfaces share: write permission, forks, secret pieces. (Whether a
 * comment is the relay's own is tested with the ledger, which trusts only those comments.)
 */
import { isForkPullRequest, permissionOf, secretPieces, type PermissionApi } from '../../src/core/identity';

function permissions(answer: { permission: string; role_name?: string } | Error): PermissionApi {
  return {
    rest: {
      repos: {
        getCollaboratorPermissionLevel: async () => {
          if (answer instanceof Error) throw answer;
          return { data: answer };
        },
      },
    },
  };
}

describe('permissionOf', () => {
  it.each([
    [{ permission: 'admin' }, 'admin', true],
    [{ permission: 'write' }, 'write', true],
    [{ permission: 'write', role_name: 'maintain' }, 'maintain', true],
    [{ permission: 'read', role_name: 'triage' }, 'triage', false],
    [{ permission: 'read' }, 'read', false],
    [{ permission: 'none' }, 'none', false],
  ])('%j → %s, write %s', async (data, role, canWrite) => {
    await expect(permissionOf(permissions(data), 'o', 'r', 'u')).resolves.toEqual({ role, canWrite });
  });

  it('throws what GitHub threw, so each caller decides how to fail closed', async () => {
    await expect(permissionOf(permissions(new Error('boom')), 'o', 'r', 'u')).rejects.toThrow('boom');
  });
});

describe('isForkPullRequest', () => {
  const base = { id: 1, full_name: 'octo-org/octo-repo' };
  it('same repository: not a fork', () => {
    expect(isForkPullRequest({ id: 1, full_name: 'Octo-Org/Octo-Repo' }, base)).toBe(false);
    expect(isForkPullRequest({ full_name: 'octo-org/octo-repo' }, { full_name: 'octo-org/octo-repo' })).toBe(
      false,
    );
  });
  it('another repository id, even under the same name: a fork', () => {
    expect(isForkPullRequest({ id: 2, full_name: 'octo-org/octo-repo' }, base)).toBe(true);
  });
  it('another name, even with the same id: a fork (a doubt makes it untrusted)', () => {
    expect(isForkPullRequest({ id: 1, full_name: 'mallory/octo-repo' }, base)).toBe(true);
  });
  it('a deleted head repository: a fork', () => {
    expect(isForkPullRequest(null, base)).toBe(true);
    expect(isForkPullRequest(undefined, base)).toBe(true);
  });
});

describe('secretPieces', () => {
  it('a one-line secret is itself', () => {
    expect(secretPieces('sk-ant-abcdef123456')).toEqual(['sk-ant-abcdef123456']);
  });
  it('a multi-line secret adds each long line, trimmed, once', () => {
    const key = '-----BEGIN KEY-----\r\n  MIIEabcdefgh  \nshort\nMIIEabcdefgh\n-----END KEY-----';
    expect(secretPieces(key)).toEqual([key, '-----BEGIN KEY-----', 'MIIEabcdefgh', '-----END KEY-----']);
  });
});
