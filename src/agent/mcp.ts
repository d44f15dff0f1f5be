/**
 * Project MCP servers (`.mcp.json`) start only when the workflow names them in `mcp_servers`.
 * The CLI runs with `strictMcpConfig` (it reads no `.mcp.json`, user or plugin servers at all),
 * and the named servers are read here from the trusted configuration root (the base commit for
 * untrusted checkouts) and passed explicitly — so a `.mcp.json` a PR or an earlier run added
 * never starts a process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { McpServerConfig } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';

const serverSchema = z.union([
  z
    .object({
      type: z.literal('stdio').optional(),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .strip(),
  z
    .object({
      type: z.enum(['http', 'sse']),
      url: z.string().url(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .strip(),
]);

const fileSchema = z.object({ mcpServers: z.record(z.string(), z.unknown()) });

export interface ProjectMcp {
  servers: Record<string, McpServerConfig>;
  /** One line per named server that could not be used, saying why. */
  problems: string[];
}

/** The servers `names` picks from `<root>/.mcp.json`; nothing when no name is given. */
export function projectMcpServers(root: string | undefined, names: readonly string[]): ProjectMcp {
  const wanted = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  if (wanted.length === 0) return { servers: {}, problems: [] };
  const refuse = (why: string): ProjectMcp => ({
    servers: {},
    problems: wanted.map((n) => `MCP server "${n}" not started: ${why}`),
  });
  if (root === undefined) return refuse('no trusted project configuration for this run');
  const file = path.join(root, '.mcp.json');
  let parsed: z.infer<typeof fileSchema>;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return refuse(`${file} is not a regular file`);
    parsed = fileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(
      code === 'ENOENT'
        ? 'the trusted configuration has no .mcp.json'
        : `.mcp.json is not valid (${code ?? 'JSON'})`,
    );
  }
  const servers: Record<string, McpServerConfig> = {};
  const problems: string[] = [];
  for (const name of wanted) {
    const raw = Object.prototype.hasOwnProperty.call(parsed.mcpServers, name)
      ? parsed.mcpServers[name]
      : undefined;
    if (raw === undefined) {
      problems.push(`MCP server "${name}" not started: .mcp.json does not define it`);
      continue;
    }
    const server = serverSchema.safeParse(raw);
    if (!server.success) {
      problems.push(
        `MCP server "${name}" not started: its .mcp.json entry is not a stdio, http or sse server`,
      );
      continue;
    }
    servers[name] = server.data as McpServerConfig;
  }
  return { servers, problems };
}
