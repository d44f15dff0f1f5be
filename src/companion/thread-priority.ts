/**
 * The work thread's CPU priority. On Linux every thread has its own nice value, so the work thread
 * can step back while the webhook's thread keeps the default: when both want the CPU (a burst of
 * deliveries on a busy machine), answers come first and the work takes what is left over. With
 * the CPU idle, a niced thread runs at full speed, so nothing is slower when there is no contention.
 */
import fs from 'node:fs';
import os from 'node:os';

/**
 * Raises the calling thread's nice value to `nice` (never lowers it: that needs privileges).
 * Returns undefined when done, or why not (another platform, a kernel without /proc).
 */
export function lowerThreadPriority(nice: number): string | undefined {
  if (nice <= 0) return undefined;
  if (process.platform !== 'linux') return `thread priorities are per process on ${process.platform}`;
  try {
    // /proc/thread-self is this thread's /proc/<pid>/task/<tid>; setpriority on a tid is per thread.
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return 'no thread id in /proc/thread-self';
    if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
