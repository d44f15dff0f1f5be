import crypto from 'node:crypto';
import {
  decryptBundle,
  deriveSessionKey,
  encryptBundle,
  SESSION_MAGIC,
  SessionCorruptError,
} from '../../src/session/crypto';
import type { SessionBundle } from '../../src/session/memory-store';

const key = crypto.randomBytes(32);

function bundle(): SessionBundle {
  return {
    v: 1,
    sessionId: '907affe5-d27f-4589-a67f-bd8985ac833a',
    createdAt: '2025-01-01T00:00:00.000Z',
    main: [
      { type: 'user', uuid: 'u1', message: { role: 'user', content: 'remember the word PINEAPPLE' } },
      {
        type: 'assistant',
        uuid: 'a1',
        message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      },
      { type: 'last-prompt', lastPrompt: 'remember' },
    ],
    subkeys: { 'subagents/agent-1': [{ type: 'user', uuid: 's1', message: 'sub' }] },
  };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('session crypto', () => {
  it('round-trips a bundle, and the file is neither plaintext nor deterministic', () => {
    const b = bundle();
    const enc = encryptBundle(b, key);
    expect(enc.subarray(0, 7).toString('ascii')).toBe('CRSESS1');
    expect(enc.includes(Buffer.from('PINEAPPLE'))).toBe(false);
    expect(decryptBundle(enc, key)).toEqual(b);
    // A fresh IV each time.
    expect(encryptBundle(b, key).equals(enc)).toBe(false);
  });

  it('refuses a wrong key with a clear one-line message', () => {
    const err = errorOf(() => decryptBundle(encryptBundle(bundle(), key), crypto.randomBytes(32)));
    expect(err).toBeInstanceOf(SessionCorruptError);
    expect((err as Error).message).toBe(
      'stored session could not be decrypted: wrong session_key or corrupted file',
    );
  });

  it.each([
    ['IV', SESSION_MAGIC.length + 1],
    ['auth tag', SESSION_MAGIC.length + 12 + 3],
    ['ciphertext', -1],
  ])('detects a tampered byte in the %s', (_what, offset) => {
    const enc = encryptBundle(bundle(), key);
    const at = offset < 0 ? enc.length + offset : offset;
    enc[at] = (enc[at] ?? 0) ^ 0x01;
    expect(() => decryptBundle(enc, key)).toThrow(
      /^stored session could not be decrypted: wrong session_key or corrupted file$/,
    );
  });

  it('detects a truncated file', () => {
    const enc = encryptBundle(bundle(), key);
    expect(() => decryptBundle(enc.subarray(0, 20), key)).toThrow(SessionCorruptError);
    expect(() => decryptBundle(enc.subarray(0, enc.length - 5), key)).toThrow(/could not be decrypted/);
  });

  it('says "not a claude-relay session file" for anything without the magic', () => {
    for (const data of [
      Buffer.from('garbage that is long enough to look like a file'),
      Buffer.alloc(0),
      Buffer.from('CRSESS2xxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    ]) {
      const err = errorOf(() => decryptBundle(data, key));
      expect(err).toBeInstanceOf(SessionCorruptError);
      expect((err as SessionCorruptError).reason).toBe('not-session');
      expect((err as Error).message).toBe('not a claude-relay session file');
    }
  });

  it('refuses a well-encrypted payload that is not a bundle', () => {
    const bogus = encryptBundle({ hello: 'world' } as unknown as SessionBundle, key);
    expect(() => decryptBundle(bogus, key)).toThrow(/not a valid session bundle/);
  });

  describe('deriveSessionKey', () => {
    it('derives 32 bytes from session_key first, then the API key, then the OAuth token', () => {
      const a = deriveSessionKey({ sessionKey: 's3cret', apiKey: 'sk-ant-1', repository: 'o/r' });
      expect(a).toHaveLength(32);
      expect(a.equals(deriveSessionKey({ sessionKey: 's3cret', repository: 'o/r' }))).toBe(true);
      const fromApi = deriveSessionKey({ apiKey: 'sk-ant-1', oauthToken: 'oat', repository: 'o/r' });
      expect(fromApi.equals(a)).toBe(false);
      expect(
        fromApi.equals(deriveSessionKey({ sessionKey: '', apiKey: 'sk-ant-1', repository: 'o/r' })),
      ).toBe(true);
      expect(deriveSessionKey({ oauthToken: 'oat', repository: 'o/r' }).equals(fromApi)).toBe(false);
    });

    it('gives different keys per repository (case-insensitive) and never the secret itself', () => {
      const k1 = deriveSessionKey({ apiKey: 'sk-ant-1', repository: 'Owner/Repo' });
      expect(k1.equals(deriveSessionKey({ apiKey: 'sk-ant-1', repository: 'owner/repo' }))).toBe(true);
      expect(k1.equals(deriveSessionKey({ apiKey: 'sk-ant-1', repository: 'owner/other' }))).toBe(false);
      expect(k1.toString('utf8')).not.toContain('sk-ant-1');
    });

    it('refuses when there is no secret at all', () => {
      expect(() => deriveSessionKey({ repository: 'o/r' })).toThrow(/set session_key/);
    });
  });
});
