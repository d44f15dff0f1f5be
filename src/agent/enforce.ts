/**
 * Where the tool policy is enforced. One module decides (`src/policy/decide.ts`); the three entry
 * points the SDK offers only call it:
 *   - a PreToolUse hook, which runs for every call, auto-approved ones included;
 *   - the permission prompt tool, an in-process MCP server named by `permissionPromptToolName`,
 *     which answers whatever would otherwise prompt;
 *   - `canUseTool`, the callback form of the same (the SDK takes either it or the prompt tool).
 * Every decision is audited once per tool use: a job-log line and a row in the summary table. A
 * denial's reason goes back to the model as the tool error, so it can adapt.
 */
import { tool, type CanUseTool, type HookCallbackMatcher } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { sdkServer } from './sdk-server';
import { summarizeInput } from '../policy/audit';
import { decide, type Decision, type PolicyContext } from '../policy/decide';

export const PERMISSION_SERVER = 'relay_policy';
export const PERMISSION_TOOL = `mcp__${PERMISSION_SERVER}__approve`;

export interface AuditEntry {
  toolUseId?: string;
  tool: string;
  input: string;
  decision: 'allowed' | 'denied';
  rule: string;
  via: 'hook' | 'prompt-tool' | 'callback';
  reason?: string;
}

export interface EnforcerOptions {
  ctx: PolicyContext;
  onDecision?: (entry: AuditEntry) => void;
}

export class PolicyEnforcer {
  readonly audit: AuditEntry[] = [];
  private decided = new Map<string, Decision>();

  constructor(private o: EnforcerOptions) {}

  async check(
    toolName: string,
    input: Record<string, unknown>,
    toolUseId: string | undefined,
    via: AuditEntry['via'],
  ): Promise<Decision> {
    const seen = toolUseId ? this.decided.get(toolUseId) : undefined;
    if (seen) return seen;
    const decision = await decide({ toolName, input }, this.o.ctx);
    if (toolUseId) this.decided.set(toolUseId, decision);
    const entry: AuditEntry = {
      toolUseId,
      tool: toolName,
      // Paths as the user knows them: relative to the checkout (the log and summary show this).
      input: summarizeInput(toolName, input)
        .split(`${this.o.ctx.workspace.replace(/\/+$/, '')}/`)
        .join(''),
      decision: decision.behavior === 'allow' ? 'allowed' : 'denied',
      rule: decision.rule,
      via,
      reason: decision.behavior === 'deny' ? decision.message : undefined,
    };
    this.audit.push(entry);
    this.o.onDecision?.(entry);
    return decision;
  }

  /** PreToolUse: a denial here stops the call even if an allow rule would have approved it. */
  hooks(): Partial<Record<'PreToolUse', HookCallbackMatcher[]>> {
    return {
      PreToolUse: [
        {
          hooks: [
            async (input, toolUseId) => {
              if (input.hook_event_name !== 'PreToolUse') return {};
              const d = await this.check(
                input.tool_name,
                asRecord(input.tool_input),
                toolUseId ?? input.tool_use_id,
                'hook',
              );
              if (d.behavior === 'allow') return {};
              return {
                hookSpecificOutput: {
                  hookEventName: 'PreToolUse',
                  permissionDecision: 'deny',
                  permissionDecisionReason: d.message,
                },
              };
            },
          ],
        },
      ],
    };
  }

  canUseTool(): CanUseTool {
    return async (toolName, input, options) => {
      const d = await this.check(toolName, input, (options as { toolUseID?: string }).toolUseID, 'callback');
      return d.behavior === 'allow'
        ? { behavior: 'allow', updatedInput: input }
        : { behavior: 'deny', message: d.message };
    };
  }

  /** The permission prompt tool: answers `{"behavior":"allow","updatedInput":…}` or `{"behavior":"deny","message":…}`. */
  promptToolServer() {
    return sdkServer({
      name: PERMISSION_SERVER,
      version: '1.0.0',
      tools: [
        tool(
          'approve',
          'Decides whether a tool call is allowed by the repository-scoped policy. Called by Claude Code, not by the model.',
          {
            tool_name: z.string(),
            input: z.record(z.string(), z.unknown()),
            tool_use_id: z.string().optional(),
          },
          async (args) => {
            const d = await this.check(args.tool_name, args.input, args.tool_use_id, 'prompt-tool');
            const answer =
              d.behavior === 'allow'
                ? { behavior: 'allow', updatedInput: args.input }
                : { behavior: 'deny', message: d.message };
            return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
          },
        ),
      ],
    });
  }
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function auditTable(audit: AuditEntry[]): string {
  const lines = [`### Tool policy decisions (${audit.length})`, ''];
  if (audit.length === 0) return [...lines, '_none_'].join('\n');
  lines.push('| tool | input | decision | rule |', '| --- | --- | --- | --- |');
  for (const a of audit)
    lines.push(`| ${cell(a.tool)} | ${cell(a.input)} | ${a.decision} | ${cell(a.rule)} |`);
  return lines.join('\n');
}
