/**
 * In-process MCP servers that remember how they were made. A parked CLI (see `spare.ts`) is started
 * before the run's servers exist, so it is given stand-ins with the same tools whose handlers
 * forward to the real servers once they are known; building those stand-ins needs the definitions.
 */
import {
  createSdkMcpServer,
  type McpServerConfig,
  type McpSdkServerConfigWithInstance,
} from '@anthropic-ai/claude-agent-sdk';

export type SdkServerParams = Parameters<typeof createSdkMcpServer>[0];

const PARAMS = Symbol('claude-relay sdk server params');

/** createSdkMcpServer, keeping its parameters with the config (not enumerable: never serialized). */
export function sdkServer(params: SdkServerParams): McpSdkServerConfigWithInstance {
  const config = createSdkMcpServer(params);
  Object.defineProperty(config, PARAMS, { value: params, enumerable: false });
  return config;
}

/** The parameters a server was made with; undefined for servers not made by sdkServer. */
export function sdkServerParams(config: McpServerConfig): SdkServerParams | undefined {
  return (config as { [PARAMS]?: SdkServerParams })[PARAMS];
}
