/**
 * Tool profiles: `read-only` for reviews and questions, `edit` for fixes and issue tasks.
 * `tool_policy: auto` picks one from the command's registry entry and what the run is about.
 */
import { getCommand } from '../commands/registry';
import type { RelayRequest } from '../request/types';

export type Profile = 'read-only' | 'edit';
export type ToolPolicy = 'auto' | 'read-only' | 'edit';

/**
 * The one decision of a run's tool profile. `tool_policy` `read-only`/`edit` is taken as it is.
 * With `auto`, the command's registry entry decides: `edit` (fix) → edit; `read-only` (review) and
 * `none` (direct replies) → read-only; `task` (plain text, `new`) → edit when the issue itself is
 * the task — an `issues` event: opened with the phrase, labeled or assigned for the relay, or a
 * `prompt` on it — and read-only otherwise (questions in comments, PRs, automation runs).
 */
export function resolveProfile(
  toolPolicy: ToolPolicy,
  req: Pick<RelayRequest, 'eventName' | 'command' | 'target'>,
): Profile {
  if (toolPolicy === 'read-only' || toolPolicy === 'edit') return toolPolicy;
  switch (getCommand(req.command.name).profile) {
    case 'edit':
      return 'edit';
    case 'task':
      return req.eventName === 'issues' && req.target.kind === 'issue' ? 'edit' : 'read-only';
    case 'read-only':
    case 'none':
      return 'read-only';
  }
}

/** Built-in tools that read files inside the workspace (path-checked). */
export const READ_TOOLS = ['Read', 'Grep', 'Glob', 'LS'] as const;
/** Built-in tools that write files inside the workspace (path-checked, protected paths refused). */
export const EDIT_TOOLS = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit'] as const;
/** Harmless bookkeeping tools, allowed in every profile. */
export const HARMLESS_TOOLS = [
  'TodoWrite',
  'TaskCreate',
  'TaskGet',
  'TaskUpdate',
  'TaskList',
  'TaskStop',
  'BashOutput',
  'KillShell',
] as const;
/** Off unless allowed_tools lists them. */
export const NETWORK_TOOLS = ['WebFetch', 'WebSearch'] as const;
export const SUBAGENT_TOOLS = ['Task', 'Agent'] as const;

export const RELAY_MCP_PREFIX = 'mcp__relay__';

export interface RelayToolClasses {
  /** Read/report tools (any profile). */
  read: readonly string[];
  /** Tools that change GitHub state (edit profile only). */
  write: readonly string[];
}

/**
 * The tool names a profile makes available (for the SDK's allowedTools / the prompt). Bash is in
 * the edit list only when allowed_bash has entries; its commands are still judged one by one.
 * allowed_tools can add network tools, subagents and other MCP tools; decide() is the authority.
 */
export function profileTools(
  profile: Profile,
  opts: {
    allowedBash?: readonly string[];
    relayTools?: RelayToolClasses;
    allowedTools?: readonly string[];
  } = {},
): string[] {
  const relay = opts.relayTools ?? { read: [], write: [] };
  const relayNames = (names: readonly string[]) =>
    names.map((n) => (n.startsWith(RELAY_MCP_PREFIX) ? n : `${RELAY_MCP_PREFIX}${n}`));
  const tools: string[] = [...READ_TOOLS, ...HARMLESS_TOOLS, ...relayNames(relay.read)];
  if (profile === 'edit') {
    tools.push(...EDIT_TOOLS, ...relayNames(relay.write));
    if ((opts.allowedBash ?? []).some((b) => b.trim() !== '')) tools.push('Bash');
  }
  for (const entry of opts.allowedTools ?? []) {
    const name = entry.trim().replace(/\(.*$/s, '');
    if (name !== '' && !tools.includes(name)) tools.push(name);
  }
  return tools;
}
