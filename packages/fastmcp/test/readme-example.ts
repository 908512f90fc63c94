// The README example, type-checked with the package (never run by the test suite).
import { FastMCP } from 'fastmcp';
import { z } from 'zod';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  generateSecret,
} from '@mcp-auth/core';
import { FastMCPAuthWrapper } from '@mcp-auth/fastmcp';

const PORT = Number(process.env.PORT ?? 3000);
const ORIGIN = `http://localhost:${PORT}`;

const policy = createDefaultPolicies(); // read_*/get_* → mcp:tools:read, send_* → mcp:tools:write, delete_* → mcp:tools:admin
policy.addRule({ id: 'whoami', tools: 'whoami' }); // any signed-in user

// The OAuth 2.1 authorization server, embedded (login + consent pages, registration, PKCE…).
const authorizationServer = createAuthorizationServer({
  issuer: ORIGIN,
  resource: `${ORIGIN}/mcp`,
  signingKey: process.env.MCP_AUTH_SECRET ?? generateSecret(), // ≥ 32 bytes; random per start if unset
  policy,
  identityProvider: new DevIdentityProvider({
    users: [
      {
        username: 'alice',
        password: 'demo',
        scopes: ['mcp:tools:read'],
        attributes: { role: 'viewer' },
      },
      {
        username: 'bob',
        password: 'demo',
        scopes: ['mcp:tools:read', 'mcp:tools:write'],
        attributes: { role: 'editor' },
      },
      {
        username: 'carol',
        password: 'demo',
        scopes: ['mcp:tools:*'],
        attributes: { role: 'admin' },
      },
    ],
  }),
});

const auth = new FastMCPAuthWrapper({ policy, authorizationServer });

// The two lines: fastmcp's options from the wrapper, then protect() before adding tools.
const server = auth.protect(
  new FastMCP({ ...auth.serverOptions(), name: 'demo', version: '1.0.0' }),
);

server.addTool({
  name: 'get_weather',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `Sunny in ${city}`,
});
server.addTool({
  name: 'delete_user',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }) => `Deleted ${id}`,
});
server.addTool({
  name: 'whoami',
  execute: async (_args, { session }) => session?.userId ?? 'nobody',
});

await server.start({ transportType: 'httpStream', httpStream: { port: PORT, endpoint: '/mcp' } });
