import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ArtifactSessionStore,
  createArtifactClient,
  DEFAULT_RETENTION_DAYS,
  parseArtifactLocation,
} from '../../src/session/artifact-store';
import { SessionCorruptError, SessionUnavailableError } from '../../src/session/errors';
import type { SessionBundle } from '../../src/session/memory-store';
import { artifactName, type SessionScope } from '../../src/session/names';
import { LocalArtifactClient } from './local-artifact-client';

const key = crypto.randomBytes(32);
const scope: SessionScope = { owner: 'octo-org', repo: 'hello-world', kind: 'pull_request', number: 42 };
const SID = '907affe5-d27f-4589-a67f-bd8985ac833a';
const findBy = { token: 'ghs_test_token', repositoryOwner: 'octo-org', repositoryName: 'hello-world' };

function bundle(sessionId = SID): SessionBundle {
  return {
    v: 1,
    sessionId,
    createdAt: new Date().toISOString(),
    main: [{ type: 'user', uuid: 'u1', message: { role: 'user', content: 'remember the word PINEAPPLE' } }],
    subkeys: { 'subagents/agent-1': [{ type: 'assistant', uuid: 'x' }] },
  };
}

function artifactsRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'artifacts-'));
}

describe('ArtifactSessionStore', () => {
  it('uploads an encrypted .sess file and a later run downloads it from the writing run', async () => {
    const root = artifactsRoot();
    const run1 = new LocalArtifactClient(root, 1001);
    const original = bundle();
    const location = await new ArtifactSessionStore({ client: run1, key, runId: '1001' }).save(
      scope,
      original,
    );
    const name = `claude-relay-session-pull_request-42-${SID}`;
    expect(location).toBe(`artifact:${name}:1001`);
    expect(run1.uploads).toEqual([{ id: 1, name, runId: 1001, retentionDays: DEFAULT_RETENTION_DAYS }]);
    expect(DEFAULT_RETENTION_DAYS).toBe(30);
    const stored = fs.readFileSync(path.join(root, '1001', name, 'files', 'session.sess'));
    expect(stored.subarray(0, 7).toString()).toBe('CRSESS1');
    expect(stored.includes(Buffer.from('PINEAPPLE'))).toBe(false);

    // A new run, on a new runner: only the marker's location, the key and findBy carry over.
    const run2 = new LocalArtifactClient(root, 2002);
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
    const loaded = await new ArtifactSessionStore({ client: run2, key, runId: '2002', findBy, tmpDir }).load(
      location,
      scope,
    );
    expect(loaded).toEqual(original);
    // Temporary download directories are cleaned up.
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('refuses a wrong key with a clear message', async () => {
    const root = artifactsRoot();
    const location = await new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 1),
      key,
      runId: '1',
    }).save(scope, bundle());
    const other = new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 2),
      key: crypto.randomBytes(32),
      runId: '2',
      findBy,
    });
    await expect(other.load(location, scope)).rejects.toThrow(
      new SessionCorruptError(
        'stored session could not be decrypted: wrong session_key or corrupted file',
        'decrypt',
      ),
    );
  });

  it('reports an expired artifact as unavailable', async () => {
    const root = artifactsRoot();
    const run1 = new LocalArtifactClient(root, 1);
    const location = await new ArtifactSessionStore({ client: run1, key, runId: '1' }).save(scope, bundle());
    run1.expire(1, artifactName(scope, SID));
    const store = new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 2),
      key,
      runId: '2',
      findBy,
    });
    await expect(store.load(location, scope)).rejects.toThrow(
      new SessionUnavailableError(
        `session artifact ${artifactName(scope, SID)} was not found in run 1 (expired or deleted)`,
      ),
    );
  });

  it('needs findBy for another run, and can read its own run without it', async () => {
    const root = artifactsRoot();
    const location = await new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 1),
      key,
      runId: '1',
    }).save(scope, bundle());
    await expect(
      new ArtifactSessionStore({ client: new LocalArtifactClient(root, 2), key, runId: '2' }).load(
        location,
        scope,
      ),
    ).rejects.toThrow(/needs a token/);
    // A re-run attempt has the same run id: the current-run lookup works without a token.
    const same = new ArtifactSessionStore({ client: new LocalArtifactClient(root, 1), key, runId: '1' });
    expect((await same.load(location, scope)).sessionId).toBe(SID);
    // A bad token surfaces as unavailable, with the API's reason.
    const badToken = new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 2),
      key,
      runId: '2',
      findBy: { ...findBy, token: 'nope' },
    });
    await expect(badToken.load(location, scope)).rejects.toThrow(
      /could not be looked up in run 1: Bad credentials/,
    );
  });

  it('refuses locations of another PR/issue and malformed locations', async () => {
    const root = artifactsRoot();
    const location = await new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 1),
      key,
      runId: '1',
    }).save(scope, bundle());
    const reader = new ArtifactSessionStore({
      client: new LocalArtifactClient(root, 2),
      key,
      runId: '2',
      findBy,
    });
    await expect(reader.load(location, { ...scope, number: 4 })).rejects.toThrow(/does not belong/);
    await expect(reader.load(location, { ...scope, kind: 'issue' })).rejects.toThrow(/does not belong/);
    for (const bad of [
      'artifact:',
      'artifact:name',
      'artifact:../x:1',
      'artifact:a b:1',
      'artifact:x:12a',
      'fs:x',
    ]) {
      await expect(reader.load(bad, scope)).rejects.toThrow(SessionUnavailableError);
    }
  });

  it('names artifacts within the limits and parses locations', () => {
    const long = artifactName({ ...scope, kind: 'issue', number: 7 }, `${'a/'.repeat(300)}`);
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^claude-relay-session-issue-7-[A-Za-z0-9._-]+$/);
    expect(parseArtifactLocation(`artifact:${long}:123`)).toEqual({ name: long, runId: '123' });
    expect(parseArtifactLocation('artifact:x:y:1')).toBeUndefined();
  });

  it('creates the real @actions/artifact client on first use', async () => {
    const client = createArtifactClient();
    expect(typeof client.uploadArtifact).toBe('function');
    // Outside a runner the real client loads and refuses for want of the runtime token.
    const saved = process.env.ACTIONS_RUNTIME_TOKEN;
    delete process.env.ACTIONS_RUNTIME_TOKEN;
    await expect(client.getArtifact('x', {})).rejects.toThrow(/ACTIONS_RUNTIME_TOKEN|runtime token/i);
    if (saved !== undefined) process.env.ACTIONS_RUNTIME_TOKEN = saved;
  });
});
