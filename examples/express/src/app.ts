import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  authContextFromAuthInfo,
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  type DevUser,
  generateSecret,
  type PolicyEngine,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
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
  const mcp = protectMcpServer(new McpServer({ name: 'express-example', version: '1.0.0' }), {
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

/** Starts the example; `port: 0` picks a free port. */
export async function start(options: { port?: number; host?: string } = {}) {
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  const httpServer = createServer();
  await new Promise<void>((resolve, reject) => {
    httpServer
      .once('error', reject)
      .listen(options.port ?? Number(process.env['PORT'] ?? 3000), host, resolve);
  });
  // The public origin (MCP_AUTH_ISSUER behind a proxy): the issuer; the MCP URL is <origin>/mcp.
  const url =
    process.env['MCP_AUTH_ISSUER'] ??
    `http://${host}:${(httpServer.address() as AddressInfo).port}`;

  const authServer = createAuthorizationServer({
    issuer: url,
    resource: `${url}/mcp`,
    signingKey: process.env['MCP_AUTH_SECRET'] ?? generateSecret(), // HS256; random per start if unset
    policy,
    identityProvider: new DevIdentityProvider({ users }),
  });
  await authServer.ready();

  const app = express();
  // OAuth endpoints + metadata, then /mcp behind the guard (401, 403 step-up, then the policy).
  mcpAuth({ server: authServer, policy }).mount(app, (req, res, next) => {
    const mcp = buildMcpServer(policy);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void mcp.close());
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch(next);
  });
  httpServer.on('request', app);

  return {
    url,
    mcpUrl: `${url}/mcp`,
    close: () =>
      new Promise<void>((resolve) => httpServer.close(() => resolve()).closeAllConnections()),
  };
}
