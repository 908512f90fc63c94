/**
 * Authorization server front (issue 4), through `handle()`:
 * - `as.metadata`: GET of the RFC 8414 document (routing + JSON), the floor of any request.
 * - `as.authorize.page`: a valid GET /authorize: client lookup, checks, interaction stored,
 *   cookie signed, login page rendered; compared with `as.metadata`.
 * - `as.register`: an RFC 7591 registration of a public client.
 * - `as.dev-login`: one DevIdentityProvider password check (PBKDF2-SHA-256, 100,000 iterations):
 *   deliberately slow, reported so its cost per login is known.
 */
import { computeS256Challenge, generateCodeVerifier } from '../packages/core/src/testing/index.js';
import {
  createAuthorizationServer,
  DevIdentityProvider,
  MemoryStore,
} from '../packages/core/src/index.node.js';
import type { Bench } from './harness.js';

export default async (bench: Bench) => {
  const identityProvider = new DevIdentityProvider({
    users: [{ username: 'alice', password: 'alice-password', scopes: ['read'] }],
  });
  const server = createAuthorizationServer({
    issuer: 'https://auth.example.test',
    resource: 'https://mcp.example.test/mcp',
    signingKey: 'bench-secret-0123456789-0123456789-abcdef',
    store: new MemoryStore({ maxEntries: 1_000_000 }),
    scopesSupported: ['read', 'write'],
    identityProvider,
    clients: [{ clientId: 'bench-client', redirectUris: ['https://app.example.test/cb'] }],
    registration: { rateLimit: false },
  });
  await server.ready();
  const metadata = {
    method: 'GET',
    url: new URL('https://auth.example.test/.well-known/oauth-authorization-server'),
    headers: {},
  };
  await bench.run('as.metadata', () => server.handle(metadata));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'bench-client',
    redirect_uri: 'https://app.example.test/cb',
    code_challenge: await computeS256Challenge(generateCodeVerifier()),
    code_challenge_method: 'S256',
    scope: 'read',
    state: 'bench',
  });
  const authorize = {
    method: 'GET',
    url: new URL(`https://auth.example.test/authorize?${query}`),
    headers: {},
  };
  await bench.run('as.authorize.page', () => server.handle(authorize), { baseline: 'as.metadata' });
  const register = {
    method: 'POST',
    url: new URL('https://auth.example.test/register'),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: ['https://app.example.test/cb'],
      token_endpoint_auth_method: 'none',
    }),
  };
  await bench.run('as.register', () => server.handle(register), { baseline: 'as.metadata' });
  await bench.run('as.dev-login', () => identityProvider.authenticate('alice', 'alice-password'), {
    rounds: 5,
  });
};
