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
    ['xargs -a /etc/passwd npm test', 'bash:wrapper', /`xargs -a`/],
    ['env FOO=1 npm test', 'bash:assignment', /`env FOO=…`/],
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
    ['/usr/bin/env -S "npm test"', 'bash:wrapper'],
    ['source ./x.sh', 'bash:wrapper'],
    ['. ./x.sh', 'bash:wrapper'],
    ['nohup curl x', 'bash:not-allowed'],
    ['timeout 10 curl x', 'bash:not-allowed'],
    ['timeout npm test', 'bash:wrapper'],
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
    // Where mvdan/sh and bash disagree: bash ends a comment at the newline even after a
    // backslash (the parser would see one command, `npm test curl x`); bash keeps a carriage
    // return in the word (the parser reads it as a blank).
    ['npm test # x \\\ncurl x', 'bash:syntax', /comment/],
    ['npm test #\\\ncurl x', 'bash:syntax', /comment/],
    ['# \\\ncurl x', 'bash:syntax', /comment/],
    ['(npm test) # \\\n> out.txt', 'bash:syntax', /comment/],
    ['if npm test # \\\nthen curl x; fi', 'bash:syntax'],
    ['npm test <<EOF # \\\nEOF\ncurl x\nEOF', 'bash:syntax'],
    ['npm\rtest', 'bash:syntax', /carriage return/],
    ['npm test\r\ncurl x', 'bash:syntax', /carriage return/],
    ['npm test\0', 'bash:syntax', /NUL/],
    ['# only a comment', 'bash:syntax', /empty/],
    // Loop variables are shell variables: PATH, HOME, GIT_DIR, proxies… change what commands do.
    ['for PATH in .; do npm test; done', 'bash:assignment', /`PATH`/],
    ['for HOME in .; do npm test; done', 'bash:assignment', /`HOME`/],
    ['for GIT_DIR in x; do npm test; done', 'bash:assignment'],
    ['for https_proxy in x; do npm test; done', 'bash:assignment'],
    ['select i in a; do npm test; done', 'bash:unsupported', /select/],
    ['for ((i=0; i<2; i++)); do npm test; done', 'bash:expansion', /arithmetic/],
    // Background jobs anywhere, not only at the top level.
    ['(npm test &)', 'bash:background'],
    ['{ npm test & }', 'bash:background'],
    ['npm test | npm test &', 'bash:background'],
    ['if npm test; then npm test; fi &', 'bash:background'],
    ['npm test && (npm test; curl x)', 'bash:not-allowed', /`curl x`/],
    ['npm test -- é && curl ü', 'bash:not-allowed', /`curl ü`/],
    // Expansions the parser reports as nodes, and those it leaves as literal text.
    ['npm test "$(curl x)"', 'bash:substitution'],
    ['npm test "`id`"', 'bash:substitution'],
    ['npm test $[1+1]', 'bash:expansion', /arithmetic/],
    ['npm test $"x"', 'bash:expansion'],
    ['npm test @(a|b)', 'bash:expansion', /extended glob/],
    ['npm test -- !(x)', 'bash:expansion', /extended glob/],
    ['npm test ${#HOME}', 'bash:expansion'],
    ['npm test $1', 'bash:expansion'],
    ['npm test "$@"', 'bash:expansion'],
    ['npm test -- ~root', 'bash:expansion', /~/],
    ['npm test -- --prefix=~/x', 'bash:expansion', /~/],
    ['npm test -- a:~/x', 'bash:expansion', /~/],
    ['npm test {1..3}', 'bash:expansion', /brace/],
    ['npm test --x={a,b}', 'bash:expansion', /brace/],
    ['npm test <<<$HOME', 'bash:expansion'],
    ['npm test <<EOF\n`id`\nEOF', 'bash:heredoc'],
    ['npm test <<EOF\n$(id)\nEOF', 'bash:heredoc'],
    ['npm test > $HOME/x', 'bash:expansion'],
    ['npm test > out*.txt', 'bash:redirect', /wildcards/],
    ['npm test {fd}>out.txt', 'bash:redirect', /named file descriptors/],
    ['npm test >& /etc/passwd', 'bash:redirect', /outside the workspace/],
    ['npm test &> ../x', 'bash:redirect', /outside the workspace/],
    // Other command forms.
    ['export A=1', 'bash:wrapper', /`export`/],
    ['declare -x A=1', 'bash:wrapper', /`declare`/],
    ['local a', 'bash:wrapper'],
    ['readonly a', 'bash:wrapper'],
    ['let x=1', 'bash:expansion', /let/],
    ['function f { npm test; }', 'bash:unsupported', /function/],
    ['A=1', 'bash:assignment'],
    ['a[1]=2', 'bash:assignment'],
    ['a[1]=2 npm test', 'bash:syntax'],
    ['npm test;;', 'bash:syntax'],
    ['\\eval npm test', 'bash:wrapper', /`eval`/],
    ['"eval" npm test', 'bash:wrapper', /`eval`/],
    ['npm test && ( cd x )', 'bash:wrapper', /`cd`/],
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
      rule: 'bash:assignment',
    });
  });

  it('denies builtins that set shell variables even when allowed (PATH, HOME, …)', async () => {
    for (const [command, prefix] of [
      ['printf -v PATH %s . && npm test', 'printf'],
      ['read PATH < README.md; npm test', 'read'],
      ['mapfile -t x < README.md', 'mapfile'],
      ['getopts a PATH', 'getopts'],
    ] as const) {
      expect(await judgeBash(command, [prefix, 'npm test'], sb.workspace)).toMatchObject({
        allowed: false,
        rule: 'bash:wrapper',
      });
    }
  });

  it('denies a for-loop variable that is in the environment', async () => {
    process.env.relay_policy_test_var = 'x';
    try {
      expect(
        await judgeBash('for relay_policy_test_var in a; do npm test; done', ALLOWED, sb.workspace),
      ).toMatchObject({ allowed: false, rule: 'bash:assignment' });
    } finally {
      delete process.env.relay_policy_test_var;
    }
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
    'npm test |& npm test',
    'npm test -- 😀 é',
    'npm test -- a#b \\# \'#\' "#"',
    'npm test # comment\nnpm test',
    'if npm test # comment\nthen npm test; fi',
    'for i in a; { npm test; }',
    'npm test -- {} {',
    'npm te\\st',
    'n"pm" \'test\'',
    'npm test >&2',
    'npm test 2>&-',
    'npm test <&0',
    'npm test 3<>out.txt',
    'npm test >| out.txt',
    'npm test &>> out.txt',
    'npm test 2>&1 <<EOF arg\nbody\nEOF',
    "npm test <<-'EOF'\n\t$HOME `id`\n\tEOF",
    'npm test -- "a\\b\\$c" $ "a$"',
    '! npm test && ! npm test',
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
  it('keeps each command as written, with non-ASCII text', async () => {
    const p = await parseBash('npm test -- é "ü" && curl 😀 2>&1 > x.txt');
    expect(p.ok && p.commands.map((c) => c.source)).toEqual(['npm test -- é "ü"', 'curl 😀 2>&1 > x.txt']);
    expect(p.ok && p.commands[1]?.redirects).toEqual([
      { op: '>&', fd: '2', target: '1', heredoc: false },
      { op: '>', target: 'x.txt', heredoc: false },
    ]);
  });
  it('removes quotes and backslashes as bash does', async () => {
    const p = await parseBash(`a "x\\$y\\z" 'p\\q' r\\ s\\\nt "u\\\nv"`);
    expect(p.ok && p.commands[0]?.words).toEqual(['a', 'x$y\\z', 'p\\q', 'r st', 'uv']);
  });
  it('keeps quoted words whole and removes the quotes', async () => {
    const p = await parseBash(`npm test -- "a b" 'c d' e\\ f`);
    expect(p.ok && p.commands[0]?.words).toEqual(['npm', 'test', '--', 'a b', 'c d', 'e f']);
  });
  it('reports leading assignments separately', async () => {
    const p = await parseBash('A=1 B=2 npm test');
    expect(p.ok && p.commands[0]).toMatchObject({ assignments: ['A=1', 'B=2'], words: ['npm', 'test'] });
  });
  it('refuses what the parser cannot parse', async () => {
    expect(await parseBash('npm test )')).toMatchObject({ ok: false, rule: 'bash:syntax' });
    expect(await parseBash('if npm test; then')).toMatchObject({ ok: false, rule: 'bash:syntax' });
  });
  it("puts back the globals mvdan-sh's runtime changes when it loads", async () => {
    const limit = Error.stackTraceLimit;
    const hadRequire = Object.prototype.hasOwnProperty.call(globalThis, 'require');
    await parseBash('npm test');
    await parseBash('npm test (');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(Number.isFinite(Error.stackTraceLimit)).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(globalThis, 'require')).toBe(hadRequire);
    expect(hadRequire).toBe(false);
  });
});
