import path from 'node:path';
import { decide, type Decision, type PolicyContext } from '../../src/policy/decide';
import { context, makeSandbox, type Sandbox } from './fixtures';

let sb: Sandbox;
const savedHome = process.env.HOME;
beforeAll(() => {
  sb = makeSandbox();
  process.env.HOME = sb.home;
});
afterAll(() => {
  process.env.HOME = savedHome;
  sb.cleanup();
});

const run = (
  toolName: string,
  input: Record<string, unknown>,
  over: Partial<PolicyContext> = {},
): Promise<Decision> => decide({ toolName, input }, context(sb, over));

type Row = [
  label: string,
  toolName: string,
  input: () => Record<string, unknown>,
  over: Partial<PolicyContext>,
  rule: string,
];

const edit: Partial<PolicyContext> = { profile: 'edit' };

describe('decide: attacks are denied', () => {
  const rows: Row[] = [
    ['Read /proc/self/environ', 'Read', () => ({ file_path: '/proc/self/environ' }), {}, 'path:forbidden'],
    ['Read ~/.ssh/id_rsa', 'Read', () => ({ file_path: '~/.ssh/id_rsa' }), {}, 'path:forbidden'],
    [
      'Read $HOME/.ssh/id_rsa (absolute)',
      'Read',
      () => ({ file_path: path.join(sb.home, '.ssh', 'id_rsa') }),
      {},
      'path:forbidden',
    ],
    [
      'Read ../outside/secret.txt',
      'Read',
      () => ({ file_path: '../outside/secret.txt' }),
      {},
      'path:outside-workspace',
    ],
    [
      'Read through a symlinked file',
      'Read',
      () => ({ file_path: 'out-file' }),
      {},
      'path:outside-workspace',
    ],
    ['Read .git/config (credentials)', 'Read', () => ({ file_path: '.git/config' }), {}, 'path:git-internal'],
    ['Read with a NUL byte', 'Read', () => ({ file_path: 'src/a.ts\0.png' }), {}, 'path:invalid'],
    ['Read without a path', 'Read', () => ({}), {}, 'path:invalid'],
    [
      'Bash echo $ANTHROPIC_API_KEY',
      'Bash',
      () => ({ command: 'echo $ANTHROPIC_API_KEY' }),
      edit,
      'bash:expansion',
    ],
    ['Bash env', 'Bash', () => ({ command: 'env' }), edit, 'bash:wrapper'],
    [
      'Write ../outside.txt',
      'Write',
      () => ({ file_path: '../outside.txt', content: 'x' }),
      edit,
      'path:outside-workspace',
    ],
    [
      'Write through a symlinked dir',
      'Write',
      () => ({ file_path: 'out-dir/new.txt', content: 'x' }),
      edit,
      'path:outside-workspace',
    ],
    [
      'Write through a symlink and ..',
      'Write',
      () => ({ file_path: 'out-dir/../escaped.txt', content: 'x' }),
      edit,
      'path:ambiguous',
    ],
    [
      'Write through a dangling symlink',
      'Write',
      () => ({ file_path: 'dangling', content: 'x' }),
      edit,
      'path:outside-workspace',
    ],
    [
      'Write a not-yet-existing file under a symlinked dir',
      'Write',
      () => ({ file_path: path.join(sb.workspace, 'out-dir', 'deep', 'new.txt'), content: 'x' }),
      edit,
      'path:outside-workspace',
    ],
    [
      'Edit .github/workflows/ci.yml',
      'Edit',
      () => ({ file_path: '.github/workflows/ci.yml', old_string: 'a', new_string: 'b' }),
      edit,
      'path:protected',
    ],
    [
      'Write .git/hooks/pre-commit',
      'Write',
      () => ({ file_path: '.git/hooks/pre-commit', content: 'x' }),
      edit,
      'path:protected',
    ],
    [
      'Write .claude/settings.json',
      'Write',
      () => ({ file_path: '.claude/settings.json', content: '{}' }),
      edit,
      'path:protected',
    ],
    ['Write .mcp.json', 'Write', () => ({ file_path: '.mcp.json', content: '{}' }), edit, 'path:protected'],
    [
      'Write docs/Claude.md',
      'Write',
      () => ({ file_path: 'docs/Claude.md', content: 'x' }),
      edit,
      'path:protected',
    ],
    [
      'Write .github/CODEOWNERS',
      'Write',
      () => ({ file_path: '.github/CODEOWNERS', content: 'x' }),
      edit,
      'path:protected',
    ],
    [
      'Edit .husky/pre-commit',
      'Edit',
      () => ({ file_path: '.husky/pre-commit', old_string: 'a', new_string: 'b' }),
      edit,
      'path:protected',
    ],
    [
      'Write nested .git file',
      'Write',
      () => ({ file_path: 'vendor/sub/.git', content: 'gitdir: /x' }),
      edit,
      'path:protected',
    ],
    [
      'MultiEdit .github/workflows/x.yml',
      'MultiEdit',
      () => ({ file_path: '.github/workflows/x.yml', edits: [] }),
      edit,
      'path:protected',
    ],
    [
      'NotebookEdit outside',
      'NotebookEdit',
      () => ({ notebook_path: '/tmp/x.ipynb', new_source: '' }),
      edit,
      'path:outside-workspace',
    ],
    ['Glob with an absolute pattern', 'Glob', () => ({ pattern: '/etc/*' }), {}, 'path:outside-workspace'],
    ['Glob with an escaping pattern', 'Glob', () => ({ pattern: '../**/*' }), {}, 'path:outside-workspace'],
    ['Glob in an outside path', 'Glob', () => ({ pattern: '*', path: '/etc' }), {}, 'path:outside-workspace'],
    ['Grep in $HOME', 'Grep', () => ({ pattern: 'KEY', path: sb.home }), {}, 'path:forbidden'],
    [
      'Grep with an escaping glob',
      'Grep',
      () => ({ pattern: 'x', glob: 'src/../../**' }),
      {},
      'path:outside-workspace',
    ],
    ['LS /', 'LS', () => ({ path: '/' }), {}, 'path:outside-workspace'],
    ['npm test && curl x', 'Bash', () => ({ command: 'npm test && curl x' }), edit, 'bash:not-allowed'],
    ['npm test; rm -rf .', 'Bash', () => ({ command: 'npm test; rm -rf .' }), edit, 'bash:not-allowed'],
    ['npm test $(curl x)', 'Bash', () => ({ command: 'npm test $(curl x)' }), edit, 'bash:substitution'],
    ['npm test `id`', 'Bash', () => ({ command: 'npm test `id`' }), edit, 'bash:substitution'],
    ['bash -c "npm test"', 'Bash', () => ({ command: 'bash -c "npm test"' }), edit, 'bash:wrapper'],
    ['npm test<newline>curl x', 'Bash', () => ({ command: 'npm test\ncurl x' }), edit, 'bash:not-allowed'],
    ['npm test | sh', 'Bash', () => ({ command: 'npm test | sh' }), edit, 'bash:wrapper'],
    ['npm test > /etc/passwd', 'Bash', () => ({ command: 'npm test > /etc/passwd' }), edit, 'bash:redirect'],
    ['npm test &', 'Bash', () => ({ command: 'npm test &' }), edit, 'bash:background'],
    ['FOO=$(id) npm test', 'Bash', () => ({ command: 'FOO=$(id) npm test' }), edit, 'bash:substitution'],
    ['eval npm test', 'Bash', () => ({ command: 'eval npm test' }), edit, 'bash:wrapper'],
    ['exec npm test', 'Bash', () => ({ command: 'exec npm test' }), edit, 'bash:wrapper'],
    ['xargs curl', 'Bash', () => ({ command: 'xargs curl' }), edit, 'bash:not-allowed'],
    ['env FOO=1 npm test', 'Bash', () => ({ command: 'env FOO=1 npm test' }), edit, 'bash:assignment'],
    ['npm test <(curl x)', 'Bash', () => ({ command: 'npm test <(curl x)' }), edit, 'bash:substitution'],
    [
      'Bash run_in_background',
      'Bash',
      () => ({ command: 'npm test', run_in_background: true }),
      edit,
      'bash:background',
    ],
    ['Bash in the read-only profile', 'Bash', () => ({ command: 'npm test' }), {}, 'profile:read-only'],
    [
      'Bash with empty allowed_bash',
      'Bash',
      () => ({ command: 'npm test' }),
      { profile: 'edit', allowedBash: [] },
      'bash:not-allowed',
    ],
    ['WebFetch', 'WebFetch', () => ({ url: 'https://example.com/', prompt: 'x' }), edit, 'network:off'],
    ['WebSearch', 'WebSearch', () => ({ query: 'x' }), edit, 'network:off'],
    [
      'Edit src/a.ts in the read-only profile',
      'Edit',
      () => ({ file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }),
      {},
      'profile:read-only',
    ],
    ['Task (subagent)', 'Task', () => ({ description: 'x', prompt: 'y' }), edit, 'tool:subagent'],
    ['Agent (subagent)', 'Agent', () => ({ description: 'x', prompt: 'y' }), edit, 'tool:subagent'],
    [
      'an unknown tool',
      'Monitor',
      () => ({ command: 'curl x', description: 'd', timeout_ms: 1 }),
      edit,
      'tool:unknown',
    ],
    ['a relay write tool in read-only', 'mcp__relay__commit_and_push', () => ({}), {}, 'profile:read-only'],
    ['an unclassified relay tool', 'mcp__relay__something_new', () => ({}), edit, 'mcp:unknown'],
    ['another MCP server', 'mcp__github__create_issue', () => ({}), edit, 'mcp:not-allowed'],
  ];
  it.each(rows)('%s', async (_label, toolName, input, over, rule) => {
    const d = await run(toolName, input(), over);
    expect(d).toMatchObject({ behavior: 'deny', rule });
    if (d.behavior === 'deny') expect(d.message.length).toBeGreaterThan(10);
  });
});

describe('decide: allowed', () => {
  const rows: Row[] = [
    ['Read inside the repo', 'Read', () => ({ file_path: 'src/a.ts' }), {}, 'profile:read-only'],
    [
      'Read an absolute path inside',
      'Read',
      () => ({ file_path: path.join(sb.workspace, 'README.md') }),
      {},
      'profile:read-only',
    ],
    ['Read a missing file inside', 'Read', () => ({ file_path: 'src/missing.ts' }), {}, 'profile:read-only'],
    [
      'Read through an inside symlink',
      'Read',
      () => ({ file_path: 'src-link/a.ts' }),
      {},
      'profile:read-only',
    ],
    [
      'Grep inside',
      'Grep',
      () => ({ pattern: 'export', path: 'src', glob: '*.ts' }),
      {},
      'profile:read-only',
    ],
    ['Grep without a path', 'Grep', () => ({ pattern: 'export' }), {}, 'profile:read-only'],
    ['Glob inside', 'Glob', () => ({ pattern: '**/*.ts' }), {}, 'profile:read-only'],
    ['Glob with a path', 'Glob', () => ({ pattern: '*.md', path: 'docs' }), {}, 'profile:read-only'],
    ['LS inside', 'LS', () => ({ path: sb.workspace }), {}, 'profile:read-only'],
    ['Bash npm test', 'Bash', () => ({ command: 'npm test' }), edit, 'bash:allowed'],
    [
      'Bash npm test -- --runInBand',
      'Bash',
      () => ({ command: 'npm test -- --runInBand' }),
      edit,
      'bash:allowed',
    ],
    [
      'Bash npm test 2>&1 | npm test',
      'Bash',
      () => ({ command: 'npm test 2>&1 | npm test' }),
      edit,
      'bash:allowed',
    ],
    ['Bash npm test > out.txt', 'Bash', () => ({ command: 'npm test > out.txt' }), edit, 'bash:allowed'],
    [
      'Edit src/a.ts with the edit profile',
      'Edit',
      () => ({ file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }),
      edit,
      'profile:edit',
    ],
    ['Write a new file', 'Write', () => ({ file_path: 'src/new/b.ts', content: 'x' }), edit, 'profile:edit'],
    [
      'Write .github/CODEOWNERS with allow_config_writes',
      'Write',
      () => ({ file_path: '.github/CODEOWNERS', content: 'x' }),
      { ...edit, allowConfigWrites: true },
      'profile:edit',
    ],
    ['TodoWrite', 'TodoWrite', () => ({ todos: [] }), {}, 'tool:harmless'],
    ['a relay read tool listed by short name', 'mcp__relay__get_diff', () => ({}), {}, 'relay:read'],
    ['a relay read tool listed by full name', 'mcp__relay__update_progress', () => ({}), {}, 'relay:read'],
    ['a relay write tool in edit', 'mcp__relay__commit_and_push', () => ({}), edit, 'relay:write'],
  ];
  it.each(rows)('%s', async (_label, toolName, input, over, rule) => {
    expect(await run(toolName, input(), over)).toEqual({ behavior: 'allow', rule });
  });
});

describe('decide: allowed_tools widens, disallowed_tools narrows', () => {
  it('WebFetch listed in allowed_tools is allowed', async () => {
    expect(
      await run('WebFetch', { url: 'https://example.com/a', prompt: 'x' }, { allowedTools: ['WebFetch'] }),
    ).toEqual({
      behavior: 'allow',
      rule: 'allowed_tools:WebFetch',
    });
  });
  it('WebFetch(domain:…) allows that domain only', async () => {
    const over = { allowedTools: ['WebFetch(domain:docs.example.com)'] };
    expect(await run('WebFetch', { url: 'https://docs.example.com/x', prompt: 'x' }, over)).toMatchObject({
      behavior: 'allow',
    });
    expect(await run('WebFetch', { url: 'https://evil.com/x', prompt: 'x' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'network:off',
    });
    expect(
      await run('WebFetch', { url: 'file:///etc/passwd', prompt: 'x' }, { allowedTools: ['WebFetch'] }),
    ).toMatchObject({
      behavior: 'deny',
    });
  });
  it('WebSearch listed in allowed_tools is allowed', async () => {
    expect(await run('WebSearch', { query: 'x' }, { allowedTools: ['WebSearch'] })).toMatchObject({
      behavior: 'allow',
    });
  });
  it('disallowed_tools Read narrows Read (and Grep/Glob)', async () => {
    const over = { disallowedTools: ['Read'] };
    expect(await run('Read', { file_path: 'src/a.ts' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:Read',
    });
    expect(await run('Grep', { pattern: 'x' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:Read',
    });
  });
  it('deny wins over the edit profile and allow rules for tricky globs, in any case', async () => {
    const over = {
      profile: 'edit' as const,
      allowedTools: ['Edit(src/**)'],
      disallowedTools: ['Edit(src/{a,{b,c}}.ts)', 'Edit(src/[]]x.ts)', 'Write(DOCS/**)'],
    };
    const denied = ['src/c.ts', 'src/b.ts', 'src/a.ts', 'src/]x.ts', 'docs/new.md', 'Docs/new.md'];
    for (const file_path of denied) {
      expect({ file_path, d: await run('Write', { file_path, content: 'x' }, over) }).toMatchObject({
        file_path,
        d: { behavior: 'deny', rule: expect.stringMatching(/^disallowed_tools:/) },
      });
    }
    expect(await run('Write', { file_path: 'src/d.ts', content: 'x' }, over)).toMatchObject({
      behavior: 'allow',
    });
  });
  it('an unreadable disallowed_tools entry denies every call (fail closed)', async () => {
    expect(await run('Read', { file_path: 'README.md' }, { disallowedTools: ['Bash(rm -rf'] })).toMatchObject(
      {
        behavior: 'deny',
        rule: 'disallowed_tools:unreadable',
      },
    );
  });
  it('disallowed_tools with a path specifier narrows only matching paths', async () => {
    const over = { disallowedTools: ['Read(docs/**)'] };
    expect(await run('Read', { file_path: 'docs/guide.md' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:Read(docs/**)',
    });
    expect(await run('Read', { file_path: 'src/a.ts' }, over)).toMatchObject({ behavior: 'allow' });
    const env = { disallowedTools: ['Read(.env)'] };
    expect(await run('Read', { file_path: 'config/.env' }, env)).toMatchObject({ behavior: 'deny' });
  });
  it('disallowed wins over allowed', async () => {
    expect(
      await run(
        'WebFetch',
        { url: 'https://example.com', prompt: 'x' },
        { allowedTools: ['WebFetch'], disallowedTools: ['WebFetch'] },
      ),
    ).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:WebFetch',
    });
    expect(
      await run(
        'Edit',
        { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' },
        { profile: 'edit', disallowedTools: ['Edit'] },
      ),
    ).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:Edit',
    });
  });
  it('disallowed Bash(prefix) refuses matching commands anywhere in the line', async () => {
    const over: Partial<PolicyContext> = {
      profile: 'edit',
      allowedBash: ['npm'],
      disallowedTools: ['Bash(npm publish:*)'],
    };
    expect(await run('Bash', { command: 'npm test && npm publish' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'disallowed_tools:Bash(npm publish:*)',
    });
    expect(await run('Bash', { command: 'npm test' }, over)).toMatchObject({ behavior: 'allow' });
  });
  it('allowed Edit(src/**) widens the read-only profile inside the repo only', async () => {
    const over = { allowedTools: ['Edit(src/**)'] };
    expect(await run('Edit', { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }, over)).toEqual({
      behavior: 'allow',
      rule: 'allowed_tools:Edit(src/**)',
    });
    expect(
      await run('Edit', { file_path: 'docs/guide.md', old_string: 'a', new_string: 'b' }, over),
    ).toMatchObject({ behavior: 'deny', rule: 'profile:read-only' });
    // A rule cannot reach outside the workspace nor into protected paths.
    expect(
      await run('Write', { file_path: '/tmp/x', content: 'x' }, { allowedTools: ['Write(//tmp/**)'] }),
    ).toMatchObject({ behavior: 'deny', rule: 'path:outside-workspace' });
    expect(
      await run(
        'Edit',
        { file_path: '.github/workflows/ci.yml', old_string: 'a', new_string: 'b' },
        { allowedTools: ['Edit'] },
      ),
    ).toMatchObject({
      behavior: 'deny',
      rule: 'path:protected',
    });
  });
  it('allowed Bash(prefix) adds prefixes but keeps the parser checks', async () => {
    const over: Partial<PolicyContext> = { profile: 'edit', allowedTools: ['Bash(npm run build:*)'] };
    expect(await run('Bash', { command: 'npm run build -- --prod' }, over)).toMatchObject({
      behavior: 'allow',
    });
    expect(await run('Bash', { command: 'npm run build $(id)' }, over)).toMatchObject({
      behavior: 'deny',
      rule: 'bash:substitution',
    });
    // In the read-only profile only the explicitly listed prefixes run.
    expect(
      await run('Bash', { command: 'npm run build' }, { allowedTools: ['Bash(npm run build:*)'] }),
    ).toMatchObject({ behavior: 'allow' });
    expect(
      await run('Bash', { command: 'npm test' }, { allowedTools: ['Bash(npm run build:*)'] }),
    ).toMatchObject({ behavior: 'deny', rule: 'bash:not-allowed' });
  });
  it('Task and other MCP servers only when listed', async () => {
    expect(await run('Task', { description: 'x', prompt: 'y' }, { allowedTools: ['Task'] })).toMatchObject({
      behavior: 'allow',
    });
    expect(await run('mcp__github__get_issue', {}, { allowedTools: ['mcp__github'] })).toMatchObject({
      behavior: 'allow',
    });
    expect(
      await run('mcp__github__get_issue', {}, { allowedTools: ['mcp__github__get_issue'] }),
    ).toMatchObject({ behavior: 'allow' });
    expect(
      await run('mcp__relay__get_diff', {}, { disallowedTools: ['mcp__relay__get_diff'] }),
    ).toMatchObject({ behavior: 'deny' });
  });
  it('unknown tools stay denied even when listed', async () => {
    expect(await run('Monitor', { command: 'x' }, { allowedTools: ['Monitor'] })).toMatchObject({
      behavior: 'deny',
      rule: 'tool:unknown',
    });
  });
  it('never throws on malformed calls', async () => {
    expect(
      await decide({ toolName: 'Read', input: null as unknown as Record<string, unknown> }, context(sb)),
    ).toMatchObject({ behavior: 'deny', rule: 'input:invalid' });
    expect(await run('Read', { file_path: 42 })).toMatchObject({ behavior: 'deny', rule: 'path:invalid' });
    expect(await run('Bash', { command: ['npm', 'test'] }, edit)).toMatchObject({ behavior: 'deny' });
  });
});
