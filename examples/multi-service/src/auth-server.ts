// The authorization server process: one issuer for both services. Users log in here; tokens are
// ES256, published as a JWKS; each token's audience is the one service it was asked for.
import { createServer } from 'node:http';
import { createExamplePolicy } from '@mcp-auth-examples/shared';
import {
  createAuthorizationServer,
  DEMO_USERS,
  DevIdentityProvider,
  generateKeyPair,
} from '@mcp-auth/core';
import { mcpAuthRouter } from '@mcp-auth/express';
import { RedisStore } from '@mcp-auth/redis';
import express from 'express';
import { env, listen, SERVER_TIMEOUTS } from './env.js';

const { origin, port, host, services, redisUrl, keyPrefix } = env();
const { privateKey } = await generateKeyPair('ES256');

// One issuer, several protected resources (RFC 8707): a client names the service it wants in
// the `resource` parameter, the user consents to that service by name, and the token's `aud` is
// that service's MCP endpoint — refused by the other one.
const server = createAuthorizationServer({
  issuer: origin,
  resources: Object.entries(services).map(([name, url]) => ({
    url: `${url}/mcp`,
    name: `${name[0]!.toUpperCase()}${name.slice(1)} service`,
    policy: createExamplePolicy(), // the one that service enforces
  })),
  signingKey: privateKey,
  // Codes, grants, refresh families and revocations in Redis, read by both services.
  store: new RedisStore({ url: redisUrl, keyPrefix }),
  identityProvider: new DevIdentityProvider({ users: DEMO_USERS }), // alice, bob, carol; `demo`
  clientIdMetadataDocuments: true, // URL client_ids; nothing fetched until a client uses one
});
await server.ready();

const app = express();
app.use(mcpAuthRouter(server));
await listen(createServer({ ...SERVER_TIMEOUTS }, app), port, host);
console.log(`authorization server ready on ${origin} for ${server.resources.join(', ')}`);
