import { createServer } from 'node:net';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  type DevUser,
  generateSecret,
} from '@mcp-auth/core';
import { FastMCPAuthWrapper } from '@mcp-auth/fastmcp';
import { FastMCP } from 'fastmcp';
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

/** Starts the example; `port: 0` picks a free port. */
export async function start(options: { port?: number; host?: string } = {}) {
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  const port = await resolvePort(options.port ?? Number(process.env['PORT'] ?? 3000), host);
  // The public origin (MCP_AUTH_ISSUER behind a proxy): the issuer; the MCP URL is <origin>/mcp.
  const url = process.env['MCP_AUTH_ISSUER'] ?? `http://${host}:${port}`;

  const authorizationServer = createAuthorizationServer({
    issuer: url,
    resource: `${url}/mcp`,
    signingKey: process.env['MCP_AUTH_SECRET'] ?? generateSecret(), // HS256; random per start if unset
    policy,
    identityProvider: new DevIdentityProvider({ users }),
  });
  const auth = new FastMCPAuthWrapper({ policy, authorizationServer });
  // fastmcp's authenticate hook from the wrapper; protect() filters tools by the policy and
  // serves the OAuth endpoints + metadata on fastmcp's HTTP app.
  const server = auth.protect(
    new FastMCP({ ...auth.serverOptions(), name: 'fastmcp-example', version: '1.0.0' }),
  );
  server.addTool({
    name: 'get_weather',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `Sunny in ${city}`,
  });
  server.addTool({
    name: 'send_email',
    parameters: z.object({ to: z.string() }),
    execute: async ({ to }) => `Sent to ${to}`,
  });
  server.addTool({
    name: 'delete_user',
    parameters: z.object({ username: z.string() }),
    execute: async ({ username }) => `Deleted ${username}`,
  });
  server.addTool({
    name: 'whoami', // the session is the caller's AuthContext
    execute: async (_args, { session }) =>
      `${session?.userId} (${session?.claims['role']}): ${session?.scopes.join(' ')}`,
  });
  await server.start({ transportType: 'httpStream', httpStream: { port, host, endpoint: '/mcp' } });
  return { url, mcpUrl: `${url}/mcp`, close: () => server.stop() };
}

// The issuer (and so the port) must be known before fastmcp starts: resolve port 0 first.
async function resolvePort(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const { port: free } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}
