/** The sandbox probe runs bwrap and socat for real; fakes on PATH play the broken cases. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyBwrapFailure, probeSandbox } from '../../../src/agent/sandbox/probe';
import { itWithSandbox, pathWithout } from '../../support/sandbox';

const script = (stderr: string, code = 1) => `#!/bin/sh\necho "${stderr}" >&2\nexit ${code}\n`;

function procSys(values: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-procsys-'));
  for (const [k, v] of Object.entries(values)) {
    fs.mkdirSync(path.dirname(path.join(dir, k)), { recursive: true });
    fs.writeFileSync(path.join(dir, k), `${v}\n`);
  }
  return dir;
}

itWithSandbox('on this machine, with bubblewrap and socat working: ok', async () => {
  const r = await probeSandbox({ pathVar: process.env.PATH ?? '' });
  expect(r).toMatchObject({ ok: true });
  expect(r.detail).toMatch(/creates its namespaces and socat .* runs/);
});

it('bwrap not on PATH: missing', async () => {
  const r = await probeSandbox({ pathVar: pathWithout(['bwrap']) });
  expect(r).toMatchObject({ ok: false, cause: 'missing', detail: 'bwrap (bubblewrap) not found on PATH' });
});

it('neither on PATH: both named', async () => {
  const r = await probeSandbox({ pathVar: pathWithout(['bwrap', 'socat']) });
  expect(r.detail).toBe('bwrap (bubblewrap) and socat not found on PATH');
});

it('not Linux: not-linux, without running anything', async () => {
  const r = await probeSandbox({ pathVar: '', platform: 'darwin' });
  expect(r).toMatchObject({ ok: false, cause: 'not-linux' });
});

it('a bwrap that cannot load its libraries: broken', async () => {
  const p = pathWithout(['bwrap'], {
    bwrap: script(
      'bwrap: error while loading shared libraries: libcap.so.2: cannot open shared object file',
      127,
    ),
  });
  const r = await probeSandbox({ pathVar: p });
  expect(r).toMatchObject({ ok: false, cause: 'broken' });
  expect(r.detail).toContain('libcap.so.2');
});

itWithSandbox(
  'a socat that cannot load its libraries: broken (a PATH check would have said ok)',
  async () => {
    const p = pathWithout(['socat'], {
      socat: script(
        'socat: error while loading shared libraries: libwrap.so.0: cannot open shared object file',
        127,
      ),
    });
    const r = await probeSandbox({ pathVar: p });
    expect(r).toMatchObject({ ok: false, cause: 'broken' });
    expect(r.detail).toMatch(/^socat cannot run: .*libwrap/);
  },
);

it('bwrap refused a user namespace under AppArmor: userns-restricted, with the switch named', async () => {
  const p = pathWithout(['bwrap'], { bwrap: script('bwrap: setting up uid map: Permission denied') });
  const r = await probeSandbox({
    pathVar: p,
    procSys: procSys({ 'kernel/apparmor_restrict_unprivileged_userns': '1' }),
  });
  expect(r).toMatchObject({ ok: false, cause: 'userns-restricted' });
  expect(r.detail).toContain('kernel.apparmor_restrict_unprivileged_userns=1');
});

it('classifies the other namespace failures', () => {
  const none = procSys({});
  expect(
    classifyBwrapFailure(
      'bwrap: No permissions to creating new namespace',
      procSys({ 'user/max_user_namespaces': '0' }),
    ).cause,
  ).toBe('userns-restricted');
  expect(classifyBwrapFailure('bwrap: Creating new namespace failed: Operation not permitted', none)).toEqual(
    {
      cause: 'failed',
      detail:
        'bwrap cannot create its namespaces: bwrap: Creating new namespace failed: Operation not permitted',
    },
  );
});
