import { createExamplePolicy, registerExampleTools } from '@mcp-auth-examples/shared';
import { type ExampleOptions, startExample } from '@mcp-auth-examples/shared/node';
import { mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';

// Shared by every example (../shared): this policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the authorization server with alice, bob, carol.
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export function start(options: ExampleOptions = {}) {
  return startExample(options, policy, ({ authServer }) => {
    const app = express();
    // OAuth endpoints + metadata, then /mcp behind the guard (401, 403 step-up, then the policy).
    mcpAuth({ server: authServer, policy }).mount(app, (req, res, next) => {
      const mcp = new McpServer({ name: 'express-example', version: '1.0.0' });
      registerExampleTools(protectMcpServer(mcp, { policy }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void mcp.close());
      mcp
        .connect(transport)
        .then(() => transport.handleRequest(req, res, req.body)) // req.auth: set by the guard
        .catch(next);
    });
    return app;
  });
}
