/** Small git helpers for e2e workspaces (argument arrays only, never a shell string). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ID = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...ID, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** A repository with a base commit and a head commit on top; the head is checked out. */
export function repoWithBaseAndHead(base: Record<string, string>, head: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-git-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, base);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeFiles(dir, head);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'head');
  const headSha = git(dir, 'rev-parse', 'HEAD');
  return { dir, baseSha, headSha };
}
