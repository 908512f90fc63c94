// The README example, type-checked with the package (never run by the test suite).
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
  createAccessTokenVerifier,
  createDefaultPolicies,
  createSecretKey,
  protectedResourceMetadataUrl,
} from '@mcp-auth/core';
import { createTokenVerifier, protectMcpServer } from '@mcp-auth/sdk';
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
  id: 'own-documents-only', // attributes: a user reads only their own documents
  tools: 'read_document',
  effect: 'deny',
  args: { not: { arg: 'owner', eq: { claim: 'sub' } } },
});

function buildServer(): McpServer {
  const server = protectMcpServer(new McpServer({ name: 'demo', version: '1.0.0' }), { policy });
  server.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }) => ({
    content: [{ type: 'text', text: `Sunny in ${city}` }],
  }));
  server.registerTool(
    'read_document',
    { inputSchema: { owner: z.string() } },
    async ({ owner }) => ({
      content: [{ type: 'text', text: `The document of ${owner}` }],
    }),
  );
  server.registerTool('delete_user', { inputSchema: { id: z.string() } }, async ({ id }) => ({
    content: [{ type: 'text', text: `Deleted ${id}` }],
  }));
  server.registerTool('whoami', {}, async (extra) => {
    const auth = extra.authInfo?.extra?.auth as { userId: string } | undefined;
    return { content: [{ type: 'text', text: auth?.userId ?? 'nobody' }] };
  });
  return server;
}

const app = express();
app.use(express.json());
app.post(
  '/mcp',
  requireBearerAuth({
    verifier: createTokenVerifier(verifier),
    // RFC 9728: where clients find this resource's metadata (serve it, e.g. with @mcp-auth/express).
    resourceMetadataUrl: protectedResourceMetadataUrl(RESOURCE),
  }),
  async (req, res) => {
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  },
);
app.listen(PORT);
