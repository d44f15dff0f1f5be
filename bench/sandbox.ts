/**
 * Bench rows for the command sandbox (self-contained; `npm run bench -- --only sandbox`):
 *   - the probe the action runs before an agent with commands starts (per run);
 *   - one allowed command's tool call, sandboxed vs `sandbox: off`, same fake model (per command);
 *   - a whole action run with three commands, sandboxed vs `sandbox: off` (per run);
 *   - provisioning (apt-get/sysctl), when this machine needed it.
 */
import { probeSandbox } from '../src/agent/sandbox/probe';
import { FAKE_API_KEY, FAKE_GITHUB_TOKEN, seedFromPayload } from '../scripts/lib/local';
import { assistantTurns, isMainLoop, startFakeAnthropic } from '../test/support/fake-anthropic';
import { startFakeGitHub } from '../test/support/fake-github';
import { prOpened } from '../test/support/payloads';
import { makeWorkspace, runAction } from '../test/support/runner';
import { median, ms, ratio, signedMs } from './lib';

export interface SandboxRow {
  measure: string;
  value: string;
  baseline: string;
  compare: string;
  target: string;
}

const COMMANDS = 3;

export async function benchSandbox(runs: number, log: (s: string) => void): Promise<SandboxRow[]> {
  const pathVar = process.env.PATH ?? '';
  const probes: number[] = [];
  let probeOk = true;
  for (let i = 0; i < runs; i++) {
    const r = await probeSandbox({ pathVar });
    probeOk &&= r.ok;
    probes.push(r.ms);
  }
  const model = await startFakeAnthropic((req) => {
    if (!isMainLoop(req)) return { text: 'title' };
    const n = assistantTurns(req);
    if (n < COMMANDS) return { toolUses: [{ id: `toolu_ls_${n}`, name: 'Bash', input: { command: 'ls' } }] };
    return { text: 'Listed.' };
  });
  const github = await startFakeGitHub({ defaultRepo: 'octo-org/octo-repo' });
  const payload = prOpened();
  seedFromPayload(github, 'pull_request', payload as Record<string, unknown>);
  const workspace = makeWorkspace();
  const once = async (sandbox: 'auto' | 'off') => {
    const res = await runAction({
      eventName: 'pull_request',
      payload,
      inputs: {
        anthropic_api_key: FAKE_API_KEY,
        github_token: FAKE_GITHUB_TOKEN,
        tool_policy: 'edit',
        allowed_bash: 'ls',
        sandbox,
      },
      env: { CLAUDE_RELAY_LOCAL: '1' },
      workspace,
      apiUrl: github.url,
      anthropicUrl: model.url,
    });
    const calls = [...res.log.matchAll(/✓ ok .* (\d+) ms$/gm)].map((m) => Number(m[1]));
    if (res.exitCode !== 0 || calls.length !== COMMANDS)
      throw new Error(`sandbox bench run (${sandbox}) failed: ${res.log.slice(-600)}`);
    const provisioned = /sandbox works after (\d+(?:\.\d+)?) s/.exec(res.log)?.[1];
    return {
      total: res.durationMs,
      calls,
      provisionMs: provisioned ? Number(provisioned) * 1000 : undefined,
    };
  };
  try {
    if (!probeOk)
      log('sandbox: the probe fails on this machine; the sandboxed rows show commands turned off');
    log('sandbox: warm-up');
    const first = await once('auto');
    await once('off');
    const on: Awaited<ReturnType<typeof once>>[] = [];
    const off: Awaited<ReturnType<typeof once>>[] = [];
    for (let i = 0; i < runs; i++) {
      log(`sandbox: run ${i + 1}/${runs}`);
      on.push(await once('auto'));
      off.push(await once('off'));
    }
    const perCmdOn = median(on.flatMap((r) => r.calls));
    const perCmdOff = median(off.flatMap((r) => r.calls));
    const runOn = median(on.map((r) => r.total));
    const runOff = median(off.map((r) => r.total));
    const provision = [first, ...on].map((r) => r.provisionMs).filter((x): x is number => x !== undefined);
    return [
      {
        measure: 'Sandbox probe before an agent with commands starts (bwrap namespaces + socat)',
        value: ms(median(probes)),
        baseline: '',
        compare: '',
        target: '≤ 500 ms',
      },
      {
        measure: `One allowed command (\`ls\`) as a Bash tool call, in the CLI sandbox`,
        value: ms(perCmdOn),
        baseline: `\`sandbox: off\`: ${ms(perCmdOff)}`,
        compare: `${signedMs(perCmdOn - perCmdOff)} (${ratio(perCmdOn, perCmdOff)})`,
        target: '≤ +300 ms',
      },
      {
        measure: `Action run with ${COMMANDS} commands, sandboxed (probe + sandbox start-up included)`,
        value: ms(runOn),
        baseline: `\`sandbox: off\`: ${ms(runOff)}`,
        compare: `${signedMs(runOn - runOff)} (${ratio(runOn, runOff)})`,
        target: '≤ +1 s',
      },
      {
        measure: 'Provisioning bubblewrap + socat (apt-get, sysctl) when the runner lacks them',
        value: provision.length ? ms(median(provision)) : 'not needed here',
        baseline: '',
        compare: '',
        target: 'once per job',
      },
    ];
  } finally {
    await Promise.all([model.close(), github.close()]);
  }
}
