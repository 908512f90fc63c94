import { randomBytes } from 'node:crypto';
import { createSecretKey, type Identity } from '@mcp-auth/core';
import { createTokenService, type TokenService } from '@mcp-auth/core/internal';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { getFreePort, TestRedisServer } from './redis-server.js';

// Core's token service on RedisStore, as two "instances" (two token services, two Redis
// connections, one Redis): what one instance does holds on the other. In-process; the
// two-process demo test belongs to the demo.

const ISSUER = 'https://as.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'https://app.example.test/cb';
const SECRET = `redis-test-hmac-secret-${'x'.repeat(32)}`;
const PREFIX = `mcp-auth-test:${randomBytes(6).toString('hex')}:`;
const identity: Identity = {
  sub: 'user-1',
  attributes: { role: 'admin' },
  grantableScopes: ['mcp:tools:get_weather', 'profile'],
};

const closers: (() => Promise<void>)[] = [];
// Added to the services' clock, to step past the refresh-reuse grace window.
let skewMs = 0;

async function instance(url: string, options: { commandTimeoutMs?: number } = {}) {
  const store = new RedisStore({ url, keyPrefix: PREFIX, ...options });
  closers.push(() => store.close());
  const tokens = createTokenService({
    store,
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: await createSecretKey(SECRET),
    now: () => Date.now() + skewMs,
  });
  return { store, tokens, verifier: tokens.createAccessTokenVerifier() };
}

async function issueCode(tokens: TokenService) {
  const codeVerifier = generateCodeVerifier();
  const code = await tokens.issueAuthorizationCode({
    clientId: 'pub',
    redirectUri: REDIRECT,
    codeChallenge: await computeS256Challenge(codeVerifier),
    codeChallengeMethod: 'S256',
    scopes: ['mcp:tools:get_weather', 'profile'],
    resource: RESOURCE,
    identity,
  });
  return { code, redeem: { code, clientId: 'pub', redirectUri: REDIRECT, codeVerifier } };
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; status?: number };
  }
  throw new Error('expected a rejection');
}

afterAll(async () => {
  for (const close of closers) await close();
  const raw = new Redis('redis://127.0.0.1:6379');
  const keys = await raw.keys(`${PREFIX}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
});

describe('token service on RedisStore across two instances (real Redis)', () => {
  let a: Awaited<ReturnType<typeof instance>>;
  let b: Awaited<ReturnType<typeof instance>>;
  beforeAll(async () => {
    a = await instance('redis://127.0.0.1:6379');
    b = await instance('redis://127.0.0.1:6379');
  });

  it('a code issued on A, redeemed on A and B at once: exactly one token response (SECURITY-CASES 8)', async () => {
    const { redeem } = await issueCode(a.tokens);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tokens.redeemAuthorizationCode(redeem)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect((r.reason as { code: string }).code).toBe('invalid_grant');
    }
  });

  it('a code redeemed on B and replayed on A: invalid_grant, and B refuses the first tokens (SECURITY-CASES 8)', async () => {
    const { redeem } = await issueCode(a.tokens);
    const response = await b.tokens.redeemAuthorizationCode(redeem);
    expect((await b.verifier.verify(response.access_token)).userId).toBe('user-1');
    expect((await errorOf(a.tokens.redeemAuthorizationCode(redeem))).code).toBe('invalid_grant');
    expect((await errorOf(b.verifier.verify(response.access_token))).code).toBe('invalid_token');
  });

  it('refresh rotated on B, RT1 replayed on A after the grace window: invalid_grant and the family is revoked everywhere (SECURITY-CASES 16)', async () => {
    const { redeem } = await issueCode(a.tokens);
    const first = await a.tokens.redeemAuthorizationCode(redeem);
    const second = await b.tokens.refresh({ refreshToken: first.refresh_token!, clientId: 'pub' });
    skewMs += 10_000;
    const replay = await errorOf(
      a.tokens.refresh({ refreshToken: first.refresh_token!, clientId: 'pub' }),
    );
    expect(replay.code).toBe('invalid_grant');
    const rt2 = await errorOf(
      b.tokens.refresh({ refreshToken: second.refresh_token!, clientId: 'pub' }),
    );
    expect(rt2.code).toBe('invalid_grant');
    expect((await errorOf(a.verifier.verify(second.access_token))).code).toBe('invalid_token');
  });

  it('one refresh token used on A and B at once: at most one new token pair', async () => {
    const { redeem } = await issueCode(a.tokens);
    const first = await a.tokens.redeemAuthorizationCode(redeem);
    const results = await Promise.allSettled(
      [a, b, a, b].map((x) =>
        x.tokens.refresh({ refreshToken: first.refresh_token!, clientId: 'pub' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect((r.reason as { code: string }).code).toBe('invalid_grant');
    }
  });

  it("AS-12 (Redis): one refresh token used by its client on A and B at once: exactly one new pair, and the winner's tokens stay valid", async () => {
    const { redeem } = await issueCode(a.tokens);
    const first = await a.tokens.redeemAuthorizationCode(redeem);
    const results = await Promise.allSettled(
      [a, b, a, b].map((x) =>
        x.tokens.refresh({ refreshToken: first.refresh_token!, clientId: 'pub' }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ access_token: string }>).value;
    expect((await b.verifier.verify(winner.access_token)).userId).toBe('user-1');
  });

  it('an access token revoked through A is refused by B on its next request (SECURITY-CASES 18)', async () => {
    const { redeem } = await issueCode(a.tokens);
    const response = await a.tokens.redeemAuthorizationCode(redeem);
    expect((await b.verifier.verify(response.access_token)).userId).toBe('user-1');
    await a.tokens.revoke({ token: response.access_token, clientId: 'pub' });
    expect((await errorOf(b.verifier.verify(response.access_token))).code).toBe('invalid_token');
  });
});

describe('token service on RedisStore with Redis down (test-owned redis-server)', () => {
  let server: TestRedisServer;
  let x: Awaited<ReturnType<typeof instance>>;

  beforeAll(async () => {
    server = new TestRedisServer(await getFreePort());
    await server.start();
    x = await instance(server.url, { commandTimeoutMs: 300 });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('fails closed: 503 on redeem and on verify, nothing minted or let through; then recovers', async () => {
    const { redeem } = await issueCode(x.tokens);
    const live = await x.tokens.redeemAuthorizationCode(redeem);
    const pending = await issueCode(x.tokens);
    await server.stop();

    const redeemError = await errorOf(x.tokens.redeemAuthorizationCode(pending.redeem));
    expect(redeemError.code).toBe('temporarily_unavailable');
    expect(redeemError.status).toBe(503);
    const verifyError = await errorOf(x.verifier.verify(live.access_token));
    expect(verifyError.status).toBe(503);
    expect((await errorOf(issueCode(x.tokens))).status).toBe(503);

    await server.start();
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await x.store.ping();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const again = await issueCode(x.tokens);
    const fresh = await x.tokens.redeemAuthorizationCode(again.redeem);
    expect((await x.verifier.verify(fresh.access_token)).userId).toBe('user-1');
  });
});
