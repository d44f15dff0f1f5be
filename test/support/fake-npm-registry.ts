/**
 * A loopback npm registry serving one package version (the CLI's platform package), so the
 * action's real `npm pack` can fetch it without the internet. Records every request; `refuse()`
 * makes it answer 404 to everything (a runner with no npm source).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakeNpmRegistry {
  url: string;
  requests: string[];
  refuse(): void;
  close(): Promise<void>;
}

/**
 * The tarball `npm pack` would make of a package folder (`package/…`), built once per machine
 * and version: packing the 380 MB CLI takes a while.
 */
export function packedTarball(packageDir: string, name: string, version: string): string {
  const file = path.join(os.tmpdir(), `relay-test-${name.replace(/\W/g, '-')}-${version}.tgz`);
  if (fs.existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial`;
  execFileSync('tar', ['-czf', partial, '--transform', 's,^\\.,package,', '-C', packageDir, '.']);
  fs.renameSync(partial, file);
  return file;
}

export async function startFakeNpmRegistry(pkg: {
  name: string;
  version: string;
  tarball: string;
}): Promise<FakeNpmRegistry> {
  const requests: string[] = [];
  let refusing = false;
  const data = fs.readFileSync(pkg.tarball);
  const integrity = `sha512-${crypto.createHash('sha512').update(data).digest('base64')}`;
  const shasum = crypto.createHash('sha1').update(data).digest('hex');
  const tarPath = `/${pkg.name}/-/${pkg.name.split('/').pop()}-${pkg.version}.tgz`;
  let url = '';
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(p);
    if (refusing) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    if (p === `/${pkg.name}`) {
      const manifest = {
        name: pkg.name,
        version: pkg.version,
        dist: { tarball: url + tarPath, integrity, shasum },
      };
      const body = {
        name: pkg.name,
        'dist-tags': { latest: pkg.version },
        versions: { [pkg.version]: manifest },
      };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    if (p === tarPath) {
      return void res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length })
        .end(data);
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    refuse: () => (refusing = true),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
