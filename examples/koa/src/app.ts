import { createExamplePolicy, registerExampleTools } from '@mcp-auth-examples/shared';
import { type ExampleOptions, startExample } from '@mcp-auth-examples/shared/node';
import { mcpAuth } from '@mcp-auth/koa';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa from 'koa';

// Shared by every example (../shared): this policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the authorization server with alice, bob, carol.
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export function start(options: ExampleOptions = {}) {
  return startExample(options, policy, ({ authServer }) => {
    const app = new Koa();
    // OAuth endpoints + metadata, then /mcp behind the guard (401, 403 step-up, then the policy).
    mcpAuth({ server: authServer, policy }).mount(app, async (ctx) => {
      const mcp = new McpServer({ name: 'koa-example', version: '1.0.0' });
      registerExampleTools(protectMcpServer(mcp, { policy }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      ctx.respond = false; // the transport writes the response (req.auth was set by the guard)
      ctx.res.on('close', () => void mcp.close());
      await mcp.connect(transport);
      await transport.handleRequest(ctx.req, ctx.res, ctx.state.body);
    });
    return app.callback();
  });
}
