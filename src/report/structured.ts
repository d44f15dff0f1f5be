/**
 * `json_schema` runs: the `structured_output` output is set only from output that matches the
 * schema. A successful run without valid structured output ends as a failure that says so.
 */
import type { AgentOutcome } from '../agent/outcome';
import { checkStructuredOutput, type JsonSchemaSetting } from '../inputs/json-schema';

/** Returns the compact JSON for the output, or '' (and turns a success into a failure). */
export function settleStructuredOutput(outcome: AgentOutcome, schema: JsonSchemaSetting | undefined): string {
  if (!schema || outcome.conclusion !== 'success') return '';
  const check = checkStructuredOutput(schema, outcome.structuredOutput);
  if (check.ok && check.json !== undefined) return check.json;
  outcome.conclusion = 'failure';
  outcome.result = `The agent finished, but ${check.error ?? 'its structured output is invalid'}; structured_output is not set.`;
  return '';
}
