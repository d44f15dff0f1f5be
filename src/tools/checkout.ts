/**
 * Puts the workspace on the PR head commit before an edit run, so commit_and_push can build on it.
 * actions/checkout leaves a pull_request run on the merge commit and an issue_comment run on the
 * default branch; neither can be pushed to the PR branch. Only the authorized head is checked out:
 * if the branch moved since authorization, this refuses.
 */
import { git, gitError } from './git';

export interface CheckoutHeadOptions {
  workspace: string;
  /** The PR head branch (same repository). */
  branch: string;
  /** The authorized head sha. */
  sha: string;
  /** Remote name or URL (default `origin`). */
  remote?: string;
  env?: Record<string, string>;
}

export type CheckoutHeadResult = { ok: true; changed: boolean } | { ok: false; reason: string };

export async function checkoutPrHead(o: CheckoutHeadOptions): Promise<CheckoutHeadResult> {
  const run = (args: string[]) => git(args, { cwd: o.workspace, ...(o.env ? { env: o.env } : {}) });
  const head = await run(['rev-parse', 'HEAD']);
  if (head.code !== 0) return { ok: false, reason: `the workspace is not a git checkout: ${gitError(head)}` };
  if (head.stdout.trim() === o.sha) return { ok: true, changed: false };
  const dirty = await run(['status', '--porcelain', '--untracked-files=no']);
  if (dirty.code !== 0 || dirty.stdout.trim() !== '')
    return { ok: false, reason: 'the workspace has uncommitted changes to tracked files' };
  const shallow = (await run(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  const fetch = await run([
    'fetch',
    '--no-tags',
    '--quiet',
    ...(shallow ? ['--depth=50'] : []),
    o.remote ?? 'origin',
    `refs/heads/${o.branch}`,
  ]);
  if (fetch.code !== 0) return { ok: false, reason: `fetching ${o.branch} failed: ${gitError(fetch)}` };
  const fetched = (await run(['rev-parse', 'FETCH_HEAD'])).stdout.trim();
  if (fetched !== o.sha) {
    return {
      ok: false,
      reason: `${o.branch} is at ${fetched.slice(0, 12)} on the remote, not at the authorized head ${o.sha.slice(0, 12)}`,
    };
  }
  const co = await run(['checkout', '--quiet', '--detach', o.sha]);
  if (co.code !== 0)
    return { ok: false, reason: `checking out ${o.sha.slice(0, 12)} failed: ${gitError(co)}` };
  return { ok: true, changed: true };
}
