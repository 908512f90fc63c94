import type { AddressInfo } from 'node:net';
import {
  authContextFromAuthInfo,
  createAuthorizationServer,
  createDefaultPolicies,
  createFetchMcpGuard,
  DevIdentityProvider,
  type DevUser,
  generateSecret,
  type PolicyEngine,
  toFetchHandler,
} from '@mcp-auth/core';
import { serve } from '@hono/node-server';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { z } from 'zod';

// The three users of every mcp-auth example, password `demo`; `scopes` caps what each may be granted.
const user = (username: string, role: string, scopes: string[]): DevUser => ({
  username,
  password: 'demo',
  attributes: { role },
  scopes: scopes.map((s) => `mcp:tools:${s}`),
});
const users = [
  user('alice', 'viewer', ['read']),
  user('bob', 'editor', ['read', 'write']),
  user('carol', 'admin', ['read', 'write', 'admin']),
];

// get_* → mcp:tools:read, send_* → mcp:tools:write, delete_* → mcp:tools:admin; whoami: anyone signed in.
const policy = createDefaultPolicies();
policy.addRule({ id: 'whoami', tools: 'whoami' });

function buildMcpServer(policy: PolicyEngine): McpServer {
  const mcp = protectMcpServer(new McpServer({ name: 'hono-example', version: '1.0.0' }), {
    policy,
  });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  mcp.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }) =>
    text(`Sunny in ${city}`),
  );
  mcp.registerTool('send_email', { inputSchema: { to: z.string() } }, async ({ to }) =>
    text(`Sent to ${to}`),
  );
  mcp.registerTool('delete_user', { inputSchema: { username: z.string() } }, async ({ username }) =>
    text(`Deleted ${username}`),
  );
  mcp.registerTool('whoami', {}, async ({ authInfo }) => {
    const auth = authContextFromAuthInfo(authInfo); // the caller's AuthContext
    return text(`${auth?.userId} (${auth?.claims['role']}): ${auth?.scopes.join(' ')}`);
  });
  return mcp;
}

/** The Hono app: Web-standard `Request` → `Response` only, so it runs on Workers, Deno, Bun… */
export async function createApp(url: string, signingKey: string): Promise<Hono> {
  const authServer = createAuthorizationServer({
    issuer: url,
    resource: `${url}/mcp`,
    signingKey,
    policy,
    identityProvider: new DevIdentityProvider({ users }),
  });
  await authServer.ready();
  const oauth = toFetchHandler(authServer);
  const guard = createFetchMcpGuard({
    verifier: authServer.tokenVerifier,
    policy,
    resourceMetadataUrl: authServer.resourceMetadataUrl,
  });

  const app = new Hono();
  // Every OAuth endpoint and both metadata documents (core answers wrong methods with 405).
  for (const path of new Set(authServer.routes.map((r) => r.path)))
    app.all(path, (c) => oauth(c.req.raw));
  app.all('/mcp', async (c) => {
    // 401 / 403 step-up / 413 / 503 / parse error at the HTTP edge, answered exactly as core says.
    const outcome = await guard(c.req.raw);
    if (!outcome.ok) return outcome.response;
    const mcp = buildMcpServer(policy);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    await mcp.connect(transport);
    return transport.handleRequest(c.req.raw, {
      authInfo: outcome.authInfo,
      parsedBody: outcome.body,
    });
  });
  return app;
}

/** Starts the example on Node; `port: 0` picks a free port. */
export async function start(options: { port?: number; host?: string } = {}) {
  const hostname = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  const port = options.port ?? Number(process.env['PORT'] ?? 3000);
  let app: Hono | undefined;
  // The issuer is the URL really listened on (port 0 included), so the app is built after listen.
  const fetch = (request: Request) => app?.fetch(request) ?? new Response(null, { status: 503 });
  const server = serve({ fetch, port, hostname });
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  // The public origin (MCP_AUTH_ISSUER behind a proxy): the issuer; the MCP URL is <origin>/mcp.
  const url =
    process.env['MCP_AUTH_ISSUER'] ??
    `http://${hostname}:${(server.address() as AddressInfo).port}`;
  app = await createApp(url, process.env['MCP_AUTH_SECRET'] ?? generateSecret());
  return {
    url,
    mcpUrl: `${url}/mcp`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
