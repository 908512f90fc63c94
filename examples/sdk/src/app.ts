import { createExamplePolicy, registerExampleTools } from '@mcp-auth-examples/shared';
import { type ExampleOptions, startExample } from '@mcp-auth-examples/shared/node';
import { createNodeAuthorizationHandler } from '@mcp-auth/core/node-http';
import { createTokenVerifier, protectMcpServer } from '@mcp-auth/sdk';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

// Shared by every example (../shared): this policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the authorization server with alice, bob, carol.
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export function start(options: ExampleOptions = {}) {
  return startExample(options, policy, ({ authServer, host }) => {
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
        .then(() => transport.handleRequest(req, res, req.body)) // req.auth: set by bearer
        .catch(next);
    });
    return app;
  });
}
