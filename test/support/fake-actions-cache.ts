/**
 * A loopback fake of the GitHub Actions cache service, as `@actions/cache` 6 speaks to it on
 * github.com runners (which set ACTIONS_CACHE_SERVICE_V2):
 *   - Twirp JSON calls at ACTIONS_RESULTS_URL: POST /twirp/github.actions.results.api.v1.CacheService/
 *     CreateCacheEntry | FinalizeCacheEntryUpload | GetCacheEntryDownloadURL (snake_case fields);
 *   - the signed blob URLs those hand out, served here too: the Azure Blob SDK PUTs the archive in
 *     one shot (`x-ms-blob-type: BlockBlob`) or as blocks (`comp=block`) and a block list
 *     (`comp=blocklist`); the download GETs it (a `Range` is honoured).
 * Entries are files in a temp folder; every request is recorded; `failWith(500)` makes every
 * request fail as an outage would.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const TWIRP = '/twirp/github.actions.results.api.v1.CacheService/';
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
  /** What the runner gives a JavaScript action so `@actions/cache` finds this service. */
  env: Record<string, string>;
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
      // The primary key matches exactly, restore keys as prefixes; newest first, same version only.
      const done = entries.filter((e) => e.finalized && e.version === version).reverse();
      const restoreKeys = (body.restore_keys as string[] | undefined) ?? [];
      const hit =
        done.find((e) => e.key === key) ??
        restoreKeys.map((k) => done.find((e) => e.key.startsWith(k))).find(Boolean);
      return hit
        ? [200, { ok: true, signed_download_url: blobUrl(hit.id), matched_key: hit.key }]
        : [200, { ok: false }];
    }
    return [404, { code: 'bad_route', msg: `no method ${method}` }];
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
  return u.pathname.startsWith(TWIRP) ? `twirp:${u.pathname.slice(TWIRP.length)}` : 'blob';
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function receive(req: http.IncomingMessage, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file);
    req.pipe(out);
    out.on('finish', resolve);
    out.on('error', reject);
    req.on('error', reject);
  });
}
