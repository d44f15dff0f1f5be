/**
 * Stored sessions are transcripts of a PR's conversation (code, tool output): they are encrypted
 * at rest with AES-256-GCM, whichever store holds them.
 *
 * File layout: `CRSESS1` (7-byte magic, the `1` is the format version) | IV (12 bytes) |
 * auth tag (16 bytes) | ciphertext of gzip(JSON(bundle)). The magic is authenticated as AAD.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { SessionCorruptError } from './errors';
import { parseSessionBundle, type SessionBundle } from './memory-store';

export { SessionCorruptError };

export const SESSION_MAGIC = Buffer.from('CRSESS1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = SESSION_MAGIC.length + IV_BYTES + TAG_BYTES;
/** A decompressed bundle larger than this is refused (a zip bomb is not a session). */
const MAX_PLAIN_BYTES = 512 * 1024 * 1024;
const HKDF_SALT = 'claude-relay session v1';

export const MSG_NOT_SESSION = 'not a claude-relay session file';
export const MSG_DECRYPT = 'stored session could not be decrypted: wrong session_key or corrupted file';

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`session key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

export function encryptBundle(bundle: SessionBundle, key: Buffer): Buffer {
  checkKey(key);
  const plain = zlib.gzipSync(Buffer.from(JSON.stringify(bundle), 'utf8'));
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(SESSION_MAGIC);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([SESSION_MAGIC, iv, cipher.getAuthTag(), body]);
}

export function decryptBundle(buf: Buffer, key: Buffer): SessionBundle {
  checkKey(key);
  if (buf.length < SESSION_MAGIC.length || !buf.subarray(0, SESSION_MAGIC.length).equals(SESSION_MAGIC)) {
    throw new SessionCorruptError(MSG_NOT_SESSION, 'not-session');
  }
  if (buf.length < HEADER_BYTES) throw new SessionCorruptError(MSG_DECRYPT, 'decrypt');
  const iv = buf.subarray(SESSION_MAGIC.length, SESSION_MAGIC.length + IV_BYTES);
  const tag = buf.subarray(SESSION_MAGIC.length + IV_BYTES, HEADER_BYTES);
  let plain: Buffer;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(SESSION_MAGIC);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw new SessionCorruptError(MSG_DECRYPT, 'decrypt');
  }
  let bundle: SessionBundle | undefined;
  try {
    const json = zlib.gunzipSync(plain, { maxOutputLength: MAX_PLAIN_BYTES }).toString('utf8');
    bundle = parseSessionBundle(JSON.parse(json));
  } catch {
    bundle = undefined;
  }
  if (!bundle)
    throw new SessionCorruptError('stored session is unreadable: not a valid session bundle', 'format');
  return bundle;
}

export interface SessionKeySources {
  /** The `session_key` input; wins when set. */
  sessionKey?: string;
  apiKey?: string;
  oauthToken?: string;
  /** `owner/repo`: keys differ per repository. */
  repository: string;
}

/**
 * The 32-byte key sessions are encrypted with: HKDF-SHA256 over `session_key` if given, else over
 * the API key (or OAuth token), bound to the repository. Rotating that secret makes earlier
 * sessions unreadable; the next run then starts a fresh session.
 */
export function deriveSessionKey(src: SessionKeySources): Buffer {
  const secret = [src.sessionKey, src.apiKey, src.oauthToken]
    .map((s) => s?.trim() ?? '')
    .find((s) => s !== '');
  if (!secret) {
    throw new Error('no secret to derive the session key from: set session_key (or anthropic_api_key)');
  }
  const info = `${HKDF_SALT} ${src.repository.trim().toLowerCase()}`;
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, info, KEY_BYTES));
}
