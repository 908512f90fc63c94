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
import { createNodeAuthorizationHandler } from '@mcp-auth/core';
import { createTokenVerifier, protectMcpServer } from '@mcp-auth/sdk';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

// What every example shares (../shared): the policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the users alice/bob/carol (password `demo`).
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export async function start(options: ExampleOptions = {}) {
  // Listen first: the issuer is the URL really listened on (or MCP_AUTH_ISSUER behind a proxy).
  const { server, host, example } = await listenExample(options);
  const authServer = await createExampleAuthorizationServer({
    url: example.url,
    policy,
    signingKey: exampleSigningKey(), // HS256: MCP_AUTH_SECRET, or random per start
  });

  const app = createMcpExpressApp({ host }); // the SDK's Express app (JSON body, DNS-rebinding guard)
  // The authorization server's endpoints and metadata, served by core's Node handler.
  const oauth = createNodeAuthorizationHandler(authServer);
  app.use((req, res, next) => (oauth.matches(req) ? void oauth.handle(req, res) : next()));
  // The SDK's own bearer middleware, verifying with core; the policy lives in the McpServer.
  const bearer = requireBearerAuth({
    verifier: createTokenVerifier(authServer.tokenVerifier),
    resourceMetadataUrl: authServer.resourceMetadataUrl,
  });
  app.all('/mcp', bearer, (req, res, next) => {
    const mcp = new McpServer({ name: 'sdk-example', version: '1.0.0' });
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
