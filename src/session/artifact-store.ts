/**
 * The `artifact` session store for GitHub Actions: the encrypted session is uploaded as a workflow
 * artifact of the run that wrote it, and a later run downloads it from that run (the marker's
 * run id) with the public artifacts API, which needs a token with `actions: read`.
 *
 * Location in the marker: `artifact:<name>:<runId>` (artifact names cannot contain `:`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactClient, FindOptions } from '@actions/artifact';
import { decryptBundle, encryptBundle } from './crypto';
import { errorName, oneLineMessage, SessionCorruptError, SessionUnavailableError } from './errors';
import type { SessionBundle } from './memory-store';
import { artifactName, artifactNamePrefix, sanitizeComponent, type SessionScope } from './names';

/** The part of `@actions/artifact`'s client this store uses (tests pass a local stand-in). */
export type ArtifactClientLike = Pick<ArtifactClient, 'uploadArtifact' | 'getArtifact' | 'downloadArtifact'>;

/** Where to look for artifacts of other runs: a token with `actions: read` and the repository. */
export interface ArtifactFindBy {
  token: string;
  repositoryOwner: string;
  repositoryName: string;
}

export function createArtifactClient(): ArtifactClientLike {
  // Loaded on first use: @actions/artifact pulls in @actions/github, which parses the event payload
  // at import time and would crash on a malformed one before the action can report it.
  let client: Promise<ArtifactClient> | undefined;
  const get = () => (client ??= import('@actions/artifact').then((m) => new m.DefaultArtifactClient()));
  return {
    uploadArtifact: async (...a: Parameters<ArtifactClient['uploadArtifact']>) =>
      (await get()).uploadArtifact(...a),
    getArtifact: async (...a: Parameters<ArtifactClient['getArtifact']>) => (await get()).getArtifact(...a),
    downloadArtifact: async (...a: Parameters<ArtifactClient['downloadArtifact']>) =>
      (await get()).downloadArtifact(...a),
  };
}

export const ARTIFACT_LOCATION_PREFIX = 'artifact:';
export const DEFAULT_RETENTION_DAYS = 30;
const FILE_NAME = 'session.sess';
const NAME_RE = /^[A-Za-z0-9._-]{1,200}$/;

export interface ArtifactStoreOptions {
  client: ArtifactClientLike;
  key: Buffer;
  /** This run's id (GITHUB_RUN_ID): written into the location. */
  runId: string;
  findBy?: ArtifactFindBy;
  retentionDays?: number;
  /** Parent of the temporary directories (RUNNER_TEMP on Actions); os.tmpdir() otherwise. */
  tmpDir?: string;
}

export function parseArtifactLocation(location: string): { name: string; runId: string } | undefined {
  if (!location.startsWith(ARTIFACT_LOCATION_PREFIX)) return undefined;
  const rest = location.slice(ARTIFACT_LOCATION_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const name = rest.slice(0, colon);
  const runId = rest.slice(colon + 1);
  if (!NAME_RE.test(name) || !/^\d{1,20}$/.test(runId)) return undefined;
  return { name, runId };
}

export class ArtifactSessionStore {
  constructor(private readonly opts: ArtifactStoreOptions) {}

  private async tempDir(): Promise<string> {
    return fs.mkdtemp(path.join(this.opts.tmpDir ?? os.tmpdir(), 'claude-relay-session-'));
  }

  /** Encrypts and uploads the bundle; returns `artifact:<name>:<runId>`. */
  async save(scope: SessionScope, bundle: SessionBundle): Promise<string> {
    const name = artifactName(scope, bundle.sessionId);
    const dir = await this.tempDir();
    try {
      const file = path.join(dir, FILE_NAME);
      await fs.writeFile(file, encryptBundle(bundle, this.opts.key), { mode: 0o600 });
      await this.opts.client.uploadArtifact(name, [file], dir, {
        retentionDays: this.opts.retentionDays ?? DEFAULT_RETENTION_DAYS,
        // Encrypted data does not compress.
        compressionLevel: 0,
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    return `${ARTIFACT_LOCATION_PREFIX}${name}:${this.opts.runId}`;
  }

  /** Downloads and decrypts the session at `artifact:<name>:<runId>` (it must belong to this PR/issue). */
  async load(location: string, scope: SessionScope): Promise<SessionBundle> {
    const loc = parseArtifactLocation(location);
    if (!loc) throw new SessionUnavailableError(`not an artifact session location: ${location.slice(0, 80)}`);
    const prefix = artifactNamePrefix(scope);
    if (!loc.name.startsWith(prefix)) {
      throw new SessionUnavailableError(`session artifact ${loc.name} does not belong to this ${scope.kind}`);
    }
    const sameRun = loc.runId === this.opts.runId;
    if (!this.opts.findBy && !sameRun) {
      throw new SessionUnavailableError(
        `session artifact ${loc.name} is in run ${loc.runId}; reading another run's artifacts needs a token`,
      );
    }
    const find: FindOptions = this.opts.findBy
      ? { findBy: { ...this.opts.findBy, workflowRunId: Number(loc.runId) } }
      : {};

    let id: number;
    try {
      const found = await this.opts.client.getArtifact(loc.name, find);
      id = found.artifact.id;
    } catch (err) {
      if (errorName(err) === 'ArtifactNotFoundError') {
        throw new SessionUnavailableError(
          `session artifact ${loc.name} was not found in run ${loc.runId} (expired or deleted)`,
        );
      }
      throw new SessionUnavailableError(
        `session artifact ${loc.name} could not be looked up in run ${loc.runId}: ${oneLineMessage(err, 160)}`,
      );
    }
    const dir = await this.tempDir();
    try {
      let downloadPath: string;
      try {
        const res = await this.opts.client.downloadArtifact(id, { path: dir, ...find });
        downloadPath = res.downloadPath ?? dir;
      } catch (err) {
        throw new SessionUnavailableError(
          `session artifact ${loc.name} could not be downloaded from run ${loc.runId}: ${oneLineMessage(err, 160)}`,
        );
      }
      let data: Buffer;
      try {
        data = await fs.readFile(path.join(downloadPath, FILE_NAME));
      } catch {
        throw new SessionCorruptError(`session artifact ${loc.name} holds no session file`, 'format');
      }
      const bundle = decryptBundle(data, this.opts.key);
      if (`${prefix}${sanitizeComponent(bundle.sessionId, 200 - prefix.length)}` !== loc.name) {
        throw new SessionCorruptError('stored session does not match its artifact name', 'format');
      }
      return bundle;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
