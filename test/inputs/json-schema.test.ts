import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkStructuredOutput, JsonSchemaError, loadJsonSchema } from '../../src/inputs/json-schema';

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-ws-'));
fs.writeFileSync(
  path.join(ws, 'ok.json'),
  '{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}',
);

describe('json_schema', () => {
  it('reads inline JSON or a workspace file and validates output with it', () => {
    for (const v of ['{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}', 'ok.json']) {
      const s = loadJsonSchema(v, ws);
      expect(checkStructuredOutput(s, { n: 2 })).toEqual({ ok: true, json: '{"n":2}' });
      expect(checkStructuredOutput(s, { n: 'two' }).error).toMatch(/\/n must be integer/);
      expect(checkStructuredOutput(s, undefined).error).toMatch(/no structured output/);
    }
  });
  it('accepts draft 2020-12 schemas', () => {
    const s = loadJsonSchema(
      '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"t":{"type":"array","prefixItems":[{"type":"string"}]}}}',
      ws,
    );
    expect(checkStructuredOutput(s, { t: ['a'] }).ok).toBe(true);
    expect(checkStructuredOutput(s, { t: [1] }).ok).toBe(false);
  });
  it.each([
    ['{"type":"array"}', /must describe an object/],
    ['{"type":"object","properties":{"a":{"type":"nope"}}}', /not a valid JSON Schema/],
    ['{not json', /not valid JSON/],
    ['../etc/passwd', /neither JSON|outside the workspace/],
    ['nothing.json', /does not exist/],
  ])('%s is refused', (value, message) => {
    expect(() => loadJsonSchema(value, ws)).toThrow(JsonSchemaError);
    expect(() => loadJsonSchema(value, ws)).toThrow(message);
  });
  it('refuses a symlink that leaves the workspace', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-out-'));
    fs.writeFileSync(path.join(outside, 's.json'), '{"type":"object"}');
    fs.symlinkSync(path.join(outside, 's.json'), path.join(ws, 'link.json'));
    expect(() => loadJsonSchema('link.json', ws)).toThrow(/outside the workspace/);
  });
});
