/**
 * The proxy and CA variables, defined once for every process the relay starts — the Claude Code
 * CLI (`agent/env.ts`), git (`tools/git.ts`) and the local runner's action (`scripts/lib/local.ts`).
 * A runner behind a (TLS-inspecting) proxy sets them; without them those processes cannot reach
 * the network there. They name a proxy or a certificate file, never a secret of the job.
 */

/** Proxies, in both spellings tools read (curl/git honour the lower case, Node and Go the upper). */
export const PROXY_ENV = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
  // Node 24's fetch honours the proxy variables only with this set.
  'NODE_USE_ENV_PROXY',
] as const;

/** Extra or replacement CA certificates (Node, OpenSSL, git, Python). */
export const CA_ENV = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'REQUESTS_CA_BUNDLE',
] as const;

export const NETWORK_ENV: readonly string[] = [...PROXY_ENV, ...CA_ENV];

/** The network variables `parent` sets, by exact name. */
export function networkEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NETWORK_ENV) {
    const v = parent[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
