/**
 * Generates the README's inputs and outputs tables from action.yml, between the markers
 * `<!-- inputs:start -->` / `<!-- inputs:end -->` and `<!-- outputs:start -->` / `<!-- outputs:end -->`.
 * action.yml is read with GitHub's own parser (`@actions/workflow-parser`), so a file GitHub would
 * reject fails here too.
 *
 *   npx tsx scripts/docs.ts           # rewrite README.md
 *   npx tsx scripts/docs.ts --check   # exit 1 when README.md is out of date (the test does the same)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import * as prettier from 'prettier';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_FILE = path.join(ROOT, 'action.yml');
export const README_FILE = path.join(ROOT, 'README.md');

export interface ActionInput {
  name: string;
  description: string;
  required: boolean;
  /** The literal default as written in action.yml (`''` when none). */
  default: string;
}

export interface ActionOutput {
  name: string;
  description: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  author?: string;
  branding?: { icon?: string; color?: string };
  inputs: ActionInput[];
  outputs: ActionOutput[];
  runs: { using: string; main?: string };
}

/** Parses action.yml with GitHub's schema; throws with every validation error. */
export function readActionMetadata(file = ACTION_FILE): ActionMetadata {
  const content = fs.readFileSync(file, 'utf8');
  const parsed = parseAction({ name: path.basename(file), content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length || !parsed.value) {
    throw new Error(
      `${file} is not valid action metadata:\n${errors.map((e) => `  ${e.message}`).join('\n')}`,
    );
  }
  const t = convertActionTemplate(parsed.context, parsed.value);
  return {
    name: t.name,
    description: t.description,
    author: t.author,
    branding: t.branding,
    inputs: (t.inputs ?? []).map((i) => ({
      name: i.id,
      description: i.description ?? '',
      required: i.required === true,
      default: i.default?.toString() ?? '',
    })),
    outputs: (t.outputs ?? []).map((o) => ({ name: o.id, description: o.description ?? '' })),
    runs: t.runs as { using: string; main?: string },
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export function inputsTable(meta: ActionMetadata): string {
  const rows = meta.inputs.map(
    (i) =>
      `| ${code(i.name)} | ${i.default === '' ? '—' : code(i.default)} | ${i.required ? '**required** ' : ''}${cell(i.description)} |`,
  );
  return ['| input | default | description |', '| --- | --- | --- |', ...rows].join('\n');
}

export function outputsTable(meta: ActionMetadata): string {
  const rows = meta.outputs.map((o) => `| ${code(o.name)} | ${cell(o.description)} |`);
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

/** Replaces what is between `<!-- name:start -->` and `<!-- name:end -->` with `body`. */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, a + start.length)}\n\n${body}\n\n${text.slice(b)}`;
}

/** Markdown formatted the way `npm run format` formats `file`. */
export async function formatMarkdown(text: string, file = README_FILE): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

/** The README with fresh tables, formatted the way `npm run format` would. */
export async function renderReadme(
  readme: string,
  meta: ActionMetadata,
  file = README_FILE,
): Promise<string> {
  let text = replaceSection(readme, 'inputs', inputsTable(meta));
  text = replaceSection(text, 'outputs', outputsTable(meta));
  return formatMarkdown(text, file);
}

/**
 * `name → default` for the rows of the README table between the `section` markers
 * (`—` for no default), to check the docs against action.yml.
 */
export function readmeTable(readme: string, section: 'inputs' | 'outputs'): Map<string, string> {
  const a = readme.indexOf(`<!-- ${section}:start -->`);
  const b = readme.indexOf(`<!-- ${section}:end -->`);
  const rows = new Map<string, string>();
  if (a < 0 || b < a) return rows;
  for (const line of readme.slice(a, b).split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|/.exec(line);
    if (!m?.[1]) continue;
    const value = (m[2] ?? '').trim();
    const def = /^`` (.*) ``$/.exec(value)?.[1] ?? /^`(.*)`$/.exec(value)?.[1] ?? value;
    rows.set(m[1], def);
  }
  return rows;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const meta = readActionMetadata();
  const current = fs.readFileSync(README_FILE, 'utf8');
  const next = await renderReadme(current, meta);
  if (check) {
    if (next !== current) {
      process.stderr.write('README.md inputs/outputs tables are out of date: run npx tsx scripts/docs.ts\n');
      process.exit(1);
    }
    process.stdout.write('README.md tables are up to date\n');
    return;
  }
  if (next !== current) fs.writeFileSync(README_FILE, next);
  process.stdout.write(`README.md: ${meta.inputs.length} inputs, ${meta.outputs.length} outputs\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
