/** Real temp directories for the policy tests: a workspace, an outside dir and a fake HOME. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PolicyContext } from '../../src/policy/decide';
import { RELAY_READ_TOOLS, RELAY_WRITE_TOOL_NAMES } from '../../src/tools';

export interface Sandbox {
  root: string;
  workspace: string;
  outside: string;
  home: string;
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-policy-')));
  const workspace = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  const home = path.join(root, 'home');
  for (const d of [
    workspace,
    outside,
    home,
    path.join(home, '.ssh'),
    path.join(workspace, 'src'),
    path.join(workspace, 'docs'),
    path.join(workspace, '.git'),
    path.join(workspace, '.github', 'workflows'),
    path.join(workspace, '.claude'),
  ]) {
    fs.mkdirSync(d, { recursive: true });
  }
  fs.writeFileSync(path.join(workspace, 'src', 'a.ts'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(workspace, 'docs', 'guide.md'), '# guide\n');
  fs.writeFileSync(path.join(workspace, 'README.md'), '# readme\n');
  fs.writeFileSync(path.join(workspace, '.git', 'config'), '[core]\n');
  fs.writeFileSync(path.join(workspace, '.github', 'workflows', 'ci.yml'), 'on: push\n');
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  // Symlinks inside the workspace pointing outside: to a directory, to a file, and dangling.
  fs.symlinkSync(outside, path.join(workspace, 'out-dir'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(workspace, 'out-file'));
  fs.symlinkSync(path.join(outside, 'not-yet.txt'), path.join(workspace, 'dangling'));
  // A symlink that stays inside.
  fs.symlinkSync(path.join(workspace, 'src'), path.join(workspace, 'src-link'));
  return { root, workspace, outside, home, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export function context(sb: Sandbox, over: Partial<PolicyContext> = {}): PolicyContext {
  return {
    workspace: sb.workspace,
    profile: 'read-only',
    allowedBash: ['npm test'],
    allowedTools: [],
    disallowedTools: [],
    forbiddenRoots: [sb.home, path.join(sb.root, 'runner-temp'), path.join(sb.root, 'toolcache')],
    // The relay's real tools: read ones by full name (as the action passes them) plus one short
    // name, write ones by short name; decide() accepts both forms.
    relayTools: {
      read: [...RELAY_READ_TOOLS.filter((n) => !n.endsWith('__get_diff')), 'get_diff'],
      write: [...RELAY_WRITE_TOOL_NAMES],
    },
    ...over,
  };
}
