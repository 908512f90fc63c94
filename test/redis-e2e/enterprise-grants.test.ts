// Issue 14 items 3 and 4 across instances: two authorization servers of one deployment (same
// issuer, signing secret, trusted IdP), each with its own connection to one real Redis
// (RedisStore). An ID-JAG redeemed at one is a replay at the other (the jti marker lives in
// Redis); a user token revoked at one cannot be exchanged at the other. jose signs the ID-JAGs.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
  DEMO_USERS,
  DevIdentityProvider,
} from '@mcp-auth/core';
import type { Jwk } from '@mcp-auth/core/jwt';
import { RedisStore } from '@mcp-auth/redis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, TestRedis } from './harness.js';

const ISSUER = 'https://auth.enterprise-e2e.test';
const RESOURCE = 'https://auth.enterprise-e2e.test/mcp';
const IDP = 'https://idp.enterprise-e2e.test';
const API = 'https://api.enterprise-e2e.test/';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AGENT = `Basic ${Buffer.from('agent:agent-secret-0123456789').toString('base64')}`;
const MCP_SERVER = `Basic ${Buffer.from('mcp-server:mcp-server-secret-0123456789').toString('base64')}`;

interface Instance {
  readonly store: RedisStore;
  readonly server: AuthorizationServer;
}

let a: Instance;
let b: Instance;
let idpKey: CryptoKey;

function instance(redisUrl: string, secret: string, jwk: Jwk): Instance {
  const store = new RedisStore({ url: redisUrl, keyPrefix: 'enterprise-e2e:' });
  const options: AuthorizationServerOptions = {
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: secret,
    store,
    identityProvider: new DevIdentityProvider({ iterations: 10_000, users: DEMO_USERS }),
    scopesSupported: ['mcp:tools:read', 'mcp:tools:write'],
    clients: [
      {
        clientId: 'agent',
        clientSecret: 'agent-secret-0123456789',
        redirectUris: [],
        grantTypes: [JWT_BEARER],
      },
      {
        clientId: 'mcp-server',
        clientSecret: 'mcp-server-secret-0123456789',
        redirectUris: [],
        grantTypes: [TOKEN_EXCHANGE],
      },
    ],
    trustedIdentityProviders: [{ issuer: IDP, jwks: { keys: [jwk] } }],
    tokenExchange: { audiences: { [API]: { clients: ['mcp-server'] } } },
  };
  return { store, server: createAuthorizationServer(options) };
}

async function idJag(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: IDP,
    sub,
    aud: ISSUER,
    resource: RESOURCE,
    client_id: 'agent',
    jti: randomUUID(),
    iat: now,
    exp: now + 120,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'oauth-id-jag+jwt' })
    .sign(idpKey);
}

async function post(
  at: Instance,
  path: string,
  form: Record<string, string>,
  authorization: string,
) {
  const response = await at.server.handle({
    method: 'POST',
    url: new URL(`${ISSUER}${path}`),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    body: JSON.parse(String(response.body || '{}')) as Record<string, string>,
  };
}

beforeAll(async () => {
  const redis = await TestRedis.start();
  const secret = randomBytes(32).toString('base64url');
  const pair = await generateKeyPair('ES256', { extractable: true });
  idpKey = pair.privateKey;
  const jwk = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'idp-1',
    alg: 'ES256',
    use: 'sig',
  } as Jwk;
  a = instance(redis.url, secret, jwk);
  b = instance(redis.url, secret, jwk);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.store.close(), b?.store.close()]);
  await stopAll();
});

describe('redis-e2e: enterprise grants across instances sharing Redis', () => {
  it('an ID-JAG redeemed at instance A is a replay at instance B (invalid_grant)', async () => {
    const assertion = await idJag('bob');
    const first = await post(a, '/token', { grant_type: JWT_BEARER, assertion }, AGENT);
    expect(first.status).toBe(200);
    const replay = await post(b, '/token', { grant_type: JWT_BEARER, assertion }, AGENT);
    expect({ status: replay.status, error: replay.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('a user token revoked at instance A cannot be exchanged at instance B', async () => {
    const issued = await post(
      a,
      '/token',
      { grant_type: JWT_BEARER, assertion: await idJag('bob') },
      AGENT,
    );
    const subject = issued.body.access_token!;
    const exchange = () =>
      post(
        b,
        '/token',
        {
          grant_type: TOKEN_EXCHANGE,
          subject_token: subject,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          resource: API,
        },
        MCP_SERVER,
      );
    expect((await exchange()).status).toBe(200);
    expect((await post(a, '/revoke', { token: subject }, AGENT)).status).toBe(200);
    const refused = await exchange();
    expect({ status: refused.status, error: refused.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });
});
