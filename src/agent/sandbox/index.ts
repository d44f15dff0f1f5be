/**
 * How the agent's commands run in this job, decided once before the agent starts:
 *   - sandboxed: the CLI sandbox, probed (and provisioned, with `sandbox: auto`) first;
 *   - commands off: no process-starting tool is offered (fail closed), with the reason and the fix;
 *   - unsandboxed: only with `sandbox: off` on a trusted run, loudly.
 * Runs whose tools start no processes need none of this and skip the probe.
 */
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import { probeSandbox, type ProbeCause, type ProbeResult } from './probe';
import { provisionSandbox, type Provisioner, type ProvisionResult } from './provision';

export type SandboxMode = 'auto' | 'required' | 'off';

/** Built-in tools that start processes or drive ones already started. */
export const PROCESS_TOOLS = ['Bash', 'BashOutput', 'KillShell', 'Monitor', 'PowerShell'] as const;

/** The README section that explains the sandbox outcomes and their fixes. */
export const README_ANCHOR = 'commands-and-the-sandbox';

export type CommandIsolation =
  | { kind: 'none-needed' }
  | { kind: 'sandboxed'; settings: SandboxSettings; probe: ProbeResult; provision?: ProvisionResult }
  | { kind: 'unsandboxed'; warning: string }
  | { kind: 'commands-off'; why: string; fix: string; probe?: ProbeResult; provision?: ProvisionResult };

export class SandboxRequiredError extends Error {}

export interface IsolationInput {
  mode: SandboxMode;
  /** Does this run's tool set include a process-starting tool? */
  needsCommands: boolean;
  /** The PATH the CLI gets. */
  pathVar: string;
  /** Why the run is untrusted (fork PR, author without write access), if it is. */
  untrusted: () => Promise<string | undefined>;
  provisioner: Provisioner;
  settings: () => SandboxSettings;
  log: (line: string) => void;
  /** Injected for tests and the bench. */
  probe?: () => Promise<ProbeResult>;
}

const FIX: Record<ProbeCause, string> = {
  'not-linux': 'run the job on a Linux runner (the command sandbox needs bubblewrap)',
  missing:
    'install bubblewrap and socat on the runner (`sudo apt-get install -y bubblewrap socat`), or give the job passwordless sudo so the action installs them',
  'userns-restricted':
    'allow unprivileged user namespaces on the runner (`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or give the job passwordless sudo so the action does it',
  broken: 'reinstall them on the runner (`sudo apt-get install --reinstall -y bubblewrap socat`)',
  failed:
    'run the job on a runner where bubblewrap can create namespaces (a VM, or a container started with user namespaces allowed)',
};

export async function resolveIsolation(i: IsolationInput): Promise<CommandIsolation> {
  if (!i.needsCommands) return { kind: 'none-needed' };
  if (i.mode === 'off') {
    const untrusted = await i.untrusted();
    if (untrusted) {
      return {
        kind: 'commands-off',
        why: `\`sandbox: off\` is refused here: ${untrusted}`,
        fix: 'remove `sandbox: off` (the action sets the sandbox up by itself where the runner allows)',
      };
    }
    return {
      kind: 'unsandboxed',
      warning:
        "sandbox: off — the agent's commands run WITHOUT isolation: they can read the job's secrets, the network and the runner's files. Remove `sandbox: off` unless this runner is disposable and every allowed command is trusted.",
    };
  }
  const probe = i.probe ?? (() => probeSandbox({ pathVar: i.pathVar }));
  const first = await probe();
  i.log(`Sandbox probe: ${first.ok ? 'ok' : `failed (${first.cause})`} — ${first.detail} (${first.ms} ms)`);
  if (first.ok) return { kind: 'sandboxed', settings: i.settings(), probe: first };

  let provision: ProvisionResult | undefined;
  if (first.cause !== 'not-linux') {
    i.log('Setting up the command sandbox:');
    provision = await provisionSandbox(first, i.provisioner, probe, i.log);
    if (provision.skipped) i.log(`  nothing done: ${provision.skipped}`);
    else {
      const p = provision.probe;
      i.log(
        `  sandbox ${p.ok ? 'works' : `still fails (${p.cause}): ${p.detail}`} after ${(provision.ms / 1000).toFixed(1)} s`,
      );
    }
    if (provision.probe.ok)
      return { kind: 'sandboxed', settings: i.settings(), probe: provision.probe, provision };
  }
  const last = provision?.probe ?? first;
  const cause = last.cause ?? 'failed';
  const why = `the command sandbox cannot start on this runner (${last.detail})`;
  if (i.mode === 'required') {
    throw new SandboxRequiredError(`sandbox: required, but ${why}. Fix: ${FIX[cause]}.`);
  }
  return { kind: 'commands-off', why, fix: FIX[cause], probe: first, ...(provision ? { provision } : {}) };
}

/** The one line the result comment carries when commands were not run. */
export function commandsOffNote(iso: { why: string; fix: string }, readmeUrl: string): string {
  return `⚠️ Commands were not run: ${iso.why}. Fix: ${iso.fix} ([details](${readmeUrl}#${README_ANCHOR})).`;
}

/** What the agent is told when it has no shell. */
export function commandsOffInstructions(why: string): string {
  return `Shell commands are unavailable in this run (${why}): there is no Bash tool. Do not try to run tests, builds or other commands; work with the file tools and say in your answer which commands you would have run.`;
}
