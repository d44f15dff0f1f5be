/**
 * The proxy and CA variables are one list, and the three places that start processes — the CLI's
 * environment, git's, and the local runner's action — each pass every one of them, and no secret.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCliEnv } from '../../src/agent/env';
import { CA_ENV, NETWORK_ENV, PROXY_ENV, networkEnv } from '../../src/core/network-env';
import { gitEnv } from '../../src/tools/git';
import { networkEnv as localNetworkEnv } from '../../scripts/lib/local';

const NETWORK = Object.fromEntries(NETWORK_ENV.map((name) => [name, `value-of-${name}`]));
const SECRETS = {
  GITHUB_TOKEN: 'ghs_secret',
  INPUT_GITHUB_TOKEN: 'ghs_input',
  ANTHROPIC_API_KEY: 'sk-ant-secret',
  ACTIONS_RUNTIME_TOKEN: 'rt',
  npm_config__authToken: 'npm-secret',
};
const parent = { ...NETWORK, ...SECRETS, PATH: '/usr/bin' };

it('lists proxies in both spellings and the CA variables of Node, OpenSSL, git and Python', () => {
  for (const p of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY']) {
    expect(PROXY_ENV).toContain(p);
    expect(PROXY_ENV).toContain(p.toLowerCase());
  }
  expect(CA_ENV).toEqual(
    expect.arrayContaining(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO']),
  );
  expect(networkEnv(parent)).toEqual(NETWORK);
});

it('the CLI, git and the local runner all pass every network variable, and no secret', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-netenv-'));
  try {
    const cli = buildCliEnv({
      home: path.join(dir, 'home'),
      tmpDir: path.join(dir, 'tmp'),
      parent,
      scrubSubprocessEnv: true,
    });
    for (const env of [cli, gitEnv(parent), localNetworkEnv(parent)]) {
      expect(env).toMatchObject(NETWORK);
      for (const name of Object.keys(SECRETS)) expect(env).not.toHaveProperty(name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
