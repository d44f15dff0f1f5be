import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encryptBundle } from '../../src/session/crypto';
import { SessionCorruptError, SessionUnavailableError } from '../../src/session/errors';
import { FsSessionStore } from '../../src/session/fs-store';
import type { SessionBundle } from '../../src/session/memory-store';
import type { SessionScope } from '../../src/session/names';

const key = crypto.randomBytes(32);
const scope: SessionScope = { owner: 'octo-org', repo: 'hello.world', kind: 'pull_request', number: 42 };
const SID = '907affe5-d27f-4589-a67f-bd8985ac833a';

function bundle(sessionId = SID): SessionBundle {
  return {
    v: 1,
    sessionId,
    createdAt: new Date().toISOString(),
    main: [{ type: 'user', uuid: 'u1', message: { role: 'user', content: 'remember the word PINEAPPLE' } }],
    subkeys: {},
  };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fs-store-test-'));
}

describe('FsSessionStore', () => {
  it('round-trips an encrypted bundle in a 0700 directory, file mode 0600', async () => {
    const root = tmp();
    const dir = path.join(root, 'state', 'sessions');
    const store = new FsSessionStore(dir, key);
    const b = bundle();
    const location = await store.save(scope, b);
    expect(location).toBe(`fs:octo-org__hello.world__pull_request-42__${SID}.sess`);
    const file = path.join(dir, location.slice(3));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(file).includes(Buffer.from('PINEAPPLE'))).toBe(false);
    // Nothing but the session file is left behind (no temp files).
    expect(fs.readdirSync(dir)).toEqual([location.slice(3)]);
    expect(await new FsSessionStore(dir, key).load(location, scope)).toEqual(b);
  });

  it('overwrites atomically when the same session is saved again', async () => {
    const dir = tmp();
    const store = new FsSessionStore(dir, key);
    const first = await store.save(scope, bundle());
    const longer = bundle();
    longer.main.push({ type: 'assistant', uuid: 'a1' });
    expect(await store.save(scope, longer)).toBe(first);
    expect((await store.load(first, scope)).main).toHaveLength(2);
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });

  it('does not chmod a directory that already existed', async () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o755);
    await new FsSessionStore(dir, key).save(scope, bundle());
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
  });

  it('sanitises every name component against hostile input', async () => {
    const root = tmp();
    const dir = path.join(root, 'sessions');
    const store = new FsSessionStore(dir, key);
    const hostile: SessionScope = {
      owner: '../../x',
      repo: '..\\..\\/etc/passwd\0',
      kind: 'issue',
      number: 7,
    };
    const location = await store.save(hostile, bundle('../../../evil id\n'));
    const name = location.slice(3);
    expect(name).toMatch(/^[A-Za-z0-9._-]+\.sess$/);
    expect(name).not.toContain('..');
    expect(name).not.toContain('/');
    expect(fs.readdirSync(dir)).toEqual([name]);
    expect(fs.readdirSync(root)).toEqual(['sessions']);
    expect((await store.load(location, hostile)).sessionId).toBe('../../../evil id\n');
  });

  it('refuses locations that escape the directory or belong to another PR/issue', async () => {
    const dir = tmp();
    const store = new FsSessionStore(dir, key);
    const location = await store.save(scope, bundle());
    await expect(store.load(location, { ...scope, number: 43 })).rejects.toThrow(SessionUnavailableError);
    await expect(store.load(location, { ...scope, kind: 'issue' })).rejects.toThrow(/does not belong/);
    await expect(store.load('fs:../../etc/passwd', scope)).rejects.toThrow(SessionUnavailableError);
    await expect(
      store.load(`fs:octo-org__hello.world__pull_request-42__/../../x.sess`, scope),
    ).rejects.toThrow(SessionUnavailableError);
    await expect(store.load('artifact:x:1', scope)).rejects.toThrow(/not an fs session location/);
  });

  it('reports a missing file as unavailable', async () => {
    const store = new FsSessionStore(tmp(), key);
    await expect(store.load(`fs:octo-org__hello.world__pull_request-42__${SID}.sess`, scope)).rejects.toThrow(
      new SessionUnavailableError(
        `stored session octo-org__hello.world__pull_request-42__${SID}.sess not found`,
      ),
    );
  });

  it('refuses a wrong key, a garbage file and a renamed file', async () => {
    const dir = tmp();
    const location = await new FsSessionStore(dir, key).save(scope, bundle());
    await expect(new FsSessionStore(dir, crypto.randomBytes(32)).load(location, scope)).rejects.toThrow(
      'stored session could not be decrypted: wrong session_key or corrupted file',
    );
    const other = `octo-org__hello.world__pull_request-42__other.sess`;
    fs.copyFileSync(path.join(dir, location.slice(3)), path.join(dir, other));
    await expect(new FsSessionStore(dir, key).load(`fs:${other}`, scope)).rejects.toThrow(/does not match/);
    fs.writeFileSync(path.join(dir, other), 'garbage');
    await expect(new FsSessionStore(dir, key).load(`fs:${other}`, scope)).rejects.toThrow(
      new SessionCorruptError('not a claude-relay session file', 'not-session'),
    );
  });

  it('does not follow a symlink planted in the directory', async () => {
    const dir = tmp();
    const elsewhere = path.join(tmp(), 'real.sess');
    fs.writeFileSync(elsewhere, encryptBundle(bundle(), key));
    const name = `octo-org__hello.world__pull_request-42__${SID}.sess`;
    fs.symlinkSync(elsewhere, path.join(dir, name));
    await expect(new FsSessionStore(dir, key).load(`fs:${name}`, scope)).rejects.toThrow(SessionCorruptError);
  });
});
