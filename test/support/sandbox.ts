/**
 * Sandbox helpers for tests: whether the CLI sandbox can start on this machine (tests that need
 * it say why they skip when it cannot), and PATHs without bubblewrap to force it unavailable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeSandbox, type ProbeResult } from '../../src/agent/sandbox/probe';
import { provisionSandbox, systemProvisioner } from '../../src/agent/sandbox/provision';

let cached: Promise<ProbeResult> | undefined;

/**
 * The probe the action runs, on this machine's PATH. In CI (CI=true, e.g. a GitHub-hosted runner
 * with passwordless sudo) a failed probe is followed by the action's own provisioning, so the
 * sandbox tests run there without a hand-written install step; elsewhere nothing is installed.
 */
export function hostSandbox(): Promise<ProbeResult> {
  const pathVar = process.env.PATH ?? '';
  cached ??= probeSandbox({ pathVar }).then(async (first) => {
    if (first.ok || process.env.CI !== 'true') return first;
    const probe = () => probeSandbox({ pathVar });
    const lines: string[] = [];
    const r = await provisionSandbox(first, systemProvisioner({ pathVar }), probe, (l) => lines.push(l));
    process.stderr.write(`Sandbox provisioning for the tests:\n${lines.join('\n')}\n`);
    return r.probe;
  });
  return cached;
}

/**
 * `it` when the sandbox works here; otherwise a test that prints why it was skipped (and passes,
 * so `npm test` stays green on a machine without bubblewrap).
 */
export function itWithSandbox(name: string, fn: () => Promise<void>, timeoutMs?: number): void {
  it(
    name,
    async () => {
      const probe = await hostSandbox();
      if (!probe.ok) {
        process.stderr.write(
          `SKIPPED (needs the command sandbox: ${probe.detail}; install bubblewrap and socat): ${name}\n`,
        );
        return;
      }
      await fn();
    },
    timeoutMs,
  );
}

/**
 * A PATH with every program of the current PATH except `without` (symlinks in a temp folder),
 * plus `extra` programs (name → shell script).
 */
export function pathWithout(without: readonly string[], extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-path-'));
  for (const d of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (without.includes(n) || fs.existsSync(path.join(dir, n))) continue;
      try {
        fs.symlinkSync(fs.realpathSync(path.join(d, n)), path.join(dir, n));
      } catch {
        // dangling or unreadable entry: leave it out
      }
    }
  }
  for (const [name, script] of Object.entries(extra)) {
    fs.rmSync(path.join(dir, name), { force: true });
    fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
  }
  return dir;
}
