/**
 * `http.toolscall.v2.mcp-auth`: the MCP SDK v2 tool server behind `@mcp-auth/express`
 * `mcpAuth({ server, policy }).mount()` (bearer verification with the verified-token cache,
 * revocation check in a MemoryStore, the 2026-07-28 header rules, the policy decision of every
 * `tools/call` at the edge), with `@mcp-auth/sdk/v2` `protectMcpServer` on every instance the
 * handler's factory builds (the in-MCP decision on the schema-parsed arguments).
 * Run by bench/http.bench.ts; see bench/http/common-v2.ts.
 */
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  MemoryStore,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk/v2';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import express from 'express';
import { benchSecret, ISSUER, RESOURCE, serve } from './common.js';
import { createV2ToolServer } from './common-v2.js';

// get_* → mcp:tools:read, send_* → mcp:tools:write, delete_* → mcp:tools:admin.
const policy = createDefaultPolicies();
const server = createAuthorizationServer({
  issuer: ISSUER,
  resource: RESOURCE,
  signingKey: benchSecret(),
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
    ],
  }),
});
await server.ready();

const nodeHandler = toNodeHandler(
  createMcpHandler(() => protectMcpServer(createV2ToolServer(), { policy })),
);
const app = express();
mcpAuth({ server, policy }).mount(app, (req, res, next) => {
  nodeHandler(req, res, req.body).catch(next);
});
await serve(app);
