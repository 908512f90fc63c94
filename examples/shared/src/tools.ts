import { type AuthContext, authContextFromAuthInfo } from '@mcp-auth/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** One tool of the examples, in no framework's shape: each adapter registers it its own way. */
export interface ExampleTool {
  /** The tool name; its prefix decides the scope it needs (see `createExamplePolicy`). */
  readonly name: string;
  /** The tool's arguments (all strings). */
  readonly args: Readonly<Record<string, z.ZodString>>;
  /** The text the tool answers, given its validated arguments and the caller. */
  run(args: Readonly<Record<string, string>>, auth: AuthContext | undefined): string;
}

/**
 * The four tools of every example: `get_weather` (read), `send_email` (write), `delete_user`
 * (admin) and `whoami` (anyone signed in: the caller's id, role and granted scopes).
 */
export const EXAMPLE_TOOLS = Object.freeze<readonly ExampleTool[]>([
  { name: 'get_weather', args: { city: z.string() }, run: ({ city }) => `Sunny in ${city}` },
  { name: 'send_email', args: { to: z.string() }, run: ({ to }) => `Sent to ${to}` },
  {
    name: 'delete_user',
    args: { username: z.string() },
    run: ({ username }) => `Deleted ${username}`,
  },
  {
    name: 'whoami',
    args: {},
    run: (_args, auth) => `${auth?.userId} (${auth?.claims['role']}): ${auth?.scopes.join(' ')}`,
  },
]);

/**
 * Registers {@link EXAMPLE_TOOLS} on an SDK `McpServer` (protect it with `protectMcpServer`
 * from `@mcp-auth/sdk`); `whoami` reads the caller from the SDK's `authInfo`.
 * @returns the same server, for chaining.
 */
export function registerExampleTools(mcp: McpServer): McpServer {
  for (const tool of EXAMPLE_TOOLS) {
    mcp.registerTool(tool.name, { inputSchema: tool.args }, async (args, { authInfo }) => ({
      content: [{ type: 'text', text: tool.run(args, authContextFromAuthInfo(authInfo)) }],
    }));
  }
  return mcp;
}
