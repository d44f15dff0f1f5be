/**
 * The `fs` session store (local runs, act, self-hosted runners): one encrypted file per session in
 * `session_dir`, named `<owner>__<repo>__<kind>-<number>__<sessionId>.sess`, written atomically
 * (temp file + rename), file mode 0600 in a 0700 directory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { decryptBundle, encryptBundle } from './crypto';
import { SessionCorruptError, SessionUnavailableError } from './errors';
import type { SessionBundle } from './memory-store';
import { fsFileName, fsFilePrefix, sanitizeComponent, type SessionScope } from './names';

export const FS_LOCATION_PREFIX = 'fs:';
const FILE_RE = /^[A-Za-z0-9._-]+\.sess$/;

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export class FsSessionStore {
  constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {}

  /** Encrypts and writes the bundle; returns its location for the marker (`fs:<file name>`). */
  async save(scope: SessionScope, bundle: SessionBundle): Promise<string> {
    const name = fsFileName(scope, bundle.sessionId);
    const created = await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Only tighten a directory we created; never chmod a directory the user pointed us at.
    if (created !== undefined) await fs.chmod(this.dir, 0o700);
    const target = path.join(this.dir, name);
    const tmp = path.join(this.dir, `.${name}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    const data = encryptBundle(bundle, this.key);
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.chmod(tmp, 0o600);
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return `${FS_LOCATION_PREFIX}${name}`;
  }

  /** Reads and decrypts the session at `fs:<file name>`; the file must belong to this PR/issue. */
  async load(location: string, scope: SessionScope): Promise<SessionBundle> {
    if (!location.startsWith(FS_LOCATION_PREFIX)) {
      throw new SessionUnavailableError(`not an fs session location: ${location.slice(0, 80)}`);
    }
    const name = location.slice(FS_LOCATION_PREFIX.length);
    const prefix = fsFilePrefix(scope);
    if (!FILE_RE.test(name) || !name.startsWith(prefix)) {
      throw new SessionUnavailableError(
        `session location ${name.slice(0, 120)} does not belong to this ${scope.kind}`,
      );
    }
    let data: Buffer;
    try {
      // O_NOFOLLOW: a symlink planted in the session directory is not followed.
      const handle = await fs.open(path.join(this.dir, name), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      try {
        data = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new SessionUnavailableError(`stored session ${name} not found`);
      if (isErrno(err, 'ELOOP'))
        throw new SessionCorruptError(`stored session ${name} is a symlink`, 'format');
      throw err;
    }
    const bundle = decryptBundle(data, this.key);
    if (`${prefix}${sanitizeComponent(bundle.sessionId)}.sess` !== name) {
      throw new SessionCorruptError('stored session does not match its file name', 'format');
    }
    return bundle;
  }
}
