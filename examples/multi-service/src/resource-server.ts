// A resource server process: an MCP service that trusts the one authorization server's JWKS,
// accepts only tokens whose audience is its own MCP endpoint, and checks revocations in the
// shared Redis on every request.
import { createServer } from 'node:http';
import { createExamplePolicy } from '@mcp-auth-examples/shared';
import {
  authContextFromAuthInfo,
  createAccessTokenVerifier,
  createProtectedResourceMetadata,
  createRemoteKeySet,
  createRevocationChecker,
  protectedResourceMetadataUrl,
} from '@mcp-auth/core';
import { mcpGuard } from '@mcp-auth/express';
import { RedisStore } from '@mcp-auth/redis';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { z } from 'zod';
import { env, listen, SERVER_TIMEOUTS } from './env.js';

const { origin, services, redisUrl, keyPrefix, service } = env();
const name = service ?? 'notes';
const url = services[name];
if (!url) throw new Error(`SERVICE must be one of ${Object.keys(services).join(', ')}`);
const resource = `${url}/mcp`;
const issuer = origin; // the same issuer for every service

// The examples' policy: list_* → read, create_* → write, delete_* → admin; whoami: anyone.
const policy = createExamplePolicy();
const verifier = createAccessTokenVerifier({
  key: createRemoteKeySet(`${issuer}/jwks.json`), // ES256 public keys, fetched and cached
  issuer,
  audience: resource, // a token issued for the other service (its `aud`) is refused
  isRevoked: createRevocationChecker(new RedisStore({ url: redisUrl, keyPrefix })),
});

function buildMcpServer(): McpServer {
  const mcp = protectMcpServer(new McpServer({ name, version: '1.0.0' }), { policy });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  mcp.registerTool(`list_${name}`, {}, async () => text(`${name}: 3 items`));
  mcp.registerTool(`create_${name}`, { inputSchema: { title: z.string() } }, async ({ title }) =>
    text(`${name}: created ${title}`),
  );
  mcp.registerTool(`delete_${name}`, { inputSchema: { id: z.string() } }, async ({ id }) =>
    text(`${name}: deleted ${id}`),
  );
  mcp.registerTool('whoami', {}, async ({ authInfo }) =>
    text(`${authContextFromAuthInfo(authInfo)?.userId} at ${name}`),
  );
  return mcp;
}

const app = express();
// RFC 9728: where MCP clients discover the authorization server of this resource.
app.get(new URL(protectedResourceMetadataUrl(resource)).pathname, (_req, res) => {
  res.json(
    createProtectedResourceMetadata({
      resource,
      authorizationServers: [issuer],
      scopesSupported: policy.scopesSupported(),
      resourceName: `${name[0]!.toUpperCase()}${name.slice(1)} service`,
    }),
  );
});
const guard = mcpGuard({
  verifier,
  policy,
  resourceMetadataUrl: protectedResourceMetadataUrl(resource),
});
app.all('/mcp', guard, (req, res, next) => {
  const mcp = buildMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => void mcp.close());
  mcp
    .connect(transport)
    .then(() => transport.handleRequest(req, res, req.body))
    .catch(next);
});
const { port, hostname } = new URL(url);
await listen(createServer({ ...SERVER_TIMEOUTS }, app), Number(port), hostname);
console.log(`${name} resource server ready on ${url}`);
