import { judgeBash, parseBash } from '../../src/policy/bash';
import { makeSandbox, type Sandbox } from './fixtures';

let sb: Sandbox;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const ALLOWED = ['npm test'];

describe('judgeBash: attacks are denied', () => {
  // Rows are padded to three cells: jest treats a callback with more parameters than the row
  // has cells as a done-callback test.
  const attacks: [string, string, RegExp?][] = [
    ['echo $ANTHROPIC_API_KEY', 'bash:expansion', /parameter expansion \(\$ANTHROPIC_API_KEY\)/],
    ['env', 'bash:wrapper', /`env`/],
    ['npm test && curl x', 'bash:not-allowed', /`curl x` is not an allowed command \(allowed: npm test\)/],
    ['npm test; rm -rf .', 'bash:not-allowed', /`rm -rf \.`/],
    ['npm test $(curl x)', 'bash:substitution', /command substitution \$\(…\)/],
    ['npm test `id`', 'bash:substitution', /command substitution `…`/],
    ['bash -c "npm test"', 'bash:wrapper', /bash -c/],
    ['npm test\ncurl x', 'bash:not-allowed', /`curl x`/],
    ['npm test | sh', 'bash:wrapper', /`sh`/],
    ['npm test > /etc/passwd', 'bash:redirect', /outside the workspace/],
    ['npm test &', 'bash:background'],
    ['FOO=$(id) npm test', 'bash:substitution'],
    ['eval npm test', 'bash:wrapper', /`eval`/],
    ['exec npm test', 'bash:wrapper', /`exec`/],
    ['xargs npm test', 'bash:wrapper', /`xargs`/],
    ['env npm test', 'bash:wrapper', /`env`/],
    ['npm test <(curl x)', 'bash:substitution', /process substitution/],
    // More of the same family.
    ['FOO=1 npm test', 'bash:assignment', /variable assignments/],
    ['npm testx', 'bash:not-allowed'],
    ['npm', 'bash:not-allowed'],
    ['npm test >> ~/.bashrc', 'bash:expansion', /~/],
    ['npm test > ../x', 'bash:redirect', /outside the workspace/],
    ['npm test > .git/hooks/pre-commit', 'bash:redirect', /protected/],
    ['npm test > .github/workflows/ci.yml', 'bash:redirect', /protected/],
    ['npm test > out-dir/x.txt', 'bash:redirect', /outside the workspace/],
    ['npm test > dangling', 'bash:redirect', /outside the workspace/],
    ['npm test > out-dir/../escaped.txt', 'bash:redirect', /symbolic link/],
    ['npm test < /proc/self/environ', 'bash:redirect', /\/proc/],
    ['npm test > /dev/tcp/example.com/80', 'bash:redirect'],
    ['npm test ${HOME}', 'bash:expansion'],
    ['npm test "$HOME"', 'bash:expansion'],
    ["npm test $'\\x41'", 'bash:expansion'],
    ['npm test $((1+1))', 'bash:expansion', /arithmetic/],
    ['npm test {a,b}', 'bash:expansion', /brace/],
    ['npm test > >(curl x)', 'bash:substitution'],
    ['sh -c "npm test"', 'bash:wrapper'],
    ['zsh -c "npm test"', 'bash:wrapper'],
    ['dash -c "npm test"', 'bash:wrapper'],
    ['bash -ec "npm test"', 'bash:wrapper'],
    ['/usr/bin/env npm test', 'bash:wrapper'],
    ['source ./x.sh', 'bash:wrapper'],
    ['. ./x.sh', 'bash:wrapper'],
    ['nohup npm test', 'bash:wrapper'],
    ['timeout 10 npm test', 'bash:wrapper'],
    ['sudo npm test', 'bash:wrapper'],
    ['command npm test', 'bash:wrapper'],
    ['builtin npm test', 'bash:wrapper'],
    ['time npm test', 'bash:wrapper'],
    ['cd /tmp && npm test', 'bash:wrapper'],
    ['coproc npm test', 'bash:unsupported'],
    ['f() { npm test; }; f', 'bash:unsupported', /function/],
    ['case x in a) npm test;; esac', 'bash:unsupported'],
    ['[[ -f x ]] && npm test', 'bash:unsupported'],
    ['((1)) && npm test', 'bash:expansion'],
    ['npm test <<EOF\n$ANTHROPIC_API_KEY\nEOF', 'bash:heredoc'],
    ['> src/a.ts', 'bash:redirect', /without a command/],
    ['npm test || curl x', 'bash:not-allowed'],
    ['(curl x)', 'bash:not-allowed'],
    ['{ curl x; }', 'bash:not-allowed'],
    ['if npm test; then curl x; fi', 'bash:not-allowed'],
    ['while npm test; do curl x; done', 'bash:not-allowed'],
    ['for i in 1 2; do curl x; done', 'bash:not-allowed'],
    ['npm test | npm test | curl x', 'bash:not-allowed'],
    ['npm test (', 'bash:syntax'],
    ['npm test "unterminated', 'bash:syntax'],
    ['', 'bash:syntax'],
  ];
  const rows = attacks.map(([command, rule, reason]): [string, string, RegExp | undefined] => [
    command,
    rule,
    reason,
  ]);
  it.each(rows)('%j → %s', async (command, rule, reason) => {
    const v = await judgeBash(command, ALLOWED, sb.workspace);
    expect(v).toMatchObject({ allowed: false, rule });
    if (!v.allowed) {
      expect(v.reason).toMatch(/^Bash: /);
      if (reason) expect(v.reason).toMatch(reason);
    }
  });

  it('denies everything when allowed_bash is empty', async () => {
    expect(await judgeBash('npm test', [], sb.workspace)).toMatchObject({
      allowed: false,
      rule: 'bash:not-allowed',
    });
    expect(await judgeBash('npm test', ['  '], sb.workspace)).toMatchObject({
      allowed: false,
      rule: 'bash:not-allowed',
    });
  });

  it('denies wrappers with -c even when an allowed prefix starts with them', async () => {
    expect(await judgeBash('bash -c "npm test"', ['bash'], sb.workspace)).toMatchObject({
      allowed: false,
      rule: 'bash:wrapper',
    });
    expect(await judgeBash('env FOO=1 npm test', ['env'], sb.workspace)).toMatchObject({
      allowed: false,
      rule: 'bash:wrapper',
    });
  });
});

describe('judgeBash: allowed commands', () => {
  const allowed = [
    'npm test',
    'npm test -- --runInBand',
    'npm test 2>&1 | npm test',
    'npm test > out.txt',
    'npm test >> out.txt 2>&1',
    'npm test >/dev/null 2>&1',
    'npm test &> src/out.log',
    'npm test < README.md',
    'npm test && npm test || npm test; npm test',
    'npm test\nnpm test\n',
    'npm "test" \'--\' "a b"',
    'npm test -- \'$HOME\' "\\$HOME"',
    'npm test # trailing comment',
    '! npm test',
    '(npm test)',
    '{ npm test; } > out.txt',
    'if npm test; then npm test; elif npm test; then npm test; else npm test; fi',
    'while npm test; do npm test; done',
    'until npm test; do npm test; done',
    'for i in 1 2; do npm test; done',
    "npm test <<'EOF'\n$not_expanded\nEOF",
    'npm test <<EOF\nplain text\nEOF',
    'npm test <<< "input"',
    'npm test -- HEAD~1 src/*.ts',
    'npm test \\\n  --verbose',
    'npm test -- é ü',
    'npm test > src-link/out.txt',
  ];
  it.each(allowed)('%j', async (command) => {
    expect(await judgeBash(command, ALLOWED, sb.workspace)).toEqual({ allowed: true });
  });

  it('matches prefixes on word boundaries and strips :* wildcards', async () => {
    expect(await judgeBash('npm run build:prod', ['npm run build:*'], sb.workspace)).toMatchObject({
      allowed: false,
    });
    expect(await judgeBash('npm run build -- --prod', ['npm run build:*'], sb.workspace)).toEqual({
      allowed: true,
    });
    expect(await judgeBash('npm run lint', ['npm test', 'npm run lint'], sb.workspace)).toEqual({
      allowed: true,
    });
  });

  it('applies denied prefixes to every command', async () => {
    const v = await judgeBash('npm test && npm test -- --bail', ALLOWED, sb.workspace, {
      deniedPrefixes: [
        { words: ['npm', 'test', '--', '--bail'], rule: 'disallowed_tools:Bash(npm test -- --bail)' },
      ],
    });
    expect(v).toMatchObject({ allowed: false, rule: 'disallowed_tools:Bash(npm test -- --bail)' });
  });
});

describe('parseBash', () => {
  it('returns every simple command, nested ones included', async () => {
    const p = await parseBash('npm test && (npm run a | npm run b); if x; then y > out.txt; fi');
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.statements).toBe(2);
    expect(p.commands.map((c) => c.words)).toEqual([
      ['npm', 'test'],
      ['npm', 'run', 'a'],
      ['npm', 'run', 'b'],
      ['x'],
      ['y'],
    ]);
    expect(p.commands[4]?.redirects).toEqual([{ op: '>', target: 'out.txt', heredoc: false }]);
  });
  it('keeps quoted words whole and removes the quotes', async () => {
    const p = await parseBash(`npm test -- "a b" 'c d' e\\ f`);
    expect(p.ok && p.commands[0]?.words).toEqual(['npm', 'test', '--', 'a b', 'c d', 'e f']);
  });
  it('reports leading assignments separately', async () => {
    const p = await parseBash('A=1 B=2 npm test');
    expect(p.ok && p.commands[0]).toMatchObject({ assignments: ['A=1', 'B=2'], words: ['npm', 'test'] });
  });
  it('refuses what sh-syntax cannot parse', async () => {
    expect(await parseBash('npm test )')).toMatchObject({ ok: false, rule: 'bash:syntax' });
    expect(await parseBash('if npm test; then')).toMatchObject({ ok: false, rule: 'bash:syntax' });
  });
});
