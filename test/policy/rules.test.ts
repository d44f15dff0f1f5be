import {
  allowedBashProblem,
  bashPrefixWords,
  domainMatches,
  parseRule,
  parseRules,
  pathRuleMatches,
  ruleAppliesTo,
  ruleProblem,
  type ToolRule,
} from '../../src/policy/rules';

const base = { workspace: '/ws', home: '/home/u' };
const rule = (entry: string, nocase = false): ToolRule => {
  const r = parseRule(entry, { ...base, nocase });
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('parseRule', () => {
  it.each([
    ['Read', { tool: 'Read', kind: 'none' }],
    ['Bash(npm run build:*)', { tool: 'Bash', kind: 'bash', bashPrefix: ['npm', 'run', 'build'] }],
    ['Bash(npm test)', { tool: 'Bash', kind: 'bash', bashPrefix: ['npm', 'test'] }],
    ['Read(docs/**)', { tool: 'Read', kind: 'path', pathPattern: '/ws/docs/**' }],
    ['Edit(src/**)', { tool: 'Edit', kind: 'path', pathPattern: '/ws/src/**' }],
    ['WebFetch(domain:example.com)', { tool: 'WebFetch', kind: 'domain', domain: 'example.com' }],
    ['mcp__server__tool', { tool: 'mcp__server__tool', kind: 'none' }],
    ['Task(reviewer)', { tool: 'Task', kind: 'subagent', specifier: 'reviewer' }],
    ['WebSearch(anything)', { tool: 'WebSearch', kind: 'unsupported' }],
  ])('%s', (entry, expected) => {
    expect(rule(entry)).toMatchObject(expected);
  });
  it('reports malformed entries', () => {
    const { rules, errors } = parseRules(['Read', 'Bash(npm test', '(x)', ''], base);
    expect(rules.map((r) => r.tool)).toEqual(['Read']);
    expect(errors).toHaveLength(2);
  });
});

describe('path specifiers', () => {
  it.each([
    ['Read(docs/**)', '/ws/docs/a/b.md', true],
    ['Read(docs/**)', '/ws/src/docs/a.md', false],
    ['Read(docs)', '/ws/docs/a.md', true],
    ['Read(*.env)', '/ws/config/prod.env', true],
    ['Read(.env)', '/ws/.env', true],
    ['Read(/src/*.ts)', '/ws/src/a.ts', true],
    ['Read(/src/*.ts)', '/ws/src/x/a.ts', false],
    ['Read(//etc/**)', '/etc/passwd', true],
    ['Read(~/.ssh/**)', '/home/u/.ssh/id_rsa', true],
    ['Edit(src/**/*.{ts,tsx})', '/ws/src/a/b.tsx', true],
    ['Edit(src/**/*.{ts,tsx})', '/ws/src/a/b.js', false],
    // Nested braces (the hand-written matcher took `{a,{b,c}` as the alternatives).
    ['Edit(src/{a,{b,c}}.ts)', '/ws/src/c.ts', true],
    ['Edit(src/{a,{b,c}}.ts)', '/ws/src/b.ts', true],
    ['Edit(src/{a,{b,c}}.ts)', '/ws/src/a.ts', true],
    ['Edit(src/{a,{b,c}}.ts)', '/ws/src/d.ts', false],
    ['Edit(src/{a,{b,c}}.ts)', '/ws/src/{b.ts', false],
    // Classes: `]` first is a member, `!` negates, POSIX names, ranges.
    ['Edit(src/[]]x.ts)', '/ws/src/]x.ts', true],
    ['Edit(src/[]]x.ts)', '/ws/src/x.ts', false],
    ['Edit(src/[!a]x.ts)', '/ws/src/bx.ts', true],
    ['Edit(src/[!a]x.ts)', '/ws/src/ax.ts', false],
    ['Edit(src/[a-c]x.ts)', '/ws/src/bx.ts', true],
    ['Edit(src/[[:digit:]]x.ts)', '/ws/src/7x.ts', true],
    ['Edit(src/[[:digit:]]x.ts)', '/ws/src/ax.ts', false],
    ['Edit(src/?.ts)', '/ws/src/a.ts', true],
    ['Edit(src/?.ts)', '/ws/src/ab.ts', false],
    // `*` stays in one directory, `**` spans any number (zero included).
    ['Edit(src/*)', '/ws/src/a/b.ts', true], // through the ancestor src/a
    ['Edit(src/*.ts)', '/ws/src/a/b.ts', false],
    ['Edit(src/**/b.ts)', '/ws/src/b.ts', true],
    ['Edit(src/**/b.ts)', '/ws/src/x/y/b.ts', true],
    ['Edit(**/secret/**)', '/ws/a/secret/k.pem', true],
    ['Edit(**/secret/**)', '/ws/a/secrets/k.pem', false],
    // Dotfiles are matched like any other name (gitignore has no hidden files).
    ['Read(*.env)', '/ws/.env', true],
    ['Read(src/*)', '/ws/src/.hidden', true],
    ['Read(src/**)', '/ws/src/.git/config', true],
    ['Read(.github/)', '/ws/a/.github/workflows/ci.yml', true],
    // A leading `!` is a literal character, never a negation.
    ['Edit(!secret.ts)', '/ws/other.ts', false],
    ['Edit(!secret.ts)', '/ws/!secret.ts', true],
    // An escaped metacharacter is literal.
    ['Edit(src/\\*.ts)', '/ws/src/*.ts', true],
    ['Edit(src/\\*.ts)', '/ws/src/a.ts', false],
    // Case: allow rules match exactly.
    ['Edit(src/A.ts)', '/ws/src/a.ts', false],
    // Anchors: not beneath the base, no match.
    ['Read(//etc/**)', '/ws/etc/passwd', false],
    ['Read(~/.ssh/**)', '/ws/.ssh/id_rsa', false],
    ['Read(~)', '/home/u/anything', true],
  ])('%s vs %s → %s', (entry, p, expected) => {
    expect(pathRuleMatches(rule(entry), p)).toBe(expected);
  });

  it.each([
    ['Edit(src/A.ts)', '/ws/src/a.ts'],
    ['Edit(SRC/**)', '/ws/src/x.ts'],
    ['Read(.ENV)', '/ws/config/.env'],
    ['Read(~/.SSH/**)', '/home/u/.ssh/id_rsa'],
  ])('deny rules ignore case: %s covers %s', (entry, p) => {
    expect(pathRuleMatches(rule(entry, true), p)).toBe(true);
    expect(pathRuleMatches(rule(entry, false), p)).toBe(false);
  });
});

describe('ruleProblem: entries that cannot do what they say are refused, naming them', () => {
  it.each([
    ['Bash(npm test', 'disallowed_tools', /"Bash\(npm test" has "\(" without a closing "\)"/],
    ['(x)', 'allowed_tools', /does not start with a tool name/],
    ['Reed(src/**)', 'disallowed_tools', /rule "Reed\(src\/\*\*\)": Reed is not a tool the relay offers/],
    ['WebFetch(example.com)', 'allowed_tools', /WebFetch rules take domain:<host>/],
    ['WebFetch(domain:https://x.com)', 'allowed_tools', /is not a host name/],
    ['WebSearch(cats)', 'disallowed_tools', /WebSearch takes no \(…\) specifier/],
    ['mcp__github__get_issue(x)', 'allowed_tools', /takes no/],
    ['Bash(npm test && curl x)', 'allowed_tools', /shell operators/],
    ['Bash(git commit -m "x")', 'disallowed_tools', /quotes/],
    ['Bash(git * main)', 'allowed_tools', /only a trailing `\*`/],
  ] as const)('%s in %s', (entry, list, message) => {
    expect(ruleProblem(entry, list)).toMatch(message);
  });

  it.each([
    ['Read', 'allowed_tools'],
    ['Edit(src/{a,{b,c}}.ts)', 'disallowed_tools'],
    ['Bash', 'disallowed_tools'],
    ['Bash(*)', 'allowed_tools'],
    ['Bash(npm run build:*)', 'allowed_tools'],
    ['Bash(git diff *)', 'allowed_tools'],
    // A deny rule with an inner `*` denies the words before it (broader, never narrower).
    ['Bash(git * main)', 'disallowed_tools'],
    ['WebFetch(domain:*.example.com)', 'allowed_tools'],
    ['Task(reviewer)', 'allowed_tools'],
    ['mcp__github', 'allowed_tools'],
    ['mcp__github__*', 'disallowed_tools'],
    ['mcp__relay__commit_and_push', 'disallowed_tools'],
    ['TodoWrite', 'disallowed_tools'],
  ] as const)('%s in %s is fine', (entry, list) => {
    expect(ruleProblem(entry, list)).toBeUndefined();
  });

  it('allowed_bash entries must name a command and be plain words', () => {
    expect(allowedBashProblem('npm test')).toBeUndefined();
    expect(allowedBashProblem('npm run lint, --fix')).toBeUndefined();
    expect(allowedBashProblem('npm run build:*')).toBeUndefined();
    expect(allowedBashProblem('*')).toMatch(/entry "\*": it names no command/);
    expect(allowedBashProblem('npm test; curl x')).toMatch(/entry "npm test; curl x": .*shell operators/);
    expect(allowedBashProblem('npm $SCRIPT')).toMatch(/expansions/);
    expect(allowedBashProblem('git * main')).toMatch(/only a trailing/);
  });
});

describe('helpers', () => {
  it('bashPrefixWords drops wildcards', () => {
    expect(bashPrefixWords('npm run build:*')).toEqual(['npm', 'run', 'build']);
    expect(bashPrefixWords('git diff *')).toEqual(['git', 'diff']);
    expect(bashPrefixWords('*')).toEqual([]);
  });
  it('ruleAppliesTo knows the tool families', () => {
    expect(ruleAppliesTo('Read', 'Grep')).toBe(true);
    expect(ruleAppliesTo('Edit', 'Write')).toBe(true);
    expect(ruleAppliesTo('Write', 'Edit')).toBe(false);
    expect(ruleAppliesTo('Task', 'Agent')).toBe(true);
    expect(ruleAppliesTo('mcp__gh', 'mcp__gh__x')).toBe(true);
    expect(ruleAppliesTo('mcp__gh__*', 'mcp__gh__x')).toBe(true);
    expect(ruleAppliesTo('mcp__gh', 'mcp__ghx__x')).toBe(false);
  });
  it('domainMatches', () => {
    expect(domainMatches('example.com', 'example.com', false)).toBe(true);
    expect(domainMatches('example.com', 'a.example.com', false)).toBe(false);
    expect(domainMatches('example.com', 'a.example.com', true)).toBe(true);
    expect(domainMatches('*.example.com', 'a.example.com', false)).toBe(true);
    expect(domainMatches('example.com', 'evilexample.com', true)).toBe(false);
  });
});
