import { readSettings, InputError } from '../../src/inputs/settings';

const base: Record<string, string> = { anthropic_api_key: 'sk-ant-x', github_token: 'ghs_x' };
const reader =
  (over: Record<string, string> = {}) =>
  (name: string) =>
    ({ ...base, ...over })[name] ?? '';

describe('readSettings', () => {
  it('applies defaults from action.yml', () => {
    const s = readSettings(reader(), {});
    expect(s.max_turns).toBe(30);
    expect(s.max_budget_usd).toBe(5);
    expect(s.tool_policy).toBe('auto');
    expect(s.trigger_phrase).toBe('/claude');
    expect(s.sessionStore).toBe('fs');
  });
  it('names the bad input and what is allowed', () => {
    expect(() => readSettings(reader({ tool_policy: 'yolo' }), {})).toThrow(
      /^Invalid input tool_policy: must be one of auto, read-only, edit, got "yolo"$/,
    );
    expect(() => readSettings(reader({ max_turns: 'many' }), {})).toThrow(
      /^Invalid input max_turns: must be a whole number/,
    );
  });
  it('refuses to start without credentials', () => {
    expect(() => readSettings(reader({ anthropic_api_key: '' }), {})).toThrow(InputError);
  });
  it('splits allowed_bash by lines only', () => {
    const s = readSettings(reader({ allowed_bash: 'npm test\nnpm run lint, --fix' }), {});
    expect(s.allowed_bash).toEqual(['npm test', 'npm run lint, --fix']);
  });
  it('keeps commas inside a rule and splits between rules', () => {
    const s = readSettings(
      reader({ disallowed_tools: 'Edit(src/{a,{b,c}}.ts), Bash(npm run lint, --fix)\nWebSearch' }),
      {},
    );
    expect(s.disallowed_tools).toEqual(['Edit(src/{a,{b,c}}.ts)', 'Bash(npm run lint, --fix)', 'WebSearch']);
  });
  it.each([
    [
      'disallowed_tools',
      'Read, Bash(rm -rf',
      /^Invalid input disallowed_tools: rule "Bash\(rm -rf" has "\(" without/,
    ],
    [
      'disallowed_tools',
      'Reed(.env)',
      /^Invalid input disallowed_tools: rule "Reed\(\.env\)": Reed is not a tool/,
    ],
    [
      'allowed_tools',
      'WebFetch(github.com)',
      /^Invalid input allowed_tools: rule "WebFetch\(github\.com\)": WebFetch rules take domain:/,
    ],
    [
      'allowed_bash',
      'npm test\nnpm test && curl x',
      /^Invalid input allowed_bash: entry "npm test && curl x": /,
    ],
  ])('a malformed %s entry is an input error naming it', (input, value, message) => {
    expect(() => readSettings(reader({ [input]: value }), {})).toThrow(InputError);
    expect(() => readSettings(reader({ [input]: value }), {})).toThrow(message);
  });
});
