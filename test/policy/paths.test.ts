import fs from 'node:fs';
import path from 'node:path';
import {
  checkGlobPattern,
  checkReadPath,
  checkWritePath,
  PROTECTED_PATHS,
  protectedPath,
  protectedReason,
  realpathNearest,
} from '../../src/policy/paths';
import { makeSandbox, type Sandbox } from './fixtures';

let sb: Sandbox;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const ctx = () => ({ workspace: sb.workspace, forbiddenRoots: [sb.home] });

describe('realpathNearest', () => {
  it('resolves existing paths and re-appends the missing tail', () => {
    expect(realpathNearest(path.join(sb.workspace, 'src', 'a.ts'))).toBe(
      path.join(sb.workspace, 'src', 'a.ts'),
    );
    expect(realpathNearest(path.join(sb.workspace, 'new', 'deep', 'x.ts'))).toBe(
      path.join(sb.workspace, 'new', 'deep', 'x.ts'),
    );
  });
  it('follows symlinks, dangling ones included', () => {
    expect(realpathNearest(path.join(sb.workspace, 'out-dir', 'missing', 'x'))).toBe(
      path.join(sb.outside, 'missing', 'x'),
    );
    expect(realpathNearest(path.join(sb.workspace, 'dangling'))).toBe(path.join(sb.outside, 'not-yet.txt'));
  });
  it('refuses symlink loops', () => {
    const a = path.join(sb.root, 'loop-a');
    const b = path.join(sb.root, 'loop-b');
    fs.symlinkSync(b, a);
    fs.symlinkSync(a, b);
    expect(() => realpathNearest(path.join(a, 'x'))).toThrow();
  });
});

describe('checkReadPath / checkWritePath', () => {
  it.each([
    ['src/a.ts', true],
    ['./src/../README.md', true],
    ['src-link/a.ts', true],
    ['../outside/secret.txt', false],
    ['out-file', false],
    ['/etc/passwd', false],
    ['/proc/self/environ', false],
    ['.git/config', false],
  ])('read %s → %s', (p, ok) => {
    expect(checkReadPath(p, ctx()).ok).toBe(ok);
  });
  it('names the forbidden root for $HOME', () => {
    expect(checkReadPath(path.join(sb.home, '.ssh', 'id_rsa'), ctx())).toMatchObject({
      ok: false,
      rule: 'path:forbidden',
    });
  });
  it('ignores forbidden roots that contain the workspace', () => {
    expect(checkReadPath('src/a.ts', { workspace: sb.workspace, forbiddenRoots: [sb.root] }).ok).toBe(true);
  });
  it('applies forbidden roots inside the workspace', () => {
    const inner = path.join(sb.workspace, 'runner-temp');
    expect(
      checkReadPath('runner-temp/x', { workspace: sb.workspace, forbiddenRoots: [inner] }),
    ).toMatchObject({ ok: false, rule: 'path:forbidden' });
  });
  it.each([
    ['src/b.ts', true],
    ['.github/workflows/ci.yml', false],
    ['.GitHub/Workflows/ci.yml', false],
    ['.git/config', false],
    ['pkg/.git', false],
    ['.claude/settings.json', false],
    ['.mcp.json', false],
    ['docs/.mcp.json', false],
    ['.github/ISSUE_TEMPLATE.md', false],
    ['CLAUDE.md', false],
    ['docs/deep/claude.MD', false],
    ['CLAUDE.local.md', false],
    ['.gitmodules', false],
    ['.husky/pre-commit', false],
    ['.Claude/commands/x.md', false],
    ['docs/CLAUDE.md.bak', true],
    ['src/.gitignore', true],
    ['github/x', true],
    ['out-dir/x', false],
    ['dangling', false],
    ['.', false],
  ])('write %s → %s', (p, ok) => {
    expect(checkWritePath(p, ctx()).ok).toBe(ok);
  });
  it('refuses `..` after a symlink when the kernel would land elsewhere', () => {
    expect(checkWritePath('out-dir/../escaped.txt', ctx())).toMatchObject({
      ok: false,
      rule: 'path:ambiguous',
    });
    expect(checkReadPath('src-link/../README.md', ctx()).ok).toBe(true);
    expect(checkReadPath('src/../README.md', ctx()).ok).toBe(true);
  });
  it('rejects NUL bytes and non-strings', () => {
    expect(checkReadPath('a\0b', ctx())).toMatchObject({ ok: false, rule: 'path:invalid' });
    expect(checkReadPath(undefined, ctx())).toMatchObject({ ok: false, rule: 'path:invalid' });
    expect(checkReadPath('~other/x', ctx())).toMatchObject({ ok: false, rule: 'path:invalid' });
  });
  it('protectedReason names the protected part', () => {
    expect(protectedReason(path.join('.github', 'workflows', 'x.yml'))).toMatch(/^\.github\//);
    expect(protectedReason(path.join('src', 'x.ts'))).toBeUndefined();
  });
  it('allow_config_writes opens the configuration but never .git', () => {
    const open = { ...ctx(), allowConfigWrites: true };
    for (const p of ['CLAUDE.md', '.mcp.json', '.claude/settings.json', '.github/workflows/ci.yml'])
      expect(checkWritePath(p, open).ok).toBe(true);
    expect(checkWritePath('.git/hooks/pre-commit', open)).toMatchObject({
      ok: false,
      rule: 'path:protected',
    });
    expect(checkWritePath('CLAUDE.md', ctx())).toMatchObject({
      ok: false,
      rule: 'path:protected',
      reason: expect.stringContaining('allow_config_writes'),
    });
  });
  it('a symbolic link named like a protected file is protected as written', () => {
    fs.writeFileSync(path.join(sb.workspace, 'notes.md'), 'x');
    fs.symlinkSync('notes.md', path.join(sb.workspace, 'CLAUDE.md'));
    try {
      expect(checkWritePath('CLAUDE.md', ctx())).toMatchObject({ ok: false, rule: 'path:protected' });
      expect(checkWritePath('notes.md', ctx()).ok).toBe(true);
    } finally {
      fs.rmSync(path.join(sb.workspace, 'CLAUDE.md'));
    }
  });
});

describe('the protected list (one definition for the policy, the push tool and the sandbox)', () => {
  it('every entry of the list is matched by protectedPath, in any case and folder', () => {
    for (const { glob } of PROTECTED_PATHS) {
      const sample = glob.replace(/^\*\*\//, 'a/B/').replace(/\/\*\*$/, '/x/y');
      expect(protectedPath(sample)).toBeDefined();
      expect(protectedPath(sample.toUpperCase())).toBeDefined();
    }
  });
});

describe('checkGlobPattern', () => {
  it.each([
    ['**/*.ts', true],
    ['src/**', true],
    ['src/../lib/*.ts', true],
    [undefined, true],
    ['/etc/*', false],
    ['~/.ssh/*', false],
    ['../*', false],
    ['**/../../x', false],
    ['src/{..,x}/y', false],
  ])('%s → %s', (p, ok) => {
    expect(checkGlobPattern(p).ok).toBe(ok);
  });
});
