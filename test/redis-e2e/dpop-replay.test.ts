// DPoP proofs are single use across instances: two authorization-server + resource-guard
// instances of one deployment, each with its own connection to one real Redis (RedisStore), the
// same issuer, signing secret and nonce secret. A proof accepted by one instance is refused by
// the other (the `jti` marker lives in Redis), at the token endpoint and at the MCP endpoint;
// a nonce issued by one is accepted by the other. jose signs the proofs.
import { randomBytes } from 'node:crypto';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDefaultPolicies,
  DEMO_USERS,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { computeAccessTokenHash } from '@mcp-auth/core/jwt';
import { createMcpGuard, type McpGuard } from '@mcp-auth/core/mcp';
import { RedisStore } from '@mcp-auth/redis';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeS256Challenge,
  generateCodeVerifier,
} from '../../packages/core/src/testing/index.js';
import { stopAll, TestRedis } from './harness.js';

const ISSUER = 'https://auth.dpop-e2e.test';
const RESOURCE = 'https://auth.dpop-e2e.test/mcp';
const REDIRECT = 'https://app.dpop-e2e.test/cb';

interface Instance {
  readonly store: RedisStore;
  readonly server: AuthorizationServer;
  readonly guard: McpGuard;
}

let a: Instance;
let b: Instance;
let key: { privateKey: CryptoKey; jwk: JWK };

function instance(redisUrl: string, secrets: { jwt: string; nonce: string }): Instance {
  const store = new RedisStore({ url: redisUrl, keyPrefix: 'dpop-e2e:' });
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: secrets.jwt,
    store,
    identityProvider: new DevIdentityProvider({ iterations: 10_000, users: DEMO_USERS }),
    scopesSupported: ['mcp:tools:read'],
    clients: [{ clientId: 'public-client', redirectUris: [REDIRECT] }],
    dpop: { nonce: { secret: secrets.nonce } },
  });
  const guard = createMcpGuard({
    verifier: server.tokenVerifier,
    policy: createDefaultPolicies(),
    resourceMetadataUrl: server.resourceMetadataUrl,
    dpop: server.dpop!,
  });
  return { store, server, guard };
}

async function proof(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk } as never)
    .sign(key.privateKey);
}

async function tokenRequest(at: Instance, form: Record<string, string>, dpop: string) {
  const response = await at.server.handle({
    method: 'POST',
    url: new URL(`${ISSUER}/token`),
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    nonce: (response.headers as Record<string, string>)['dpop-nonce'],
    body: JSON.parse(String(response.body)) as Record<string, string>,
  };
}

async function mcp(at: Instance, token: string, dpop: string) {
  const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop };
  const outcome = await at.guard.check({
    method: 'POST',
    header: (name) => headers[name],
    headerNames: Object.keys(headers),
    readBody: async () => '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });
  return outcome.ok
    ? { status: 200, challenge: undefined }
    : {
        status: outcome.response.status,
        challenge: (outcome.response.headers as Record<string, string>)['www-authenticate'],
      };
}

beforeAll(async () => {
  const redis = await TestRedis.start();
  const secrets = {
    jwt: randomBytes(32).toString('base64url'),
    nonce: randomBytes(32).toString('base64url'),
  };
  a = instance(redis.url, secrets);
  b = instance(redis.url, secrets);
  const pair = await generateKeyPair('ES256');
  key = { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey) };
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.store.close(), b?.store.close()]);
  await stopAll();
});

describe('redis-e2e: the DPoP replay cache shared through Redis', () => {
  let token: string;
  let nonce: string;

  it('a nonce from instance A is accepted by instance B; the DPoP token is bound', async () => {
    const verifier = generateCodeVerifier();
    const code = await (await a.server.tokenService()).issueAuthorizationCode({
      clientId: 'public-client',
      redirectUri: REDIRECT,
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['mcp:tools:read'],
      resource: RESOURCE,
      identity: { sub: 'alice', attributes: {}, grantableScopes: ['mcp:tools:read'] },
    });
    const form = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'public-client',
    };
    const challenged = await tokenRequest(
      a,
      form,
      await proof({ htm: 'POST', htu: `${ISSUER}/token` }),
    );
    expect(challenged.body.error).toBe('use_dpop_nonce');
    nonce = challenged.nonce!;
    const issued = await tokenRequest(
      b,
      form,
      await proof({ htm: 'POST', htu: `${ISSUER}/token`, nonce }),
    );
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('DPoP');
    token = issued.body.access_token!;
  });

  it('a proof accepted at the MCP endpoint of A is refused at B (and again at A)', async () => {
    const p = await proof({
      htm: 'POST',
      htu: RESOURCE,
      ath: await computeAccessTokenHash(token),
      nonce,
    });
    expect((await mcp(a, token, p)).status).toBe(200);
    const atB = await mcp(b, token, p);
    expect(atB.status).toBe(401);
    expect(atB.challenge).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect((await mcp(a, token, p)).status).toBe(401);
    // A fresh proof of the same key is fine on either.
    const fresh = await proof({
      htm: 'POST',
      htu: RESOURCE,
      ath: await computeAccessTokenHash(token),
      nonce,
    });
    expect((await mcp(b, token, fresh)).status).toBe(200);
  });

  it('the same proof sent to both instances at once, ten times each → exactly one is let through', async () => {
    const p = await proof({
      htm: 'POST',
      htu: RESOURCE,
      ath: await computeAccessTokenHash(token),
      nonce,
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => mcp(i % 2 === 0 ? a : b, token, p)),
    );
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
    expect(answers.filter((x) => x.status === 401)).toHaveLength(19);
  });

  it('a proof used at the token endpoint of B is refused at A', async () => {
    const p = await proof({ htm: 'POST', htu: `${ISSUER}/token`, nonce });
    const form = {
      grant_type: 'refresh_token',
      refresh_token: 'unknown',
      client_id: 'public-client',
    };
    // B records the proof (the grant then fails: an unknown refresh token).
    expect((await tokenRequest(b, form, p)).body.error).toBe('invalid_grant');
    expect((await tokenRequest(a, form, p)).body.error).toBe('invalid_dpop_proof');
  });
});
