import type { IncomingMessage, ServerResponse } from 'node:http';
import { createExamplePolicy, EXAMPLE_TOOLS } from '@mcp-auth-examples/shared';
import { type ExampleOptions, startExample } from '@mcp-auth-examples/shared/node';
import { createNodeMcpAuth, writeNodeResponse } from '@mcp-auth/core/node-http';
import { getAuthContext, protectMcpServer } from '@mcp-auth/sdk/v2';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

// Shared by every example (../shared): this policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the authorization server with alice, bob, carol.
const policy = createExamplePolicy();

/** What a test may observe: each tool body that ran (a refused call must never run one). */
export interface ExampleHooks {
  readonly onToolRun?: (tool: string) => void;
}

/** The MCP server (SDK v2) with the examples' four tools, protected by the policy. */
function buildServer(hooks: ExampleHooks): McpServer {
  const mcp = new McpServer({ name: 'sdk-v2-example', version: '1.0.0' });
  for (const tool of EXAMPLE_TOOLS) {
    mcp.registerTool(tool.name, { inputSchema: z.object(tool.args) }, async (args, ctx) => {
      hooks.onToolRun?.(tool.name);
      return { content: [{ type: 'text', text: tool.run(args, getAuthContext(ctx)) }] };
    });
  }
  // Every tools/call authorized on the arguments the tool receives; tools/list filtered.
  return protectMcpServer(mcp, { policy });
}

/** Starts the example; `port: 0` picks a free port. */
export function start(options: ExampleOptions = {}, hooks: ExampleHooks = {}) {
  return startExample(options, policy, ({ authServer }) => {
    // The authorization server's endpoints, and the MCP guard: authenticates before reading the
    // body, 401 / 403 step-up, decides every tools/call before the MCP server sees it.
    const auth = createNodeMcpAuth({ server: authServer, policy });
    // MCP SDK v2: protocol 2026-07-28 and the 2025-era fallback, one McpServer per request.
    const serve = toNodeHandler(createMcpHandler(() => buildServer(hooks)));
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (auth.router.matches(req)) return auth.router.handle(req, res);
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== auth.path) {
        res.writeHead(404).end();
        return;
      }
      const outcome = await auth.protect(req, { response: res });
      if (!outcome.ok) return writeNodeResponse(res, outcome.response);
      Object.assign(req, { auth: outcome.authInfo }); // the caller, for toNodeHandler
      await serve(req, res, outcome.body); // the body the guard read and parsed
    };
    return (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
  });
}
