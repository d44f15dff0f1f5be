/**
 * Every workflow under .github/workflows/ and action.yml pass GitHub's own parser
 * (`@actions/workflow-parser`), the example workflow covers every supported event, and the README's inputs and
 * outputs tables are generated from action.yml and up to date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import { readActionMetadata, readmeTable, README_FILE, renderReadme } from '../../scripts/docs';
import { ROOT } from '../support/runner';

const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');
const workflowFiles = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

async function loadWorkflow(file: string): Promise<{ errors: string[]; template?: WorkflowTemplate }> {
  const content = fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (!parsed.value) return { errors: errors.length ? errors : [`${file}: nothing parsed`] };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  for (const e of template.errors ?? []) errors.push(e.Message);
  return { errors, template };
}

describe('workflows', () => {
  it('finds the workflows, the example claude.yml among them', () => {
    expect(workflowFiles).toContain('claude.yml');
  });

  it.each(workflowFiles)('%s is valid for GitHub Actions', async (file) => {
    const { errors, template } = await loadWorkflow(file);
    expect(errors).toEqual([]);
    expect(template?.jobs.length).toBeGreaterThan(0);
  });

  it('rejects a broken workflow (the check is real)', () => {
    const parsed = parseWorkflow(
      { name: 'bad.yml', content: 'on: pushh\njobs:\n  a:\n    runs-on: x\n    stepz: []\n' },
      new NoOperationTraceWriter(),
    );
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  describe('claude.yml', () => {
    const text = fs.readFileSync(path.join(WORKFLOWS_DIR, 'claude.yml'), 'utf8');
    let template: WorkflowTemplate;
    beforeAll(async () => {
      template = (await loadWorkflow('claude.yml')).template!;
    });

    it('listens to every supported event with the companion inputs', () => {
      const events = template.events as Record<
        string,
        { types?: string[]; inputs?: Record<string, unknown> }
      >;
      expect(Object.keys(events).sort()).toEqual(
        [
          'issue_comment',
          'issues',
          'pull_request',
          'pull_request_review',
          'pull_request_review_comment',
          'pull_request_target',
          'repository_dispatch',
          'workflow_dispatch',
        ].sort(),
      );
      expect(events.pull_request?.types).toEqual(['opened', 'synchronize', 'reopened', 'ready_for_review']);
      expect(events.issues?.types).toEqual(['opened', 'labeled', 'assigned']);
      expect(Object.keys(events.workflow_dispatch?.inputs ?? {})).toEqual(
        expect.arrayContaining([
          'command',
          'pr_number',
          'issue_number',
          'comment_id',
          'head_sha',
          'requested_by',
        ]),
      );
    });

    it('uses the action from this checkout with least privilege, one run per PR at a time', () => {
      expect(text).toMatch(/^\s+- uses: \.\/$/m);
      const permissions = /^permissions:\n((?: {2}.+\n)+)/m.exec(text)?.[1] ?? '';
      expect(
        permissions
          .trim()
          .split('\n')
          .map((l) => l.trim()),
      ).toEqual([
        'contents: read',
        'pull-requests: write',
        'issues: write',
        'actions: read',
        'id-token: none',
      ]);
      expect(text).toMatch(/cancel-in-progress: false/);
      expect(text).toMatch(
        /^run-name: 'claude #\$\{\{ inputs\.pr_number \|\| inputs\.issue_number \|\| github\.event\.pull_request\.number \|\| github\.event\.issue\.number/m,
      );
    });
  });
});

describe('action.yml', () => {
  it('is valid action metadata for a node24 action running dist/index.js', () => {
    const meta = readActionMetadata();
    expect(meta.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
    expect(fs.existsSync(path.join(ROOT, meta.runs.main ?? ''))).toBe(true);
    expect(meta.inputs.length).toBeGreaterThan(0);
    expect(meta.outputs.map((o) => o.name)).toEqual(
      expect.arrayContaining(['conclusion', 'result', 'session_id', 'cost_usd', 'comment_url']),
    );
  });

  it('rejects broken metadata (the check is real)', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.bad-action-'));
    try {
      const file = path.join(dir, 'action.yml');
      fs.writeFileSync(file, 'name: x\nruns:\n  using: node99\n  main: x.js\n');
      expect(() => readActionMetadata(file)).toThrow(/node99|description/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('README', () => {
  const readme = fs.readFileSync(README_FILE, 'utf8');
  const meta = readActionMetadata();

  it('documents every input of action.yml with its default', () => {
    const table = readmeTable(readme, 'inputs');
    for (const input of meta.inputs) {
      expect([input.name, table.get(input.name)]).toEqual([
        input.name,
        input.default === '' ? '—' : input.default,
      ]);
    }
    expect([...table.keys()].sort()).toEqual(meta.inputs.map((i) => i.name).sort());
  });

  it('documents every output of action.yml', () => {
    const table = readmeTable(readme, 'outputs');
    expect([...table.keys()].sort()).toEqual(meta.outputs.map((o) => o.name).sort());
  });

  it('has tables as scripts/docs.ts generates them (run `npx tsx scripts/docs.ts`)', async () => {
    expect(await renderReadme(readme, meta)).toBe(readme);
  });

  it('keeps its first command working: the fixture and the scripts it names exist', () => {
    const first = readme.split('\n').slice(0, 12).join('\n');
    expect(first).toContain(
      'npm ci && npm run local -- --event test/fixtures/events/pull_request.opened.json --fake',
    );
    expect(first).toContain('npm test');
    expect(fs.existsSync(path.join(ROOT, 'test/fixtures/events/pull_request.opened.json'))).toBe(true);
  });

  it("has a quick-start workflow GitHub accepts, with the companion's dispatch inputs", async () => {
    const quick = readme.slice(readme.indexOf('## Quick start'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
    expect(yaml.split('\n').length).toBeLessThanOrEqual(20);
    const parsed = parseWorkflow({ name: 'quick-start.yml', content: yaml }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    const events = template.events as Record<string, { inputs?: Record<string, unknown> }>;
    expect(Object.keys(events.workflow_dispatch?.inputs ?? {})).toEqual(
      expect.arrayContaining([
        'command',
        'pr_number',
        'issue_number',
        'comment_id',
        'head_sha',
        'requested_by',
      ]),
    );
  });

  it('gives an act command for every sample payload', () => {
    const fixtures = fs
      .readdirSync(path.join(ROOT, 'test/fixtures/events'))
      .filter((f) => f.endsWith('.json'));
    for (const f of fixtures) {
      const event = f.split('.')[0];
      expect(readme).toContain(`act ${event} -e test/fixtures/events/${f}`);
    }
  });
});
