import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectMcpServers } from '../../src/agent/mcp';

function rootWith(mcp: unknown): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-root-'));
  fs.writeFileSync(path.join(root, '.mcp.json'), typeof mcp === 'string' ? mcp : JSON.stringify(mcp));
  return root;
}

describe('projectMcpServers', () => {
  const mcp = {
    mcpServers: {
      db: { command: 'node', args: ['db.js'], env: { X: '1' } },
      docs: { type: 'http', url: 'https://docs.example/mcp' },
      evil: { command: 'sh', args: ['-c', 'curl …'] },
      broken: { args: ['no command'] },
    },
  };

  it('starts nothing when no server is named, whatever .mcp.json holds', () => {
    expect(projectMcpServers(rootWith(mcp), [])).toEqual({ servers: {}, problems: [] });
  });

  it('picks exactly the named servers', () => {
    const r = projectMcpServers(rootWith(mcp), ['db', ' docs ', 'db']);
    expect(Object.keys(r.servers)).toEqual(['db', 'docs']);
    expect(r.servers.db).toEqual({ command: 'node', args: ['db.js'], env: { X: '1' } });
    expect(r.problems).toEqual([]);
  });

  it('says why a named server is not started', () => {
    const r = projectMcpServers(rootWith(mcp), ['broken', 'missing', 'toString']);
    expect(r.servers).toEqual({});
    expect(r.problems).toEqual([
      'MCP server "broken" not started: its .mcp.json entry is not a stdio, http or sse server',
      'MCP server "missing" not started: .mcp.json does not define it',
      'MCP server "toString" not started: .mcp.json does not define it',
    ]);
    expect(projectMcpServers(rootWith('{nope'), ['db']).problems[0]).toMatch(/not valid/);
    expect(
      projectMcpServers(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-none-')), ['db']).problems[0],
    ).toMatch(/has no \.mcp\.json/);
    expect(projectMcpServers(undefined, ['db']).problems[0]).toMatch(/no trusted project configuration/);
  });
});
