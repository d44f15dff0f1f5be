/**
 * An in-memory SessionStore for one run. The SDK mirrors every transcript entry into it
 * (`options.sessionStore`), the action persists what it collected as one SessionBundle at the end,
 * and a later run loads the bundle back into a fresh instance and passes it with `resume`.
 *
 * The store holds the sessions of one PR/issue only, so it answers by session id and ignores the
 * `projectKey` (which derives from the cwd and differs between runners).
 */
import type { SessionKey, SessionStore, SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';

/** Everything needed to resume one session: the main transcript and its subagent transcripts. */
export interface SessionBundle {
  v: 1;
  sessionId: string;
  /** ISO time the bundle was made. */
  createdAt: string;
  main: SessionStoreEntry[];
  /** Subagent transcripts by subpath (e.g. `subagents/agent-<id>`). */
  subkeys: Record<string, SessionStoreEntry[]>;
}

const entrySchema = z.looseObject({
  type: z.string(),
  uuid: z.string().optional(),
  timestamp: z.string().optional(),
});

export const sessionBundleSchema = z.object({
  v: z.literal(1),
  sessionId: z.string().min(1),
  createdAt: z.string(),
  main: z.array(entrySchema),
  subkeys: z.record(z.string().min(1), z.array(entrySchema)),
});

/** Validates an untrusted value (e.g. decrypted JSON) as a SessionBundle. */
export function parseSessionBundle(value: unknown): SessionBundle | undefined {
  const parsed = sessionBundleSchema.safeParse(value);
  return parsed.success ? (parsed.data as SessionBundle) : undefined;
}

interface Transcript {
  entries: SessionStoreEntry[];
  uuids: Set<string>;
}

interface StoredSession {
  main?: Transcript;
  subkeys: Map<string, Transcript>;
  mtime: number;
}

/** Entries are JSON pass-through blobs; copy them so callers cannot mutate what we hold. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private lastMtime = 0;

  private now(): number {
    // Strictly increasing, integer epoch ms (the SDK sorts by mtime).
    this.lastMtime = Math.max(Date.now(), this.lastMtime + 1);
    return this.lastMtime;
  }

  private transcript(sessionId: string, subpath: string | undefined, create: true): Transcript;
  private transcript(sessionId: string, subpath: string | undefined, create: false): Transcript | undefined;
  private transcript(
    sessionId: string,
    subpath: string | undefined,
    create: boolean,
  ): Transcript | undefined {
    let session = this.sessions.get(sessionId);
    if (!session) {
      if (!create) return undefined;
      session = { subkeys: new Map(), mtime: this.now() };
      this.sessions.set(sessionId, session);
    }
    if (subpath === undefined || subpath === '') {
      if (!session.main && create) session.main = { entries: [], uuids: new Set() };
      return session.main;
    }
    let t = session.subkeys.get(subpath);
    if (!t && create) {
      t = { entries: [], uuids: new Set() };
      session.subkeys.set(subpath, t);
    }
    return t;
  }

  private add(t: Transcript, entries: readonly SessionStoreEntry[]): void {
    for (const entry of entries) {
      const uuid = typeof entry.uuid === 'string' && entry.uuid !== '' ? entry.uuid : undefined;
      if (uuid !== undefined) {
        // uuid is the idempotency key: retries and replays must not duplicate rows.
        if (t.uuids.has(uuid)) continue;
        t.uuids.add(uuid);
      }
      t.entries.push(copy(entry));
    }
  }

  async append(key: SessionKey, entries: SessionStoreEntry[]): Promise<void> {
    const t = this.transcript(key.sessionId, key.subpath, true);
    this.add(t, entries);
    const session = this.sessions.get(key.sessionId);
    if (session) session.mtime = this.now();
  }

  async load(key: SessionKey): Promise<SessionStoreEntry[] | null> {
    const t = this.transcript(key.sessionId, key.subpath, false);
    return t ? copy(t.entries) : null;
  }

  async listSubkeys(key: { projectKey: string; sessionId: string }): Promise<string[]> {
    return [...(this.sessions.get(key.sessionId)?.subkeys.keys() ?? [])];
  }

  /** Every session this store holds, whatever the projectKey (the store is scoped to one PR/issue). */
  async listSessions(_projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    return [...this.sessions.entries()]
      .filter(([, s]) => s.main !== undefined)
      .map(([sessionId, s]) => ({ sessionId, mtime: s.mtime }));
  }

  /** Deleting the main key deletes the whole session (subagent transcripts included). */
  async delete(key: SessionKey): Promise<void> {
    if (key.subpath === undefined || key.subpath === '') {
      this.sessions.delete(key.sessionId);
      return;
    }
    this.sessions.get(key.sessionId)?.subkeys.delete(key.subpath);
  }

  /** True when the store holds a main transcript with at least one entry for this session. */
  has(sessionId: string): boolean {
    return (this.sessions.get(sessionId)?.main?.entries.length ?? 0) > 0;
  }

  /** Session ids held, most recently written last. */
  sessionIds(): string[] {
    return [...this.sessions.entries()].sort((a, b) => a[1].mtime - b[1].mtime).map(([id]) => id);
  }

  toBundle(sessionId: string): SessionBundle {
    const session = this.sessions.get(sessionId);
    const subkeys: Record<string, SessionStoreEntry[]> = {};
    for (const [subpath, t] of session?.subkeys ?? []) subkeys[subpath] = copy(t.entries);
    return {
      v: 1,
      sessionId,
      createdAt: new Date().toISOString(),
      main: copy(session?.main?.entries ?? []),
      subkeys,
    };
  }

  static fromBundle(bundle: SessionBundle): MemorySessionStore {
    const store = new MemorySessionStore();
    store.add(store.transcript(bundle.sessionId, undefined, true), bundle.main);
    for (const [subpath, entries] of Object.entries(bundle.subkeys)) {
      if (subpath === '') continue;
      store.add(store.transcript(bundle.sessionId, subpath, true), entries);
    }
    return store;
  }
}
