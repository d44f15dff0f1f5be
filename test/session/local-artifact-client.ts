/**
 * A local stand-in for `@actions/artifact`'s client, backed by a directory: artifacts are copied
 * under `<root>/<runId>/<name>/`, like workflow artifacts of a run. Several instances with different
 * `currentRunId`s over one root behave like successive workflow runs of one repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ArtifactNotFoundError,
  type DownloadArtifactOptions,
  type DownloadArtifactResponse,
  type FindOptions,
  type GetArtifactResponse,
  type UploadArtifactOptions,
  type UploadArtifactResponse,
} from '@actions/artifact';
import type { ArtifactClientLike } from '../../src/session/artifact-store';

interface Meta {
  id: number;
  name: string;
  runId: number;
  retentionDays?: number;
}

export class LocalArtifactClient implements ArtifactClientLike {
  /** Every upload, for assertions (name, run, retention). */
  readonly uploads: Meta[] = [];

  constructor(
    readonly root: string,
    readonly currentRunId: number,
    /** The token cross-run lookups must present (the real API refuses others). */
    readonly token = 'ghs_test_token',
  ) {}

  private runDir(runId: number): string {
    return path.join(this.root, String(runId));
  }

  private nextId(): number {
    const file = path.join(this.root, 'next-id');
    const id = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 1;
    fs.writeFileSync(file, String(id + 1));
    return id;
  }

  private runFor(options?: FindOptions): number {
    if (!options?.findBy) return this.currentRunId;
    if (options.findBy.token !== this.token) throw new Error('Bad credentials (401)');
    return options.findBy.workflowRunId;
  }

  async uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: UploadArtifactOptions,
  ): Promise<UploadArtifactResponse> {
    const dir = path.join(this.runDir(this.currentRunId), name);
    if (fs.existsSync(dir)) throw new Error(`an artifact named ${name} already exists in this run (409)`);
    fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
    let size = 0;
    for (const file of files) {
      const rel = path.relative(rootDirectory, file);
      if (rel.startsWith('..')) throw new Error(`${file} is not under ${rootDirectory}`);
      const dest = path.join(dir, 'files', rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(file, dest);
      size += fs.statSync(dest).size;
    }
    const meta: Meta = { id: this.nextId(), name, runId: this.currentRunId };
    if (options?.retentionDays !== undefined) meta.retentionDays = options.retentionDays;
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    this.uploads.push(meta);
    return { id: meta.id, size };
  }

  async getArtifact(artifactName: string, options?: FindOptions): Promise<GetArtifactResponse> {
    const metaFile = path.join(this.runDir(this.runFor(options)), artifactName, 'meta.json');
    if (!fs.existsSync(metaFile))
      throw new ArtifactNotFoundError(`Artifact not found for name: ${artifactName}`);
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta;
    return { artifact: { name: meta.name, id: meta.id, size: 0 } };
  }

  async downloadArtifact(
    artifactId: number,
    options?: DownloadArtifactOptions & FindOptions,
  ): Promise<DownloadArtifactResponse> {
    const runDir = this.runDir(this.runFor(options));
    const names = fs.existsSync(runDir) ? fs.readdirSync(runDir) : [];
    for (const name of names) {
      const metaFile = path.join(runDir, name, 'meta.json');
      if (!fs.existsSync(metaFile)) continue;
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta;
      if (meta.id !== artifactId) continue;
      const target = options?.path ?? process.cwd();
      fs.cpSync(path.join(runDir, name, 'files'), target, { recursive: true });
      return { downloadPath: target };
    }
    throw new Error(`artifact ${artifactId} not found (404)`);
  }

  /** Simulates retention: the artifact is gone. */
  expire(runId: number, name: string): void {
    fs.rmSync(path.join(this.runDir(runId), name), { recursive: true, force: true });
  }
}
