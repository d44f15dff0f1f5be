/**
 * A loopback fake of the GitHub Actions cache service, as `@actions/cache` 6 speaks to it on
 * github.com runners (which set ACTIONS_CACHE_SERVICE_V2):
 *   - Twirp JSON calls at ACTIONS_RESULTS_URL: POST /twirp/github.actions.results.api.v1.CacheService/
 *     CreateCacheEntry | FinalizeCacheEntryUpload | GetCacheEntryDownloadURL (snake_case fields);
 *   - the signed blob URLs those hand out, served here too: the Azure Blob SDK PUTs the archive in
 *     one shot (`x-ms-blob-type: BlockBlob`) or as blocks (`comp=block`) and a block list
 *     (`comp=blocklist`); the download GETs it (a `Range` is honoured).
 * GHES speaks the older REST protocol at ACTIONS_CACHE_URL (`legacyEnv`), served too: GET
 * _apis/artifactcache/cache?keys&version, POST caches (reserve), PATCH caches/<id> (a chunk at its
 * Content-Range), POST caches/<id> (commit); the archive is then fetched from the same blob URL.
 * Entries are files in a temp folder; every request is recorded; `failWith(500)` makes every
 * request fail as an outage would.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const TWIRP = '/twirp/github.actions.results.api.v1.CacheService/';
const LEGACY = '/_apis/artifactcache/';
const TOKEN = 'fake-actions-runtime-token';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  /** Set by FinalizeCacheEntryUpload; only finalized entries are found by a restore. */
  finalized: boolean;
  sizeBytes: number;
  /** The uploaded archive. */
  file: string;
}

export interface CacheRequest {
  method: string;
  /** `twirp:<Method>` for service calls, `blob:<PUT|GET>[:comp]` for blob traffic. */
  op: string;
  status: number;
  body?: Record<string, unknown>;
}

export interface FakeActionsCache {
  url: string;
  /** What a github.com runner gives a JavaScript action so `@actions/cache` finds this service. */
  env: Record<string, string>;
  /** The same on GHES (with GITHUB_SERVER_URL naming a GHES host). */
  legacyEnv: Record<string, string>;
  entries: CacheEntry[];
  requests: CacheRequest[];
  /** Every later request is answered with this status (an outage); undefined heals it. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startFakeActionsCache(): Promise<FakeActionsCache> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-actions-cache-'));
  const entries: CacheEntry[] = [];
  const requests: CacheRequest[] = [];
  let failure: number | undefined;
  let url = '';

  const twirp = (method: string, body: Record<string, unknown>): [number, unknown] => {
    const key = String(body.key ?? '');
    const version = String(body.version ?? '');
    if (method === 'CreateCacheEntry') {
      if (entries.some((e) => e.key === key && e.version === version))
        return [409, { code: 'already_exists', msg: 'cache entry with the same key and version exists' }];
      const id = entries.length + 1;
      entries.push({ id, key, version, finalized: false, sizeBytes: 0, file: path.join(dir, `blob-${id}`) });
      return [200, { ok: true, signed_upload_url: blobUrl(id) }];
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const e = entries.find((x) => x.key === key && x.version === version && !x.finalized);
      if (!e || !fs.existsSync(e.file)) return [404, { code: 'not_found', msg: 'no uploaded entry' }];
      e.finalized = true;
      e.sizeBytes = Number(body.size_bytes);
      return [200, { ok: true, entry_id: String(e.id) }];
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const hit = lookup([key, ...((body.restore_keys as string[] | undefined) ?? [])], version);
      return hit
        ? [200, { ok: true, signed_download_url: blobUrl(hit.id), matched_key: hit.key }]
        : [200, { ok: false }];
    }
    return [404, { code: 'bad_route', msg: `no method ${method}` }];
  };

  // The primary key matches exactly, restore keys as prefixes; newest first, same version only.
  const lookup = ([key, ...restoreKeys]: string[], version: string): CacheEntry | undefined => {
    const done = entries.filter((e) => e.finalized && e.version === version).reverse();
    return (
      done.find((e) => e.key === key) ??
      restoreKeys.map((k) => done.find((e) => e.key.startsWith(k))).find(Boolean)
    );
  };

  const legacy = async (req: http.IncomingMessage, u: URL): Promise<[string, number, unknown?]> => {
    const rest = u.pathname.slice(LEGACY.length);
    const id = Number(/^caches\/(\d+)$/.exec(rest)?.[1]);
    const entry = entries.find((e) => e.id === id);
    if (req.method === 'GET' && rest === 'cache') {
      const keys = (u.searchParams.get('keys') ?? '').split(',');
      const hit = lookup(keys, u.searchParams.get('version') ?? '');
      return hit
        ? ['GET cache', 200, { cacheKey: hit.key, archiveLocation: blobUrl(hit.id) }]
        : ['GET cache', 204];
    }
    if (req.method === 'POST' && rest === 'caches') {
      const { key, version } = JSON.parse((await readAll(req)).toString('utf8')) as Record<string, string>;
      if (entries.some((e) => e.key === key && e.version === version))
        return ['POST caches', 409, { message: 'cache entry with the same key and version exists' }];
      const file = path.join(dir, `blob-${entries.length + 1}`);
      fs.writeFileSync(file, '');
      entries.push({
        id: entries.length + 1,
        key: key ?? '',
        version: version ?? '',
        finalized: false,
        sizeBytes: 0,
        file,
      });
      return ['POST caches', 201, { cacheId: entries.length }];
    }
    if (req.method === 'PATCH' && entry && !entry.finalized) {
      const start = Number(/^bytes (\d+)-/.exec(String(req.headers['content-range']))?.[1]);
      await receive(req, entry.file, { flags: 'r+', start });
      return ['PATCH caches/<id>', 204];
    }
    if (req.method === 'POST' && entry && !entry.finalized) {
      const { size } = JSON.parse((await readAll(req)).toString('utf8')) as { size: number };
      if (fs.statSync(entry.file).size !== size)
        return ['POST caches/<id>', 400, { message: 'size mismatch' }];
      Object.assign(entry, { finalized: true, sizeBytes: size });
      return ['POST caches/<id>', 204];
    }
    return [`${req.method} ${rest}`, 404, { message: 'no such route' }];
  };

  // IP-style blob URL (http://host:port/<account>/<container>/<blob>?<sas>), as Azurite serves it.
  const blobUrl = (id: number) => `${url}/devstoreaccount1/actions-cache/${id}?sv=2024&sig=fake`;

  const blob = async (req: http.IncomingMessage, res: http.ServerResponse, u: URL): Promise<string> => {
    const entry = entries.find((e) => u.pathname === `/devstoreaccount1/actions-cache/${e.id}`);
    const comp = u.searchParams.get('comp') ?? '';
    const op = `blob:${req.method}${comp ? `:${comp}` : ''}`;
    if (!entry || u.searchParams.get('sig') !== 'fake') {
      res.writeHead(404).end();
      return op;
    }
    const headers = {
      etag: `"${entry.id}"`,
      'last-modified': new Date().toUTCString(),
      'x-ms-version': '2024-08-04',
    };
    if (req.method === 'PUT') {
      const blockId = u.searchParams.get('blockid');
      if (comp === 'block' && blockId) {
        await receive(req, `${entry.file}.block-${Buffer.from(blockId, 'base64').toString('hex')}`);
      } else if (comp === 'blocklist') {
        const xml = (await readAll(req)).toString('utf8');
        const ids = [...xml.matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map(
          (m) => m[1] as string,
        );
        const parts = ids.map((b) => `${entry.file}.block-${Buffer.from(b, 'base64').toString('hex')}`);
        fs.writeFileSync(entry.file, Buffer.concat(parts.map((p) => fs.readFileSync(p))));
        for (const p of parts) fs.rmSync(p, { force: true });
      } else {
        await receive(req, entry.file);
      }
      res.writeHead(201, headers).end();
      return op;
    }
    if (req.method === 'GET' && entry.finalized) {
      const size = fs.statSync(entry.file).size;
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      res.writeHead(range ? 206 : 200, {
        ...headers,
        'content-length': String(end - start + 1),
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      fs.createReadStream(entry.file, { start, end }).pipe(res);
      return op;
    }
    res.writeHead(404).end();
    return op;
  };

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    void (async () => {
      if (failure) {
        await readAll(req);
        res.writeHead(failure, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'internal', msg: 'the fake cache service is down' }));
        requests.push({ method: req.method ?? '', op: opOf(u), status: failure });
        return;
      }
      if (u.pathname.startsWith(TWIRP)) {
        const method = u.pathname.slice(TWIRP.length);
        const body = JSON.parse((await readAll(req)).toString('utf8') || '{}') as Record<string, unknown>;
        const [status, answer] =
          req.headers.authorization === `Bearer ${TOKEN}`
            ? twirp(method, body)
            : [401, { code: 'unauthenticated', msg: 'bad token' }];
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        requests.push({ method: req.method ?? '', op: `twirp:${method}`, status, body });
        return;
      }
      if (u.pathname.startsWith(LEGACY)) {
        const [op, status, answer] =
          req.headers.authorization === `Bearer ${TOKEN}`
            ? await legacy(req, u)
            : ['unauthenticated', 401, { message: 'bad token' }];
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(answer ? JSON.stringify(answer) : undefined);
        requests.push({ method: req.method ?? '', op: `v1:${op}`, status });
        return;
      }
      const op = await blob(req, res, u);
      requests.push({ method: req.method ?? '', op, status: res.statusCode });
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: {
      ACTIONS_RUNTIME_TOKEN: TOKEN,
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_CACHE_SERVICE_V2: 'True',
    },
    legacyEnv: { ACTIONS_RUNTIME_TOKEN: TOKEN, ACTIONS_CACHE_URL: `${url}/` },
    entries,
    requests,
    failWith: (status) => (failure = status),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function opOf(u: URL): string {
  if (u.pathname.startsWith(TWIRP)) return `twirp:${u.pathname.slice(TWIRP.length)}`;
  return u.pathname.startsWith(LEGACY) ? `v1:${u.pathname.slice(LEGACY.length)}` : 'blob';
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function receive(
  req: http.IncomingMessage,
  file: string,
  at?: { flags: string; start: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, at);
    req.pipe(out);
    out.on('finish', resolve);
    out.on('error', reject);
    req.on('error', reject);
  });
}
