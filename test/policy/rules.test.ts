import {
  bashPrefixWords,
  domainMatches,
  parseRule,
  parseRules,
  pathRuleMatches,
  ruleAppliesTo,
  type ToolRule,
} from '../../src/policy/rules';

const base = { workspace: '/ws', home: '/home/u' };
const rule = (entry: string): ToolRule => {
  const r = parseRule(entry, base);
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
  ])('%s vs %s → %s', (entry, p, expected) => {
    expect(pathRuleMatches(rule(entry), p)).toBe(expected);
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
