// The README example, type-checked with the package (never run by the test suite).
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  MemoryStore,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { z } from 'zod';

const PORT = Number(process.env.PORT ?? 3000);
const BASE = process.env.PUBLIC_URL ?? `http://localhost:${PORT}`; // never taken from Host

// get_*/read_* need mcp:tools:read, send_*/create_* mcp:tools:write, delete_* mcp:tools:admin.
const policy = createDefaultPolicies();
policy.addRule({ id: 'whoami', tools: 'whoami' }); // any signed-in user
policy.addRule({
  id: 'admins-only-delete', // an attribute rule: scopes alone are not enough
  tools: 'delete_.*',
  effect: 'deny',
  when: { not: { claim: 'role', eq: 'admin' } },
});

const server = createAuthorizationServer({
  issuer: BASE,
  resource: `${BASE}/mcp`,
  // ≥ 32 bytes; use `mcp-auth keys generate` for a real one.
  signingKey: process.env.MCP_AUTH_SECRET ?? 'dev-only-secret-change-me-0123456789abcdef',
  store: new MemoryStore(),
  policy,
  identityProvider: new DevIdentityProvider({
    users: [
      {
        username: 'alice',
        password: 'demo',
        attributes: { role: 'viewer' },
        scopes: ['mcp:tools:read'],
      },
      {
        username: 'bob',
        password: 'demo',
        attributes: { role: 'editor' },
        scopes: ['mcp:tools:read', 'mcp:tools:write'],
      },
      {
        username: 'carol',
        password: 'demo',
        attributes: { role: 'admin' },
        scopes: ['mcp:tools:read', 'mcp:tools:write', 'mcp:tools:admin'],
      },
    ],
  }),
});

function buildMcpServer(): McpServer {
  // protectMcpServer: every tools/call checked against the policy, tools/list filtered.
  const mcp = protectMcpServer(new McpServer({ name: 'weather', version: '1.0.0' }), { policy });
  mcp.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }) => ({
    content: [{ type: 'text', text: `Sunny in ${city}` }],
  }));
  mcp.registerTool('send_email', { inputSchema: { to: z.string() } }, async ({ to }) => ({
    content: [{ type: 'text', text: `Sent to ${to}` }],
  }));
  mcp.registerTool('delete_user', { inputSchema: { id: z.string() } }, async ({ id }) => ({
    content: [{ type: 'text', text: `Deleted ${id}` }],
  }));
  mcp.registerTool('whoami', {}, async (extra) => {
    const auth = extra.authInfo?.extra?.auth as { userId: string } | undefined;
    return { content: [{ type: 'text', text: auth?.userId ?? 'nobody' }] };
  });
  return mcp;
}

const app = express();
// Mounts the OAuth endpoints + well-known documents, and guards /mcp (401 / 403 step-up).
// Mount it before any body parser: core reads the raw bodies itself.
mcpAuth({ server, policy }).mount(app, (req, res, next) => {
  const mcp = buildMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  mcp
    .connect(transport)
    .then(() => transport.handleRequest(req, res, req.body)) // req.auth → extra.authInfo
    .catch(next);
});
app.listen(PORT, () => console.log(`MCP server on ${BASE}/mcp`));
