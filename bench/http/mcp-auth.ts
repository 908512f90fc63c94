/**
 * `http.toolscall.mcp-auth` (and `…-redis` with the argument `redis`): the tool server with
 * `@mcp-auth/express` `mcpAuth({ server, policy }).mount()` in front (bearer verification with
 * the verified-token cache, revocation check against the store through the token service's
 * revocation-aware verifier, MCP guard policy decision) and `@mcp-auth/sdk` `protectMcpServer`
 * on the MCP server (the in-MCP policy decision). The store is a `MemoryStore`, or a
 * `RedisStore` at `MCP_AUTH_REDIS_URL` (default 127.0.0.1:6379) under a unique key prefix.
 */
import { randomBytes } from 'node:crypto';
import {
  authContextFromAuthInfo,
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  MemoryStore,
} from '@mcp-auth/core';
import type { Store } from '@mcp-auth/core/store';
import { type McpAuthRequest, mcpAuth } from '@mcp-auth/express';
import { RedisStore } from '@mcp-auth/redis';
import { protectMcpServer } from '@mcp-auth/sdk';
import express from 'express';
import {
  benchLayout,
  benchSecret,
  createMcpHandler,
  createToolServer,
  ISSUER,
  RESOURCE,
  serve,
} from './common.js';

const useRedis = process.argv.includes('redis');
let store: Store;
if (useRedis) {
  const redis = new RedisStore({
    url: process.env['MCP_AUTH_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    keyPrefix: `mcp-auth-bench-http:${randomBytes(6).toString('hex')}:`,
  });
  // Fail fast when Redis is not there: the bench skips this variant.
  await redis.set('probe', { ok: true }, 10_000);
  store = redis;
} else {
  store = new MemoryStore();
}

// get_* → mcp:tools:read, send_* → mcp:tools:write, delete_* → mcp:tools:admin.
const policy = createDefaultPolicies();
const server = createAuthorizationServer({
  issuer: ISSUER,
  resource: RESOURCE,
  signingKey: benchSecret(),
  store,
  policy,
  identityProvider: new DevIdentityProvider({
    users: [
      {
        username: 'alice',
        password: 'demo',
        attributes: { role: 'viewer' },
        scopes: ['mcp:tools:read'],
      },
    ],
  }),
});
await server.ready();

const app = express();
mcpAuth({ server, policy }).mount(
  app,
  createMcpHandler({
    layout: benchLayout(),
    createServer: () => protectMcpServer(createToolServer(), { policy }),
    ownerOf: (req) => {
      const auth = authContextFromAuthInfo((req as McpAuthRequest).auth);
      return auth ? `${auth.userId}\n${auth.clientId}` : undefined;
    },
  }),
);
await serve(app);
