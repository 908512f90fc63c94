import {
  createExampleAuthorizationServer,
  createExamplePolicy,
  registerExampleTools,
} from '@mcp-auth-examples/shared';
import {
  type ExampleOptions,
  exampleSigningKey,
  listenExample,
} from '@mcp-auth-examples/shared/node';
import { mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';

// What every example shares (../shared): the policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the users alice/bob/carol (password `demo`).
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export async function start(options: ExampleOptions = {}) {
  // Listen first: the issuer is the URL really listened on (or MCP_AUTH_ISSUER behind a proxy).
  const { server, example } = await listenExample(options);
  const authServer = await createExampleAuthorizationServer({
    url: example.url,
    policy,
    signingKey: exampleSigningKey(), // HS256: MCP_AUTH_SECRET, or random per start
  });

  const app = express();
  // OAuth endpoints + metadata, then /mcp behind the guard (401, 403 step-up, then the policy).
  mcpAuth({ server: authServer, policy }).mount(app, (req, res, next) => {
    const mcp = new McpServer({ name: 'express-example', version: '1.0.0' });
    registerExampleTools(protectMcpServer(mcp, { policy }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void mcp.close());
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch(next);
  });
  server.on('request', app);
  return example;
}
