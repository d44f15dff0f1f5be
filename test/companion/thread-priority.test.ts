/**
 * The work thread steps back for the webhook's thread: the built companion (dist/companion) runs
 * its work thread at WORK_THREAD_NICE (default 10) while the thread that answers webhooks keeps
 * the process's priority. Read from the kernel (/proc/<pid>/task/<tid>/stat), not from the code.
 */
import fs from 'node:fs';
import type { FakeGitHub } from '../support/fake-github';
import { deliver, prComment, spawnCompanion, startWorld, type CompanionProcess } from './harness';

/** Each thread's nice value, by thread id (field 19 of its stat line). */
function niceByThread(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces; fields after it start at 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nice.set(Number(tid), Number(fields[16]));
  }
  return nice;
}

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('the work thread’s priority', () => {
  let gh: FakeGitHub;
  let proc: CompanionProcess | undefined;
  beforeEach(async () => {
    gh = await startWorld();
  });
  afterEach(async () => {
    proc?.child.kill('SIGKILL');
    await proc?.exited;
    proc = undefined;
    await gh.close();
  });

  it('is lowered for the work thread only, and the work still gets done', async () => {
    proc = await spawnCompanion(gh, {});
    const pid = proc.child.pid as number;
    const nice = niceByThread(pid);
    expect(nice.get(pid)).toBe(0);
    expect([...nice.values()].filter((n) => n === 10)).toHaveLength(1);
    const res = await deliver(
      proc.webhookUrl,
      'issue_comment',
      prComment(gh, '/claude explain this').payload,
    );
    expect(res.status).toBe(202);
    const deadline = Date.now() + 20_000;
    while (gh.state.dispatches.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(gh.state.dispatches).toHaveLength(1);
  });

  it('stays at the process’s priority with WORK_THREAD_NICE=0', async () => {
    proc = await spawnCompanion(gh, { WORK_THREAD_NICE: '0' });
    expect([...niceByThread(proc.child.pid as number).values()].every((n) => n === 0)).toBe(true);
  });
});
