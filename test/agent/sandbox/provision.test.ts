/**
 * Provisioning through the real system provisioner, with fake `sudo`, `apt-get` and `sysctl` on
 * PATH that record what they were asked to do (nothing is installed on this machine).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProbeResult } from '../../../src/agent/sandbox/probe';
import { provisionSandbox, systemProvisioner } from '../../../src/agent/sandbox/provision';

const missing: ProbeResult = {
  ok: false,
  cause: 'missing',
  detail: 'bwrap (bubblewrap) not found on PATH',
  ms: 1,
};
const restricted: ProbeResult = { ok: false, cause: 'userns-restricted', detail: 'AppArmor', ms: 1 };
const ok: ProbeResult = { ok: true, detail: 'works', ms: 1 };

/** A bin folder with fake programs; every call is appended to calls.log. */
function fakeBin(o: { sudo?: 'works' | 'password'; aptInstallFailsUntilUpdate?: boolean }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-fakebin-'));
  const log = path.join(dir, 'calls.log');
  const write = (name: string, body: string) =>
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`, {
      mode: 0o755,
    });
  if (o.sudo) {
    write(
      'sudo',
      o.sudo === 'works'
        ? '[ "$1" = "-n" ] && shift\nexec "$@"'
        : 'echo "sudo: a password is required" >&2\nexit 1',
    );
  }
  write(
    'apt-get',
    o.aptInstallFailsUntilUpdate
      ? `if [ "$1" = update ]; then touch ${dir}/updated; exit 0; fi\n[ -e ${dir}/updated ] || { echo "E: Unable to locate package bubblewrap" >&2; exit 100; }\ntouch ${dir}/installed`
      : `[ "$1" = install ] && touch ${dir}/installed\nexit 0`,
  );
  write('sysctl', `touch ${dir}/sysctl`);
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  return {
    dir,
    calls,
    pathVar: `${dir}:/usr/bin:/bin`,
    installed: () => fs.existsSync(path.join(dir, 'installed')),
  };
}

function osRelease(id: string, version: string): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-os-')), 'os-release');
  fs.writeFileSync(f, `NAME="X"\nID=${id}\nVERSION_ID="${version}"\n`);
  return f;
}

it('not root, passwordless sudo, bubblewrap missing: installs with sudo -n apt-get, probes again, logs each step', async () => {
  const bin = fakeBin({ sudo: 'works' });
  const lines: string[] = [];
  const p = systemProvisioner({ pathVar: bin.pathVar, uid: 1000, osRelease: osRelease('debian', '12') });
  const r = await provisionSandbox(
    missing,
    p,
    async () => (bin.installed() ? ok : missing),
    (l) => lines.push(l),
  );
  expect(r.probe.ok).toBe(true);
  expect(r.steps.map((s) => [s.what, s.ok])).toEqual([['apt-get install bubblewrap socat', true]]);
  expect(bin.calls()).toEqual([
    'sudo -n true',
    'sudo -n apt-get install -y -q --no-install-recommends bubblewrap socat',
    'apt-get install -y -q --no-install-recommends bubblewrap socat',
  ]);
  expect(lines.join('\n')).toMatch(/✓ apt-get install bubblewrap socat \(\d+\.\d s\)/);
});

it('stale package lists: apt-get update, then install again', async () => {
  const bin = fakeBin({ sudo: 'works', aptInstallFailsUntilUpdate: true });
  const p = systemProvisioner({ pathVar: bin.pathVar, uid: 1000, osRelease: osRelease('debian', '12') });
  const r = await provisionSandbox(
    missing,
    p,
    async () => (bin.installed() ? ok : missing),
    () => {},
  );
  expect(r.steps.map((s) => [s.what, s.ok])).toEqual([
    ['apt-get install bubblewrap socat', false],
    ['apt-get update', true],
    ['apt-get install bubblewrap socat (after update)', true],
  ]);
  expect(r.probe.ok).toBe(true);
});

it('Ubuntu 24.04 with AppArmor restricting user namespaces: sysctl, then probe again', async () => {
  const bin = fakeBin({ sudo: 'works' });
  const p = systemProvisioner({ pathVar: bin.pathVar, uid: 1000, osRelease: osRelease('ubuntu', '24.04') });
  const r = await provisionSandbox(
    restricted,
    p,
    async () => (fs.existsSync(path.join(bin.dir, 'sysctl')) ? ok : restricted),
    () => {},
  );
  expect(bin.calls()).toContain('sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
  expect(r.probe.ok).toBe(true);
});

it('no passwordless sudo: nothing is tried, and the reason is given', async () => {
  const bin = fakeBin({ sudo: 'password' });
  const p = systemProvisioner({ pathVar: bin.pathVar, uid: 1000 });
  const r = await provisionSandbox(
    missing,
    p,
    async () => ok,
    () => {},
  );
  expect(r).toMatchObject({
    probe: missing,
    steps: [],
    skipped: 'no root and no passwordless sudo on this runner',
  });
  expect(bin.calls()).toEqual(['sudo -n true']);
});

it('root: runs apt-get directly, without sudo', async () => {
  const bin = fakeBin({});
  const p = systemProvisioner({ pathVar: bin.pathVar, uid: 0 });
  await provisionSandbox(
    missing,
    p,
    async () => (bin.installed() ? ok : missing),
    () => {},
  );
  expect(bin.calls()[0]).toBe('apt-get install -y -q --no-install-recommends bubblewrap socat');
});
