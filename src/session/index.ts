/**
 * Durable sessions: a later run on the same PR/issue resumes the earlier conversation.
 *
 * During a run the SDK mirrors the transcript into a MemorySessionStore (`options.sessionStore`);
 * `persist()` stores it encrypted (fs file or workflow artifact) and returns the location for the
 * result comment's marker. The next run finds that marker (`findLatestSession`), `restore()`s the
 * store and passes `resume: sessionId, sessionStore: store` to the SDK. A session that cannot be
 * restored never fails the run: it starts fresh and says why.
 */
import { ArtifactSessionStore, ARTIFACT_LOCATION_PREFIX, createArtifactClient } from './artifact-store';
import type { ArtifactClientLike, ArtifactFindBy } from './artifact-store';
import { oneLineMessage, SessionCorruptError, SessionUnavailableError } from './errors';
import { FsSessionStore, FS_LOCATION_PREFIX } from './fs-store';
import { MemorySessionStore, type SessionBundle } from './memory-store';
import type { SessionScope } from './names';

export { MemorySessionStore, parseSessionBundle, type SessionBundle } from './memory-store';
export { decryptBundle, deriveSessionKey, encryptBundle, type SessionKeySources } from './crypto';
export { SessionCorruptError, SessionUnavailableError } from './errors';
export { FsSessionStore } from './fs-store';
export {
  ArtifactSessionStore,
  createArtifactClient,
  DEFAULT_RETENTION_DAYS,
  type ArtifactClientLike,
  type ArtifactFindBy,
} from './artifact-store';
export { isOwnComment, type MarkerComment } from '../core/identity';
export { artifactName, fsFileName, sanitizeComponent, type SessionScope } from './names';

export type SessionStoreKind = 'fs' | 'artifact' | 'none';

export interface SessionManagerOptions {
  kind: SessionStoreKind;
  /** The fs store's directory (`session_dir`, home already expanded). */
  fsDir?: string;
  /** 32 bytes, from deriveSessionKey(). */
  key: Buffer;
  scope: SessionScope;
  /** This run's id (GITHUB_RUN_ID); artifact locations name the run that wrote them. */
  runId: string;
  /** Defaults to the real `@actions/artifact` client, created when first needed. */
  artifactClient?: ArtifactClientLike;
  /** Token (`actions: read`) and repository for downloading artifacts of earlier runs. */
  findBy?: ArtifactFindBy;
  retentionDays?: number;
  /** Parent of temporary directories (RUNNER_TEMP on Actions). */
  tmpDir?: string;
  /** Detail for the job log when a stored session cannot be used. */
  log?: (message: string) => void;
}

export interface RestoreResult {
  store?: MemorySessionStore;
  sessionId?: string;
  /** Set when an earlier session was expected but could not be resumed: "Started a fresh session: …". */
  note?: string;
}

/** Raised by persist(): one line, safe for the job log. */
export class SessionPersistError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionPersistError';
  }
}

export class SessionManager {
  private client?: ArtifactClientLike;

  constructor(private readonly opts: SessionManagerOptions) {
    this.client = opts.artifactClient;
  }

  private fsStore(): FsSessionStore {
    if (!this.opts.fsDir)
      throw new SessionUnavailableError('no session_dir configured for the fs session store');
    return new FsSessionStore(this.opts.fsDir, this.opts.key);
  }

  private artifactStore(): ArtifactSessionStore {
    this.client ??= createArtifactClient();
    return new ArtifactSessionStore({
      client: this.client,
      key: this.opts.key,
      runId: this.opts.runId,
      ...(this.opts.findBy ? { findBy: this.opts.findBy } : {}),
      ...(this.opts.retentionDays !== undefined ? { retentionDays: this.opts.retentionDays } : {}),
      ...(this.opts.tmpDir !== undefined ? { tmpDir: this.opts.tmpDir } : {}),
    });
  }

  /**
   * Loads the session at `location` (from the relay's newest marker). No location (or `none`)
   * means there is nothing to resume: `{}`. Anything that stops the resume — session_store
   * `none`, a missing file, an expired artifact, a wrong key, a corrupt file — gives a `note`
   * instead of an error. Never throws.
   */
  async restore(location: string | undefined): Promise<RestoreResult> {
    if (!location || location === 'none') return {};
    const fresh = (why: string): RestoreResult => ({ note: `Started a fresh session: ${why}` });
    if (this.opts.kind === 'none') return fresh('session_store is none');
    try {
      let bundle: SessionBundle;
      // The location says which store wrote it (the store setting may have changed since).
      if (location.startsWith(FS_LOCATION_PREFIX))
        bundle = await this.fsStore().load(location, this.opts.scope);
      else if (location.startsWith(ARTIFACT_LOCATION_PREFIX)) {
        bundle = await this.artifactStore().load(location, this.opts.scope);
      } else return fresh('the earlier session location is not recognised');
      if (bundle.main.length === 0) return fresh('the stored session is empty');
      return { store: MemorySessionStore.fromBundle(bundle), sessionId: bundle.sessionId };
    } catch (err) {
      this.opts.log?.(`session restore from ${location} failed: ${oneLineMessage(err)}`);
      if (err instanceof SessionCorruptError || err instanceof SessionUnavailableError)
        return fresh(err.message);
      return fresh(`the stored session could not be read (${oneLineMessage(err)})`);
    }
  }

  /**
   * Stores the session collected in `store` and returns its location for the marker: `fs:<file>`,
   * `artifact:<name>:<runId>`, or `none` (session_store none, or nothing was recorded).
   * Throws SessionPersistError when the store fails; the run's result stands regardless.
   */
  async persist(store: MemorySessionStore, sessionId: string): Promise<string> {
    if (this.opts.kind === 'none' || !sessionId || !store.has(sessionId)) return 'none';
    const bundle = store.toBundle(sessionId);
    try {
      if (this.opts.kind === 'fs') return await this.fsStore().save(this.opts.scope, bundle);
      return await this.artifactStore().save(this.opts.scope, bundle);
    } catch (err) {
      throw new SessionPersistError(
        `could not store the session (${this.opts.kind}): ${oneLineMessage(err)}`,
        { cause: err },
      );
    }
  }
}
