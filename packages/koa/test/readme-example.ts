// The README example, type-checked with the package (never run by the test suite).
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  MemoryStore,
} from '@mcp-auth/core';
import { type McpAuthState, mcpAuth } from '@mcp-auth/koa';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa from 'koa';
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

const app = new Koa<McpAuthState>();
// Uses the OAuth endpoints + well-known documents, and guards /mcp (401 / 403 step-up).
// Use it before any body parser: core reads the raw bodies itself.
mcpAuth({ server, policy }).mount(app, async (ctx) => {
  const mcp = buildMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  ctx.res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  ctx.respond = false; // the transport writes the response
  await mcp.connect(transport);
  await transport.handleRequest(ctx.req, ctx.res, ctx.state.body); // ctx.req.auth → extra.authInfo
});
app.listen(PORT, () => console.log(`MCP server on ${BASE}/mcp`));
