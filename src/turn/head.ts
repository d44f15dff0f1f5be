/**
 * The PR head the run was authorized for. The agent only ever runs on that commit: if the head
 * moved (new pushes after someone asked), the run stops and asks to be requested again.
 */
import { StopError } from './frame';

/** Throws a StopError when `observed` is not the authorized head. */
export function assertAuthorizedHead(authorized: string, observed: string, when: string): void {
  if (observed === authorized) return;
  throw new StopError(
    `The PR head moved from ${authorized.slice(0, 7)} to ${observed.slice(0, 7)} ${when}; not running on unreviewed code. Ask again.`,
  );
}
