import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  deriveSessionKey,
  MemorySessionStore,
  SessionManager,
  SessionPersistError,
  type SessionManagerOptions,
  type SessionScope,
} from '../../src/session/index';
import { LocalArtifactClient } from './local-artifact-client';

const scope: SessionScope = { owner: 'octo-org', repo: 'hello-world', kind: 'issue', number: 9 };
const key = deriveSessionKey({ apiKey: 'sk-ant-test', repository: 'octo-org/hello-world' });
const SID = '11111111-2222-4333-8444-555555555555';
const findBy = { token: 'ghs_test_token', repositoryOwner: 'octo-org', repositoryName: 'hello-world' };

function tmp(prefix = 'mgr-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function recorded(): Promise<MemorySessionStore> {
  const store = new MemorySessionStore();
  await store.append({ projectKey: '-runner-a', sessionId: SID }, [
    { type: 'user', uuid: 'u1', message: { role: 'user', content: 'remember PINEAPPLE' } },
    { type: 'assistant', uuid: 'a1', message: { role: 'assistant', content: 'ok' } },
  ]);
  await store.append({ projectKey: '-runner-a', sessionId: SID, subpath: 'subagents/agent-1' }, [
    { type: 'user', uuid: 's1' },
  ]);
  return store;
}

function manager(opts: Partial<SessionManagerOptions> = {}): SessionManager {
  return new SessionManager({ kind: 'fs', fsDir: opts.fsDir ?? tmp(), key, scope, runId: '1', ...opts });
}

describe('SessionManager', () => {
  it('persists to fs and restores on a new runner', async () => {
    const fsDir = tmp();
    const location = await manager({ fsDir }).persist(await recorded(), SID);
    expect(location).toBe(`fs:octo-org__hello-world__issue-9__${SID}.sess`);
    const restored = await manager({ fsDir, runId: '2' }).restore(location);
    expect(restored.note).toBeUndefined();
    expect(restored.sessionId).toBe(SID);
    expect(await restored.store?.load({ projectKey: '-runner-b', sessionId: SID })).toHaveLength(2);
    expect(await restored.store?.listSubkeys({ projectKey: '-runner-b', sessionId: SID })).toEqual([
      'subagents/agent-1',
    ]);
  });

  it('persists to an artifact and restores from the writing run', async () => {
    const root = tmp('artifacts-');
    const writer = manager({
      kind: 'artifact',
      runId: '500',
      artifactClient: new LocalArtifactClient(root, 500),
    });
    const location = await writer.persist(await recorded(), SID);
    expect(location).toBe(`artifact:claude-relay-session-issue-9-${SID}:500`);
    const reader = manager({
      kind: 'artifact',
      runId: '600',
      artifactClient: new LocalArtifactClient(root, 600),
      findBy,
    });
    const restored = await reader.restore(location);
    expect(restored).toMatchObject({ sessionId: SID });
    expect(restored.note).toBeUndefined();
  });

  it('reads the store the location names, even if session_store changed since', async () => {
    const fsDir = tmp();
    const location = await manager({ fsDir }).persist(await recorded(), SID);
    const artifactRun = manager({
      kind: 'artifact',
      fsDir,
      artifactClient: new LocalArtifactClient(tmp(), 2),
    });
    expect((await artifactRun.restore(location)).sessionId).toBe(SID);
  });

  it('has nothing to say when there is no earlier session', async () => {
    expect(await manager().restore(undefined)).toEqual({});
    expect(await manager().restore('none')).toEqual({});
    expect(await manager().restore('')).toEqual({});
  });

  it('starts fresh with a note for a corrupt (garbage) stored session, never throwing', async () => {
    const fsDir = tmp();
    const name = `octo-org__hello-world__issue-9__${SID}.sess`;
    fs.writeFileSync(path.join(fsDir, name), 'this is not a session at all');
    const logs: string[] = [];
    const result = await manager({ fsDir, log: (m) => logs.push(m) }).restore(`fs:${name}`);
    expect(result).toEqual({ note: 'Started a fresh session: not a claude-relay session file' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('not a claude-relay session file');
  });

  it('starts fresh with a note for a wrong key', async () => {
    const fsDir = tmp();
    const location = await manager({ fsDir }).persist(await recorded(), SID);
    const otherKey = deriveSessionKey({ apiKey: 'sk-ant-rotated', repository: 'octo-org/hello-world' });
    expect(await manager({ fsDir, key: otherKey }).restore(location)).toEqual({
      note: 'Started a fresh session: stored session could not be decrypted: wrong session_key or corrupted file',
    });
  });

  it('starts fresh with a note for a missing file and an expired artifact', async () => {
    expect((await manager().restore(`fs:octo-org__hello-world__issue-9__${SID}.sess`)).note).toBe(
      `Started a fresh session: stored session octo-org__hello-world__issue-9__${SID}.sess not found`,
    );
    const reader = manager({
      kind: 'artifact',
      runId: '7',
      artifactClient: new LocalArtifactClient(tmp(), 7),
      findBy,
    });
    expect((await reader.restore(`artifact:claude-relay-session-issue-9-${SID}:6`)).note).toMatch(
      /^Started a fresh session: session artifact claude-relay-session-issue-9-.* was not found in run 6 \(expired or deleted\)$/,
    );
  });

  it('starts fresh with a note for odd locations and unexpected errors', async () => {
    expect((await manager().restore('s3://bucket/x')).note).toBe(
      'Started a fresh session: the earlier session location is not recognised',
    );
    const file = path.join(tmp(), 'not-a-dir');
    fs.writeFileSync(file, '');
    const note = (await manager({ fsDir: file }).restore(`fs:octo-org__hello-world__issue-9__${SID}.sess`))
      .note;
    expect(note).toMatch(/^Started a fresh session: the stored session could not be read \(ENOTDIR/);
    expect((await manager({ kind: 'none' }).restore('fs:x.sess')).note).toBe(
      'Started a fresh session: session_store is none',
    );
  });

  it('stores nothing for session_store none or a session the store never saw', async () => {
    expect(await manager({ kind: 'none' }).persist(await recorded(), SID)).toBe('none');
    expect(await manager().persist(new MemorySessionStore(), SID)).toBe('none');
    expect(await manager().persist(await recorded(), 'other-session')).toBe('none');
  });

  it('raises one clear error when storing fails', async () => {
    const file = path.join(tmp(), 'not-a-dir');
    fs.writeFileSync(file, '');
    const err = await manager({ fsDir: path.join(file, 'sub') })
      .persist(await recorded(), SID)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionPersistError);
    expect((err as Error).message).toMatch(/^could not store the session \(fs\): ENOTDIR/);
  });
});
