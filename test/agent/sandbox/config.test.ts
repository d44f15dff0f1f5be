/**
 * The sandbox settings the relay generates. Contract: every path the tool policy protects from
 * writes is also denied to commands by the sandbox (one definition: the policy's protectedReason).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { covers, denyAround, protectedPaths, sandboxSettings } from '../../../src/agent/sandbox/config';
import { protectedReason } from '../../../src/policy/paths';

function tree(files: string[]): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-sbx-')));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'x');
  }
  return root;
}

const FIXTURE = [
  '.git/config',
  '.git/hooks/pre-commit.sample',
  '.github/workflows/ci.yml',
  '.github/CODEOWNERS',
  '.claude/settings.json',
  '.mcp.json',
  '.gitmodules',
  '.husky/pre-commit',
  'CLAUDE.md',
  'CLAUDE.local.md',
  'docs/claude.md',
  'pkg/sub/.claude/agents/a.md',
  'pkg/sub/.git/config',
  'src/app.ts',
  'README.md',
];

function walk(root: string, dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = path.join(dir, e.name);
    return [abs, ...(e.isDirectory() ? walk(root, abs) : [])];
  });
}

function settingsFor(ws: string, extra: Partial<Parameters<typeof sandboxSettings>[0]> = {}) {
  return sandboxSettings({
    workspace: ws,
    allowedDomains: [],
    hiddenRoots: [],
    readable: [],
    runnerFiles: [],
    credentialFiles: [],
    ...extra,
  });
}

it('contract: every existing path the tool policy protects is write-denied by the sandbox', () => {
  const ws = tree(FIXTURE);
  const deny = settingsFor(ws).filesystem?.denyWrite;
  const protectedNow = walk(ws).filter((abs) => protectedReason(path.relative(ws, abs)) !== undefined);
  // The fixture exercises the policy (at least .git, .github/workflows, .claude, .mcp.json).
  expect(protectedNow.length).toBeGreaterThanOrEqual(6);
  const uncovered = protectedNow.filter((abs) => !covers(deny, abs)).map((abs) => path.relative(ws, abs));
  expect(uncovered).toEqual([]);
});

it('contract: protected paths that do not exist yet are denied too (a command cannot create them)', () => {
  const ws = tree(['src/app.ts']);
  const deny = settingsFor(ws).filesystem?.denyWrite;
  for (const rel of [
    '.git/hooks/pre-push',
    '.claude/settings.json',
    '.mcp.json',
    '.github/workflows/x.yml',
  ]) {
    expect({ rel, policy: protectedReason(rel) !== undefined }).toEqual({ rel, policy: true });
    expect({ rel, sandbox: covers(deny, path.join(ws, rel)) }).toEqual({ rel, sandbox: true });
  }
  // Ordinary files of the checkout stay writable.
  expect(covers(deny, path.join(ws, 'src/app.ts'))).toBe(false);
  expect(covers(deny, path.join(ws, 'dist/out.js'))).toBe(false);
});

it('runner files, hidden roots and credential files: neither readable nor writable; the checkout readable', () => {
  const ws = tree(['.git/config', 'a.ts']);
  const home = tree(['.git-credentials', '.netrc', 'work/x']);
  const temp = tree([
    '_runner_file_commands/set_env_1',
    '_github_workflow/event.json',
    'claude-relay-1/tmp/x',
  ]);
  const runnerFiles = [
    path.join(temp, '_runner_file_commands/set_env_1'),
    path.join(temp, '_github_workflow/event.json'),
  ];
  const s = settingsFor(ws, {
    allowedDomains: ['registry.npmjs.org', 'registry.npmjs.org'],
    hiddenRoots: [home, temp],
    readable: [path.join(temp, 'claude-relay-1/tmp')],
    runnerFiles,
    credentialFiles: [
      path.join(home, '.git-credentials'),
      path.join(home, '.netrc'),
      path.join(home, '.missing'),
    ],
  });
  expect(s).toMatchObject({ enabled: true, failIfUnavailable: true, allowUnsandboxedCommands: false });
  expect(s.network).toEqual({ allowedDomains: ['registry.npmjs.org'], strictAllowlist: true });
  for (const f of runnerFiles) {
    expect(covers(s.filesystem?.denyRead, f)).toBe(true);
    expect(covers(s.filesystem?.denyWrite, f)).toBe(true);
  }
  expect(covers(s.filesystem?.denyRead, path.join(home, '.netrc'))).toBe(true);
  expect(covers(s.filesystem?.denyWrite, path.join(home, 'work/x'))).toBe(true);
  // The CLI's temp inside RUNNER_TEMP stays usable; everything beside it is write-denied.
  expect(covers(s.filesystem?.denyWrite, path.join(temp, 'claude-relay-1/tmp/x'))).toBe(false);
  expect(covers(s.filesystem?.denyWrite, path.join(temp, '_github_workflow'))).toBe(true);
  expect(s.filesystem?.allowRead).toEqual(
    expect.arrayContaining([ws, path.join(temp, 'claude-relay-1/tmp')]),
  );
  expect(s.credentials?.files).toEqual([
    expect.objectContaining({ path: path.join(ws, '.git/config'), mode: 'mask' }),
    { path: path.join(home, '.git-credentials'), mode: 'deny' },
    { path: path.join(home, '.netrc'), mode: 'deny' },
  ]);
  // The extract pattern finds actions/checkout's credential.
  const extract = new RegExp(String(s.credentials?.files?.[0]?.extract));
  expect(extract.exec('\textraheader = AUTHORIZATION: basic eC1hY2Nlc3M=')?.[1]).toBe('eC1hY2Nlc3M=');
});

it('denyAround keeps the way down to the checkout open and denies everything beside it', () => {
  const home = tree(['.ssh/id_rsa', 'work/repo/repo/a.ts', 'work/other/x', '.npmrc']);
  const ws = path.join(home, 'work/repo/repo');
  const denied = denyAround(home, [ws])
    .map((p) => path.relative(home, p))
    .sort();
  expect(denied).toEqual(['.npmrc', '.ssh', 'work/other']);
});

it('protectedPaths does not walk into node_modules and lists a protected folder once', () => {
  const ws = tree(['node_modules/x/.git/config', '.git/objects/aa/bb', 'src/.claude/x.json']);
  const list = protectedPaths(ws).map((p) => path.relative(ws, p));
  expect(list).toContain('.git');
  expect(list).toContain('src/.claude');
  expect(list.some((p) => p.startsWith('node_modules'))).toBe(false);
  expect(list.some((p) => p.startsWith('.git/'))).toBe(false);
});
