/**
 * Issue 12 §2 on Redis: security state is never evicted. The store refuses a Redis whose
 * `maxmemory-policy` may evict keys (every mcp-auth key has a TTL, so `volatile-*` evicts
 * them too); with `noeviction`, a flood of disposable entries past `maxmemory` fails closed
 * (503) and forgets nothing. Runs against test-owned `redis-server`s (their config is
 * changed here, never the shared one's).
 */
import { randomBytes } from 'node:crypto';
import {
  createAuthorizationServer,
  createLoginThrottle,
  createSecretKey,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { STORE_KEYS, storeCall } from '@mcp-auth/core/store';
import { createTokenService } from '@mcp-auth/core/internal';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, RedisStoreError } from '../src/index.js';
import { getFreePort, TestRedisServer } from './redis-server.js';

const MAXMEMORY = 4 * 1024 * 1024;
const servers: TestRedisServer[] = [];
const closers: (() => Promise<void>)[] = [];
let server: TestRedisServer;
let admin: Redis;

beforeAll(async () => {
  server = new TestRedisServer(await getFreePort(), ['--maxmemory', String(MAXMEMORY)]);
  servers.push(server);
  await server.start();
  admin = new Redis(server.url);
}, 20_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
  admin?.disconnect();
  for (const s of servers) await s.stop();
});

function store(
  options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {},
  url = server.url,
) {
  const s = new RedisStore({ url, keyPrefix: `ev:${randomBytes(4).toString('hex')}:`, ...options });
  closers.push(() => s.close());
  return s;
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error('expected a rejection');
}

describe('REDIS-1..3: maxmemory-policy is checked before the first operation', () => {
  it.each(['allkeys-lru', 'volatile-lru', 'volatile-ttl', 'allkeys-random'])(
    'REDIS-1: with %s every operation is refused (ERR_REDIS_EVICTION_POLICY → 503), with a message that says what to set',
    async (policy) => {
      await admin.config('SET', 'maxmemory-policy', policy);
      try {
        const s = store();
        const error = await errorOf(s.set('k', 1, 10_000));
        expect(error).toBeInstanceOf(RedisStoreError);
        expect(error.code).toBe('ERR_REDIS_EVICTION_POLICY');
        expect(error.message).toContain(policy);
        expect(error.message).toContain('noeviction');
        expect(await errorOf(storeCall(s.get('k')))).toMatchObject({
          code: 'temporarily_unavailable',
          status: 503,
        });
        expect((await errorOf(s.checkEvictionPolicy())).code).toBe('ERR_REDIS_EVICTION_POLICY');
      } finally {
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
      }
    },
  );

  it("REDIS-2: evictionPolicy 'warn' works with an evicting policy and warns once", async () => {
    await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    try {
      const warnings: string[] = [];
      const s = store({ evictionPolicy: 'warn', onWarning: (m) => warnings.push(m) });
      await s.set('k', 1, 10_000);
      expect(await s.get('k')).toBe(1);
      expect(await s.get('k')).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('volatile-lru');
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('REDIS-3: with noeviction the store works and says so; with CONFIG disabled it works and warns', async () => {
    const warnings: string[] = [];
    const ok = store({ onWarning: (m) => warnings.push(m) });
    expect(await ok.checkEvictionPolicy()).toBe('noeviction');
    await ok.set('k', 1, 10_000);
    expect(warnings).toEqual([]);

    const locked = new TestRedisServer(await getFreePort(), ['--rename-command', 'CONFIG', '']);
    servers.push(locked);
    await locked.start();
    const s = store({ onWarning: (m) => warnings.push(m) }, locked.url);
    await s.set('k', 2, 10_000);
    expect(await s.get('k')).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not read maxmemory-policy');
  }, 20_000);
});

describe('REDIS-4: a flood past maxmemory (noeviction) fails closed and forgets nothing', () => {
  it('REDIS-4: flooding twice maxmemory with disposable entries: the revoked grant stays revoked; durable writes get 503', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const s = store();
    const tokens = createTokenService({
      store: s,
      issuer: 'https://as.example.test',
      resource: 'https://mcp.example.test/mcp',
      signingKey: await createSecretKey(`redis-eviction-secret-${'y'.repeat(32)}`),
    });
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'pub',
      redirectUri: 'https://app.example.test/cb',
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['read'],
      resource: 'https://mcp.example.test/mcp',
      identity: { sub: 'carol', attributes: {}, grantableScopes: ['read'] },
    });
    const issued = await tokens.redeemAuthorizationCode({
      code,
      clientId: 'pub',
      redirectUri: 'https://app.example.test/cb',
      codeVerifier: verifier,
    });
    await tokens.revoke({ token: issued.refresh_token!, clientId: 'pub' });
    const check = tokens.createAccessTokenVerifier();
    expect((await errorOf(check.verify(issued.access_token))).code).toBe('invalid_token');

    // Twice maxmemory worth of 4 KiB disposable entries (interactions anyone can create).
    const filler = 'x'.repeat(4096);
    let refused = 0;
    for (let i = 0; i < (2 * MAXMEMORY) / 4096; i++) {
      try {
        await s.set(STORE_KEYS.interaction(String(i)), filler, 600_000, { disposable: true });
      } catch (error) {
        expect((error as RedisStoreError).code).toBe('ERR_REDIS_FULL');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    // Still revoked: nothing was evicted.
    expect((await errorOf(check.verify(issued.access_token))).code).toBe('invalid_token');
    // Durable writes fail closed (503) once Redis is over maxmemory; nothing is pushed out.
    let durableError: unknown;
    for (let i = 0; i < 1000 && durableError === undefined; i++) {
      await storeCall(s.set(STORE_KEYS.revokedJti(String(i)), filler, 60_000)).catch(
        (e: unknown) => {
          durableError = e;
        },
      );
    }
    expect(durableError).toMatchObject({ code: 'temporarily_unavailable', status: 503 });
    expect((await errorOf(check.verify(issued.access_token))).code).toBe('invalid_token');
    await admin.flushall();
  }, 60_000);
});

describe('REDIS-5, REDIS-6: the authorization server on the shared Redis (127.0.0.1:6379)', () => {
  const SHARED = 'redis://127.0.0.1:6379';
  const ISSUER = 'https://as.example.test';
  const REDIRECT = 'https://app.example.test/cb';

  const prefixes: string[] = [];
  afterAll(async () => {
    const cleaner = new Redis(SHARED);
    for (const prefix of prefixes) {
      const keys = await cleaner.keys(`${prefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    }
    cleaner.disconnect();
  });

  async function server(prefix: string) {
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    // One prefix for every instance of one test, a fresh one per test.
    const shared = new RedisStore({ url: SHARED, keyPrefix: prefix });
    closers.push(() => shared.close());
    const as = createAuthorizationServer({
      issuer: ISSUER,
      resource: 'https://mcp.example.test/mcp',
      signingKey: `redis-as-secret-${'z'.repeat(32)}`,
      store: shared,
      scopesSupported: ['read'],
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'carol', password: 'carol-pw', scopes: ['read'] }],
        throttle: createLoginThrottle({ store: shared }),
      }),
      clients: [{ clientId: 'app', redirectUris: [REDIRECT] }],
      registration: { rateLimit: { max: 2, windowSeconds: 60, globalMax: 1000 } },
    });
    return { as, store: shared };
  }

  async function authorizeUrl(state: string) {
    const verifier = generateCodeVerifier();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      scope: 'read',
      state,
    });
    return { verifier, url: new URL(`${ISSUER}/authorize?${query}`) };
  }

  it("REDIS-5: revoke carol's refresh token, then 2,100 GET /authorize: her access token stays refused", async () => {
    const prefix = `ev-as:${randomBytes(6).toString('hex')}:`;
    const { as } = await server(prefix);
    const { url, verifier } = await authorizeUrl('s');
    const page = await as.handle({ method: 'GET', url, headers: {} });
    const cookie = String((page.headers['set-cookie'] as readonly string[])[0]!.split(';', 1)[0]);
    const fields = Object.fromEntries(
      [...page.body!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    const post = (path: string, body: Record<string, string>, headers = {}) =>
      as.handle({
        method: 'POST',
        url: new URL(`${ISSUER}${path}`),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
    const consent = await post(
      '/authorize/login',
      { ...fields, username: 'carol', password: 'carol-pw' },
      { cookie },
    );
    const consentFields = Object.fromEntries(
      [...consent.body!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
        (m) => [m[1]!, m[2]!],
      ),
    );
    const approved = await post(
      '/authorize/consent',
      { ...consentFields, decision: 'approve', scope_0: 'read' },
      { cookie },
    );
    const code = new URL(String(approved.headers['location'])).searchParams.get('code')!;
    const tokens = JSON.parse(
      (
        await post('/token', {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          client_id: 'app',
        })
      ).body!,
    ) as { access_token: string; refresh_token: string };
    expect((await as.tokenVerifier.verify(tokens.access_token)).userId).toBe('carol');
    await post('/revoke', { token: tokens.refresh_token, client_id: 'app' });
    await expect(as.tokenVerifier.verify(tokens.access_token)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    for (let i = 0; i < 2_100; i++) {
      const { url: next } = await authorizeUrl(`s${i}`);
      expect((await as.handle({ method: 'GET', url: next, headers: {} })).status).toBe(200);
    }
    await expect(as.tokenVerifier.verify(tokens.access_token)).rejects.toMatchObject({
      code: 'invalid_token',
    });
  }, 60_000);

  it('REDIS-6: registration counters are shared by two instances through Redis (per caller address)', async () => {
    const prefix = `ev-as:${randomBytes(6).toString('hex')}:`;
    const a = await server(prefix);
    const b = await server(prefix);
    const register = (as: typeof a.as, remoteAddress: string) =>
      as.handle({
        method: 'POST',
        url: new URL(`${ISSUER}/register`),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT] }),
        remoteAddress,
      });
    expect((await register(a.as, '203.0.113.1')).status).toBe(201);
    expect((await register(b.as, '203.0.113.1')).status).toBe(201);
    expect((await register(a.as, '203.0.113.1')).status).toBe(429);
    expect((await register(b.as, '203.0.113.1')).status).toBe(429);
    expect((await register(b.as, '203.0.113.2')).status).toBe(201);
  });
});
