// The contract tools on the official SDK servers: MCP SDK v2 (`@modelcontextprotocol/server`,
// protected by @mcp-auth/sdk/v2, the suite's default) and SDK v1 (`@modelcontextprotocol/sdk`,
// protected by @mcp-auth/sdk). Used by the Express, Koa and Fetch mounts (fastmcp, built on SDK
// v1, registers the same tools its own way).
import { authContextFromAuthInfo, type PolicyEngine } from '@mcp-auth/core';
import { protectMcpServer } from '@mcp-auth/sdk';
import { getAuthContext, protectMcpServer as protectMcpServerV2 } from '@mcp-auth/sdk/v2';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { CREDENTIAL_SEEN, type ContractTool } from './fixtures.js';

function v1Answer(text: string, extra: { requestInfo?: { headers?: Record<string, unknown> } }) {
  const seen = extra.requestInfo?.headers?.['authorization'] !== undefined;
  return { content: [{ type: 'text' as const, text: seen ? text + CREDENTIAL_SEEN : text }] };
}

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
      async (
        args: Record<string, unknown>,
        extra: { authInfo?: unknown; requestInfo?: { headers?: Record<string, unknown> } },
      ) => v1Answer(tool.run(args, authContextFromAuthInfo(extra.authInfo)), extra),
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
      async (
        args: Record<string, unknown>,
        extra: { authInfo?: unknown; requestInfo?: { headers?: Record<string, unknown> } },
      ) => v1Answer(tool.run(args, authContextFromAuthInfo(extra.authInfo)), extra),
    );
  }
  return server;
}

/**
 * The contract tools on an MCP SDK v2 `McpServer` (`@modelcontextprotocol/server`), protected by
 * `@mcp-auth/sdk/v2`: one per request, for `createMcpHandler` (the 2026-07-28 leg and the
 * stateless 2025-era fallback).
 */
export function createContractMcpServerV2(
  policy: PolicyEngine,
  tools: readonly ContractTool[],
): McpServerV2 {
  const server = protectMcpServerV2(new McpServerV2({ name: 'contract-v2', version: '1.0.0' }), {
    policy,
  });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: z.object(tool.shape) },
      async (args: Record<string, unknown>, ctx: unknown) => {
        const text = tool.run(args, getAuthContext(ctx));
        const request = (ctx as { http?: { req?: Request } }).http?.req;
        const seen = request?.headers.has('authorization') === true;
        return { content: [{ type: 'text', text: seen ? text + CREDENTIAL_SEEN : text }] };
      },
    );
  }
  return server;
}
