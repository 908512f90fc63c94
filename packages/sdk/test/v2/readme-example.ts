// The README's SDK 2.x example, type-checked with the package (never run by the test suite).
import { createServer } from 'node:http';
import {
  createAccessTokenVerifier,
  createDefaultPolicies,
  createSecretKey,
  protectedResourceMetadataUrl,
} from '@mcp-auth/core';
import { createTokenVerifier, getAuthContext, protectMcpServer } from '@mcp-auth/sdk/v2';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, requireBearerAuth } from '@modelcontextprotocol/server';
import { z } from 'zod';

const PORT = Number(process.env.PORT ?? 3000);
const RESOURCE = `http://localhost:${PORT}/mcp`; // this MCP server: the tokens' audience
const ISSUER = process.env.MCP_AUTH_ISSUER ?? `http://localhost:${PORT}`;

// Tokens are at+jwt signed by your mcp-auth authorization server (HS256 shared secret here;
// pass `key: createRemoteKeySet(jwksUrl)` for ES256/EdDSA with a JWKS).
const key = await createSecretKey(process.env.MCP_AUTH_SECRET!);
const verifier = createAccessTokenVerifier({ key, issuer: ISSUER, audience: RESOURCE });

// read_*/get_* → mcp:tools:read, send_*/write_* → mcp:tools:write, delete_*/admin_* → mcp:tools:admin
const policy = createDefaultPolicies();
policy.addRule({ id: 'whoami', tools: 'whoami' }); // any signed-in user
policy.addRule({
  id: 'no-self-delete', // decided on the arguments the tool receives: " Carol" is carol
  tools: 'delete_user',
  effect: 'deny',
  args: { arg: 'user', eq: { claim: 'sub' } },
});

// One factory for both eras createMcpHandler serves (2026-07-28 and the 2025 fallback).
function buildServer(): McpServer {
  const server = protectMcpServer(new McpServer({ name: 'demo', version: '1.0.0' }), { policy });
  server.registerTool(
    'get_weather',
    { inputSchema: z.object({ city: z.string() }) },
    async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}` }] }),
  );
  server.registerTool(
    'delete_user',
    { inputSchema: z.object({ user: z.string().trim().toLowerCase() }) },
    async ({ user }) => ({ content: [{ type: 'text', text: `Deleted ${user}` }] }),
  );
  server.registerTool('whoami', {}, async (ctx) => ({
    content: [{ type: 'text', text: getAuthContext(ctx)?.userId ?? 'nobody' }],
  }));
  return server;
}

const handler = createMcpHandler(buildServer);
const serveMcp = toNodeHandler(handler); // forwards `req.auth` as the handler's `authInfo`
const authenticate = requireBearerAuth({
  verifier: createTokenVerifier(verifier),
  // RFC 9728: where clients find this resource's metadata (serve it, e.g. with @mcp-auth/express).
  resourceMetadataUrl: protectedResourceMetadataUrl(RESOURCE),
});

createServer(async (req, res) => {
  // The gate reads only the Authorization header: no body is read before authentication.
  const headers = new Headers();
  if (req.headers.authorization) headers.set('authorization', req.headers.authorization);
  const verdict = await authenticate(new Request(RESOURCE, { headers }));
  if (verdict instanceof Response) {
    res.writeHead(verdict.status, Object.fromEntries(verdict.headers));
    res.end(await verdict.text());
    return;
  }
  await serveMcp(Object.assign(req, { auth: verdict }), res);
}).listen(PORT);
