// The README example, type-checked with the package (never run by the test suite).
import { createServer } from 'node:http';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DEMO_USERS,
  DevIdentityProvider,
} from '@mcp-auth/core';
import {
  createNodeAuthorizationHandler,
  createNodeMcpGuard,
  writeNodeResponse,
} from '@mcp-auth/core/node-http';

const policy = createDefaultPolicies(); // get_* → mcp:tools:read, send_* → write, delete_* → admin

const server = createAuthorizationServer({
  issuer: 'http://localhost:3000', // configured, never taken from the Host header
  resource: 'http://localhost:3000/mcp', // the MCP endpoint: the tokens' audience
  signingKey: process.env.JWT_SECRET ?? 'a-development-secret-of-at-least-32-bytes',
  policy,
  identityProvider: new DevIdentityProvider({ users: DEMO_USERS }), // development only
});

const oauth = createNodeAuthorizationHandler(server); // every OAuth endpoint and metadata document
const guard = createNodeMcpGuard({
  verifier: server.tokenVerifier,
  policy,
  resourceMetadataUrl: server.resourceMetadataUrl,
});

createServer(async (req, res) => {
  if (oauth.matches(req)) return oauth.handle(req, res);
  if (req.url !== '/mcp') {
    res.statusCode = 404;
    return res.end();
  }
  // 401 / 403 step-up / refused calls / 400 / 413 / 503 are answered here, by core.
  const outcome = await guard(req, { response: res });
  if (!outcome.ok) return writeNodeResponse(res, outcome.response);
  // An allowed request: hand outcome.body (the JSON-RPC message) and outcome.authInfo (the
  // caller) to your MCP server, e.g. MCP SDK v2's toNodeHandler(handler)(req, res, outcome.body).
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, result: { caller: outcome.auth.userId } }));
}).listen(3000);
