/**
 * The session stage of one action run: pick the store, find the PR's/issue's latest session from
 * the relay's own markers, restore it, and after the run persist the transcript again.
 */
import type { RunContext } from '../context/fetch';
import type { Settings } from '../inputs/settings';
import type { RelayRequest } from '../request/types';
import { findLatestSession, type Marker } from '../core/ledger';
import { deriveSessionKey, MemorySessionStore, SessionManager } from './index';

export interface RunSession {
  store: MemorySessionStore;
  /** The session to resume, if any. */
  resume?: string;
  /** The marker of the run being resumed (its running totals). */
  previous?: Marker;
  /** One line for the comment when an earlier session could not be used, or `new` was asked. */
  note?: string;
  persist(sessionId: string | undefined): Promise<string>;
}

export async function openRunSession(opts: {
  req: RelayRequest;
  settings: Settings;
  context: RunContext;
  selfLogins: string[];
  fresh: boolean;
  log: (line: string) => void;
}): Promise<RunSession> {
  const { req, settings } = opts;
  const store = new MemorySessionStore();
  const none: RunSession = { store, persist: async () => 'none' };
  // An automation run has no thread to follow up in: its session is not kept.
  if (settings.sessionStore === 'none' || req.target.kind === 'repository') return none;
  const scopeKind = req.target.kind;
  let key: Buffer;
  try {
    key = deriveSessionKey({
      sessionKey: settings.session_key,
      apiKey: settings.anthropic_api_key,
      oauthToken: settings.claude_code_oauth_token,
      repository: `${req.owner}/${req.repo}`,
    });
  } catch {
    opts.log('Sessions are not stored: set session_key to keep sessions when using Bedrock or Vertex.');
    return none;
  }
  const manager = new SessionManager({
    kind: settings.sessionStore,
    fsDir: settings.sessionDir,
    key,
    scope: { owner: req.owner, repo: req.repo, kind: scopeKind, number: req.target.number },
    runId: settings.runner.runId,
    tmpDir: settings.runner.runnerTemp,
    findBy: settings.github_token
      ? { token: settings.github_token, repositoryOwner: req.owner, repositoryName: req.repo }
      : undefined,
    log: opts.log,
  });
  const persist = async (sessionId: string | undefined) =>
    sessionId ? manager.persist(store, sessionId) : 'none';
  if (opts.fresh) return { store, persist, note: 'Started a fresh session, as asked.' };

  const latest = findLatestSession(
    opts.context.comments.map((c) => ({
      id: c.id,
      body: c.body,
      authorLogin: c.author,
      authorType: c.authorType,
    })),
    opts.selfLogins,
  );
  if (!latest) return { store, persist };
  const restored = await manager.restore(latest.marker.store);
  if (!restored.store || !restored.sessionId) return { store, persist, note: restored.note };
  const resumedStore = restored.store;
  return {
    store: resumedStore,
    resume: restored.sessionId,
    previous: latest.marker,
    note: restored.note,
    persist: async (sessionId) => (sessionId ? manager.persist(resumedStore, sessionId) : 'none'),
  };
}
