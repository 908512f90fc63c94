/**
 * The HTTP edge alone, for measuring what protection costs without the MCP SDK's own work:
 * the same Express app and `/mcp` route, but the handler answers a fixed JSON-RPC result as
 * soon as the request got through. Argument: `none` (`express.json()` only), `mcp-auth`
 * (`mcpAuth({ server, policy }).mount()`), or `sdk-jose` (`requireBearerAuth` + jose +
 * `express.json()`). Used by `MCP_AUTH_BENCH_HTTP_EDGE=1 pnpm bench http`.
 */
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express, { type Request, type Response } from 'express';
import { benchSecret, ISSUER, MCP_PATH, RESOURCE, serve } from './common.js';
import { verifyAccessToken } from './sdk-jose-verifier.js';

const mode = process.argv[2];
const RESULT = JSON.stringify({
  result: { content: [{ type: 'text', text: 'Sunny in Paris' }] },
  jsonrpc: '2.0',
  id: 1,
});
const answer = (req: Request, res: Response) => {
  // Touch what the MCP handler would read, so an unparsed body cannot pass unnoticed.
  if ((req.body as { method?: unknown } | undefined)?.method !== 'tools/call') {
    res.status(400).end();
    return;
  }
  res.type('application/json').send(RESULT);
};

const app = express();
if (mode === 'none') {
  app.all(MCP_PATH, express.json({ limit: '4mb' }), answer);
} else if (mode === 'mcp-auth') {
  const policy = createDefaultPolicies();
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: benchSecret(),
    policy,
    identityProvider: new DevIdentityProvider({
      users: [{ username: 'alice', password: 'demo', attributes: {}, scopes: ['mcp:tools:read'] }],
    }),
  });
  await server.ready();
  mcpAuth({ server, policy }).mount(app, answer);
} else if (mode === 'sdk-jose') {
  app.all(
    MCP_PATH,
    requireBearerAuth({
      verifier: { verifyAccessToken },
      resourceMetadataUrl: `${new URL(RESOURCE).origin}/.well-known/oauth-protected-resource/mcp`,
    }),
    express.json({ limit: '4mb' }),
    answer,
  );
} else {
  throw new TypeError('edge.ts: argument must be none, mcp-auth or sdk-jose');
}
await serve(app);
