/**
 * `json_schema` through dist/index.js with the real CLI: the CLI offers the model its
 * StructuredOutput tool with the schema; the action sets `structured_output` (compact JSON) only
 * when the output matches, and a model that never matches ends the run as a failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assistantTurns, isMainLoop, type MessagesRequest, type Turn } from '../support/fake-anthropic';
import { prOpened } from '../support/payloads';
import { makeWorkspace } from '../support/runner';
import { REPO, seedPullRequest, startScenario, type Scenario } from '../support/scenario';

let sc: Scenario;
afterEach(async () => sc?.close());

const SCHEMA = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['approve', 'request_changes'] },
    issues: { type: 'integer', minimum: 0 },
  },
  required: ['verdict', 'issues'],
  additionalProperties: false,
};
const structuredTool = (req: MessagesRequest) => (req.tools ?? []).find((t) => t.name === 'StructuredOutput');

it('a PR review with json_schema sets structured_output from the StructuredOutput call', async () => {
  sc = await startScenario((req): Turn => {
    if (!isMainLoop(req)) return { text: 'title' };
    return assistantTurns(req) === 0
      ? { toolUses: [{ name: 'StructuredOutput', input: { verdict: 'request_changes', issues: 2 } }] }
      : { text: 'done' };
  });
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    inputs: { json_schema: JSON.stringify(SCHEMA, null, 2) },
  });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.conclusion).toBe('success');
  expect(res.outputs.structured_output).toBe('{"verdict":"request_changes","issues":2}');
  expect(JSON.parse(res.outputs.structured_output!)).toEqual({ verdict: 'request_changes', issues: 2 });
  expect(res.summary).toContain('{"verdict":"request_changes","issues":2}');
  // The CLI received the schema as the tool's input schema.
  expect(structuredTool(sc.model.mainRequests()[0]!.body)?.input_schema).toEqual(SCHEMA);
  expect(sc.github.state.commentsOf(REPO, 2)).toHaveLength(1);
});

it('a schema file in the workspace works for an automation run; an invalid first attempt is retried', async () => {
  sc = await startScenario((req): Turn => {
    if (!isMainLoop(req)) return { text: 'title' };
    const n = assistantTurns(req);
    if (n === 0) return { toolUses: [{ name: 'StructuredOutput', input: { verdict: 'maybe', issues: -1 } }] };
    if (n === 1)
      return { toolUses: [{ name: 'StructuredOutput', input: { verdict: 'approve', issues: 0 } }] };
    return { text: 'done' };
  });
  const ws = makeWorkspace({ 'README.md': '# x\n', '.github/claude/verdict.json': JSON.stringify(SCHEMA) });
  const res = await sc.run({
    eventName: 'schedule',
    payload: { schedule: '0 6 * * 1' },
    workspace: ws,
    inputs: { prompt: 'Judge the repository.', json_schema: '.github/claude/verdict.json' },
  });
  expect(res.exitCode).toBe(0);
  expect(res.outputs.structured_output).toBe('{"verdict":"approve","issues":0}');
  const main = sc.model.mainRequests();
  // The second request carries the CLI's validation error back to the model.
  expect(JSON.stringify(main[1]!.body.messages)).toMatch(/does not match required schema/i);
});

it('a model that never produces valid structured output ends as a failure that says so', async () => {
  sc = await startScenario((req): Turn => {
    if (!isMainLoop(req)) return { text: 'title' };
    return { toolUses: [{ name: 'StructuredOutput', input: { verdict: 'perhaps' } }] };
  });
  seedPullRequest(sc.github, { number: 2 });
  const res = await sc.run({
    eventName: 'pull_request',
    payload: prOpened(),
    inputs: { json_schema: JSON.stringify(SCHEMA) },
  });
  expect(res.exitCode).toBe(1);
  expect(res.outputs.conclusion).toBe('failure');
  expect(res.outputs.structured_output).toBe('');
  expect(res.log).toMatch(/::error::failure: .*structured output that matches json_schema/);
  const comments = sc.github.state.commentsOf(REPO, 2);
  expect(comments[comments.length - 1]!.body).toMatch(/structured output that matches json_schema/);
  expect(comments[comments.length - 1]!.body).toMatch(/Cost so far: \$/);
});

it('a broken json_schema input is a one-line input error before any model call', async () => {
  sc = await startScenario([{ text: 'never' }]);
  seedPullRequest(sc.github, { number: 2 });
  const ws = makeWorkspace({ 'schema.json': '{"type": "object",' });
  for (const [value, message] of [
    ['{"type": "objekt"}', /Invalid input json_schema: must describe an object/],
    [
      '{"type": "object", "properties": {"a": {"type": "strng"}}}',
      /Invalid input json_schema: is not a valid JSON Schema/,
    ],
    ['schema.json', /Invalid input json_schema: \(schema.json\) is not valid JSON/],
    ['missing.json', /Invalid input json_schema: is neither JSON .* missing.json does not exist/],
    ['../outside.json', /Invalid input json_schema: (is neither JSON|.*outside the workspace)/],
  ] as const) {
    const res = await sc.run({
      eventName: 'pull_request',
      payload: prOpened(),
      workspace: ws,
      inputs: { json_schema: value },
    });
    expect(res.exitCode).toBe(1);
    const errors = res.log.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  }
  expect(sc.model.requests).toHaveLength(0);
  expect(fs.existsSync(path.join(ws, 'schema.json'))).toBe(true);
});
