// The contract tools on an official SDK `McpServer`, protected by @mcp-auth/sdk. Used by the
// Express, Koa and Fetch mounts (fastmcp registers the same tools its own way).
import { authContextFromAuthInfo, type PolicyEngine } from '@mcp-auth/core';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContractTool } from './fixtures.js';

/** A new protected `McpServer` holding `tools` (one per stateless request). */
export function createContractMcpServer(
  policy: PolicyEngine,
  tools: readonly ContractTool[],
): McpServer {
  const server = protectMcpServer(new McpServer({ name: 'contract', version: '1.0.0' }), {
    policy,
  });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.shape },
      async (args: Record<string, unknown>, extra: { authInfo?: unknown }) => ({
        content: [{ type: 'text', text: tool.run(args, authContextFromAuthInfo(extra.authInfo)) }],
      }),
    );
  }
  return server;
}

/**
 * The contract tools on a plain `McpServer` with NO in-server protection (no
 * `protectMcpServer`): the MCP endpoint guard in front of it is the only check. The guard cases
 * (guard-cases.ts) mount it to prove the edge alone fails closed.
 */
export function createUnprotectedMcpServer(tools: readonly ContractTool[]): McpServer {
  const server = new McpServer({ name: 'contract-unprotected', version: '1.0.0' });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.shape },
      async (args: Record<string, unknown>, extra: { authInfo?: unknown }) => ({
        content: [{ type: 'text', text: tool.run(args, authContextFromAuthInfo(extra.authInfo)) }],
      }),
    );
  }
  return server;
}
