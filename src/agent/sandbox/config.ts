/**
 * The CLI sandbox settings for one run: commands write only inside the checkout and never into the
 * paths the tool policy protects, read nothing of the runner's home or temp folder (file-command
 * files, event file, checkout credentials), reach only `allowed_domains`, and see a fake value
 * instead of the checkout's credential in `.git/config`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import { isWithin, protectedReason } from '../../policy/paths';

export interface SandboxConfigInput {
  /** The checkout, realpath'd. */
  workspace: string;
  allowedDomains: readonly string[];
  /** Folders commands may not read or write (the runner's real HOME, RUNNER_TEMP, …). */
  hiddenRoots: readonly string[];
  /** Folders inside hidden roots that commands may still read (the CLI's own home and temp). */
  readable: readonly string[];
  /** Files commands may neither read nor write: GITHUB_ENV, GITHUB_OUTPUT, …, the event file. */
  runnerFiles: readonly string[];
  /** Credential files outside the checkout (~/.git-credentials, ~/.netrc …), denied when present. */
  credentialFiles: readonly string[];
}

/**
 * Stricter than the tool policy for commands: nothing under `.github/` (not only workflows). Every
 * other write-protected path comes from the policy itself (see protectedPaths).
 */
const SANDBOX_EXTRA_PROTECTED = ['.github'];

/** Folders not walked for protected files: dependency trees are large and never hold the repo's config. */
const SKIP_DIRS = new Set(['node_modules']);
const MAX_ENTRIES = 50_000;

/**
 * Every existing path in the checkout that the tool policy protects from writes (its one
 * definition, `protectedReason`), plus the policy's top-level names even where they do not exist
 * yet, so a command cannot create them either. A protected folder is listed once, not walked.
 */
export function protectedPaths(workspace: string, maxEntries = MAX_ENTRIES): string[] {
  const out = new Set<string>();
  for (const name of [...SANDBOX_EXTRA_PROTECTED, ...topLevelProtectedNames()])
    out.add(path.join(workspace, name));
  let seen = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > maxEntries) return;
      const abs = path.join(dir, e.name);
      const rel = path.relative(workspace, abs);
      if (protectedReason(rel) !== undefined) {
        out.add(abs);
        continue;
      }
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(abs);
    }
  };
  walk(workspace);
  return [...out].sort();
}

/**
 * Top-level names the policy protects, asked of the policy rather than copied: candidates are the
 * names the policy has ever protected and the ones it may add; only those it flags are kept.
 */
function topLevelProtectedNames(): string[] {
  const candidates = [
    '.git',
    '.claude',
    '.mcp.json',
    '.gitmodules',
    '.husky',
    'CLAUDE.md',
    'CLAUDE.local.md',
    path.join('.github', 'workflows'),
  ];
  return candidates.filter(
    (c) => protectedReason(c) !== undefined || protectedReason(path.join(c, 'x')) !== undefined,
  );
}

/** actions/checkout persists the token as `http.<url>.extraheader = AUTHORIZATION: basic <b64>`. */
const EXTRAHEADER_SECRET =
  '[Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn]: *(?:[Bb]asic|[Bb]earer) +(\\S+)';

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export function sandboxSettings(i: SandboxConfigInput): SandboxSettings {
  const unique = (xs: readonly string[]) => [...new Set(xs.filter((x) => x !== ''))];
  const hidden = unique(i.hiddenRoots).filter((r) => r !== i.workspace && !isWithin(i.workspace, r));
  const secrets = unique([...i.runnerFiles, ...i.credentialFiles.filter(exists)]);
  const gitConfig = path.join(i.workspace, '.git', 'config');
  return {
    enabled: true,
    // Never fall back to running commands unsandboxed: the relay probes first and turns commands
    // off itself when the sandbox cannot start.
    failIfUnavailable: true,
    // The model's dangerouslyDisableSandbox parameter is ignored; the policy also refuses it.
    allowUnsandboxedCommands: false,
    // Every command still goes through the tool policy.
    autoAllowBashIfSandboxed: false,
    network: { allowedDomains: unique(i.allowedDomains), strictAllowlist: true },
    filesystem: {
      // Writes are confined to the checkout (and the sandbox's temp) by default; inside it, the
      // protected paths are not writable, nor are runner files wherever they lie.
      denyWrite: unique([
        ...protectedPaths(i.workspace),
        ...secrets,
        ...hidden.flatMap((r) => denyAround(r, [i.workspace, ...i.readable])),
      ]),
      denyRead: unique([...hidden, ...secrets]),
      // The checkout may lie inside the runner's HOME (/home/runner/work/…): keep it readable.
      allowRead: unique([i.workspace, ...i.readable]).filter((r) => !secrets.includes(r)),
    },
    credentials: {
      files: [
        ...(exists(gitConfig)
          ? [
              {
                path: gitConfig,
                mode: 'mask' as const,
                extract: EXTRAHEADER_SECRET,
                // No extraheader (persist-credentials: false): nothing to hide, git keeps working.
                onExtractNoMatch: 'warn' as const,
              },
            ]
          : []),
        ...i.credentialFiles.filter(exists).map((p) => ({ path: p, mode: 'deny' as const })),
      ],
    },
  };
}

/**
 * `root` itself, or — when it holds a folder commands need (the checkout inside the runner's HOME,
 * the CLI's temp inside RUNNER_TEMP) — every existing entry beside the way down to those folders.
 */
export function denyAround(root: string, keep: readonly string[]): string[] {
  const kept = keep.filter((k) => isWithin(root, k));
  if (kept.length === 0) return [root];
  if (kept.includes(root)) return [];
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return [];
  }
  return entries.flatMap((e) => denyAround(path.join(root, e), kept));
}

/** Every file a denyWrite/denyRead entry covers (an entry covers itself and everything below). */
export function covers(entries: readonly string[] | undefined, p: string): boolean {
  return (entries ?? []).some((e) => isWithin(e, p));
}
