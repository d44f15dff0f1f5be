/**
 * The `json_schema` input: JSON Schema text, or a path to a schema file inside the workspace.
 * The schema is compiled once here (ajv), so a broken schema is an input error before any work,
 * and the same compiled validator later checks the agent's structured output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';

export interface JsonSchemaSetting {
  schema: Record<string, unknown>;
  /** Where it came from, for messages: `inline` or the workspace-relative path. */
  source: string;
  validate: ValidateFunction;
}

/** Thrown with one line naming the input; settings.ts turns it into an InputError. */
export class JsonSchemaError extends Error {}

const MAX_SCHEMA_BYTES = 256 * 1024;

export function loadJsonSchema(value: string, workspace: string): JsonSchemaSetting {
  const text = value.trim();
  const inline = text.startsWith('{');
  const source = inline ? 'inline' : text;
  const raw = inline ? text : readSchemaFile(text, workspace);
  let schema: unknown;
  try {
    schema = JSON.parse(raw);
  } catch (err) {
    throw new JsonSchemaError(
      `json_schema${inline ? '' : ` (${source})`} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new JsonSchemaError('json_schema must be a JSON object (a JSON Schema)');
  }
  const obj = schema as Record<string, unknown>;
  // The CLI hands the schema to the model as a tool's input schema: the API accepts object roots only.
  if (obj.type !== 'object') {
    throw new JsonSchemaError(
      `json_schema must describe an object (top-level "type": "object"), got ${JSON.stringify(obj.type ?? null)}`,
    );
  }
  let validate: ValidateFunction;
  try {
    validate = compiler(obj).compile(obj);
  } catch (err) {
    throw new JsonSchemaError(`json_schema is not a valid JSON Schema: ${oneLine((err as Error).message)}`);
  }
  return { schema: obj, source, validate };
}

function compiler(schema: Record<string, unknown>): Ajv {
  const opts = { allErrors: true, strict: false } as const;
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  return /2020-12|2019-09/.test(draft) ? new Ajv2020(opts) : new Ajv(opts);
}

function readSchemaFile(rel: string, workspace: string): string {
  const root = fs.realpathSync(workspace);
  const resolved = path.resolve(root, rel);
  let real: string;
  try {
    real = fs.realpathSync(resolved);
  } catch {
    throw new JsonSchemaError(
      `json_schema is neither JSON (it does not start with "{") nor a file in the workspace: ${rel} does not exist`,
    );
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new JsonSchemaError(`json_schema file ${rel} is outside the workspace`);
  }
  const stat = fs.statSync(real);
  if (!stat.isFile()) throw new JsonSchemaError(`json_schema ${rel} is not a file`);
  if (stat.size > MAX_SCHEMA_BYTES) {
    throw new JsonSchemaError(`json_schema file ${rel} is larger than ${MAX_SCHEMA_BYTES / 1024} KiB`);
  }
  return fs.readFileSync(real, 'utf8');
}

export interface StructuredCheck {
  ok: boolean;
  /** Compact JSON of the value (the `structured_output` output) when ok. */
  json?: string;
  /** What is wrong, one line. */
  error?: string;
}

/** Checks the agent's structured output against the schema again: the output is only set when valid. */
export function checkStructuredOutput(setting: JsonSchemaSetting, value: unknown): StructuredCheck {
  if (value === undefined || value === null) {
    return { ok: false, error: 'the agent produced no structured output' };
  }
  if (!setting.validate(value)) {
    const errors = (setting.validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    return { ok: false, error: `the structured output does not match json_schema: ${oneLine(errors)}` };
  }
  return { ok: true, json: JSON.stringify(value) };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 400);
}
