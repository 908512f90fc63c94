// The authorization server process: users log in here; tokens are ES256, published as a JWKS.
import { createServer } from 'node:http';
import { createExamplePolicy } from '@mcp-auth-examples/shared';
import {
  createAuthorizationServer,
  DEMO_USERS,
  DevIdentityProvider,
  generateKeyPair,
  generateSecret,
} from '@mcp-auth/core';
import { mcpAuthRouter } from '@mcp-auth/express';
import { RedisStore } from '@mcp-auth/redis';
import express from 'express';
import { env, listen, SERVER_TIMEOUTS } from './env.js';

const { origin, port, host, services, redisUrl, keyPrefix } = env();
// Shared by every issuer of this process: the signing key, the users (alice, bob, carol;
// password `demo`), the consent cookie key and the Redis store (codes, grants, refresh
// families, revocations).
const { privateKey } = await generateKeyPair('ES256');
const identityProvider = new DevIdentityProvider({ users: DEMO_USERS });
const store = new RedisStore({ url: redisUrl, keyPrefix });
const cookieSecret = generateSecret();

const app = express();
// Core issues tokens for one resource (RFC 8707 audience) per issuer, so each service gets its
// own issuer on this origin: /notes, /tasks.
for (const [name, resourceUrl] of Object.entries(services)) {
  const server = createAuthorizationServer({
    issuer: `${origin}/${name}`,
    resource: `${resourceUrl}/mcp`,
    signingKey: privateKey,
    store,
    identityProvider,
    policy: createExamplePolicy(), // the one the resource servers enforce
    consent: { cookieSecret },
    clientIdMetadataDocuments: true, // URL client_ids; nothing fetched until a client uses one
  });
  await server.ready();
  app.use(mcpAuthRouter(server));
}
await listen(createServer({ ...SERVER_TIMEOUTS }, app), port, host);
console.log(`authorization server ready on ${origin}`);
