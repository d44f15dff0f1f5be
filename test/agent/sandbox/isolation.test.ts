/** The decision: sandboxed, commands off (with why and fix), unsandboxed, or not needed. */
import {
  commandsOffNote,
  resolveIsolation,
  SandboxRequiredError,
  type IsolationInput,
} from '../../../src/agent/sandbox';
import type { ProbeResult } from '../../../src/agent/sandbox/probe';
import type { Provisioner } from '../../../src/agent/sandbox/provision';

const fail: ProbeResult = {
  ok: false,
  cause: 'missing',
  detail: 'bwrap (bubblewrap) not found on PATH',
  ms: 3,
};
const noRoot: Provisioner = {
  privilege: async () => undefined,
  run: async () => ({ code: 1, output: '' }),
  ubuntuVersion: () => undefined,
  has: () => true,
};

function input(
  o: Partial<IsolationInput> & { probes?: ProbeResult[] },
): IsolationInput & { probed: () => number } {
  let n = 0;
  const probes = o.probes ?? [{ ok: true, detail: 'ok', ms: 1 }];
  return {
    mode: 'auto',
    needsCommands: true,
    pathVar: '',
    untrusted: async () => undefined,
    provisioner: noRoot,
    settings: () => ({ enabled: true }),
    log: () => {},
    probe: async () => probes[Math.min(n++, probes.length - 1)] as ProbeResult,
    probed: () => n,
    ...o,
  };
}

it('no process-starting tool: nothing to decide, no probe', async () => {
  const i = input({ needsCommands: false });
  expect(await resolveIsolation(i)).toEqual({ kind: 'none-needed' });
  expect(i.probed()).toBe(0);
});

it('auto, probe ok: sandboxed with the generated settings', async () => {
  expect(await resolveIsolation(input({}))).toMatchObject({ kind: 'sandboxed', settings: { enabled: true } });
});

it('auto, probe fails, nothing can be provisioned: commands off, with the cause and the fix', async () => {
  const r = await resolveIsolation(input({ probes: [fail] }));
  expect(r).toMatchObject({ kind: 'commands-off' });
  if (r.kind !== 'commands-off') throw new Error('unreachable');
  expect(r.why).toBe(
    'the command sandbox cannot start on this runner (bwrap (bubblewrap) not found on PATH)',
  );
  expect(r.fix).toMatch(/sudo apt-get install -y bubblewrap socat/);
  expect(commandsOffNote(r, 'https://github.com/o/r')).toBe(
    `⚠️ Commands were not run: ${r.why}. Fix: ${r.fix} ([details](https://github.com/o/r#commands-and-the-sandbox)).`,
  );
});

it('required, probe fails: a clear error instead of a run', async () => {
  await expect(resolveIsolation(input({ mode: 'required', probes: [fail] }))).rejects.toThrow(
    SandboxRequiredError,
  );
  await expect(resolveIsolation(input({ mode: 'required', probes: [fail] }))).rejects.toThrow(
    /^sandbox: required, but the command sandbox cannot start on this runner \(bwrap \(bubblewrap\) not found on PATH\)\. Fix: /,
  );
});

it('off on an untrusted run (fork PR): refused, commands off', async () => {
  const r = await resolveIsolation(
    input({ mode: 'off', untrusted: async () => 'PR #3 comes from the fork evil/repo' }),
  );
  expect(r).toMatchObject({
    kind: 'commands-off',
    why: '`sandbox: off` is refused here: PR #3 comes from the fork evil/repo',
  });
});

it('off on a trusted run: unsandboxed, with a loud warning, and no probe', async () => {
  const i = input({ mode: 'off' });
  const r = await resolveIsolation(i);
  expect(r).toMatchObject({ kind: 'unsandboxed', warning: expect.stringMatching(/WITHOUT isolation/) });
  expect(i.probed()).toBe(0);
});
