import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJwtError } from '../../test/jwt/helpers.js';
import {
  createJwtVerifier,
  createRemoteKeySet,
  exportJwk,
  generateKeyPair,
  importJwk,
  type Jwk,
  signJwt,
  toPublicKey,
  verifyJwt,
} from './index.js';
import {
  checkKeyRing,
  createKeyRingHolder,
  importKeyRing,
  type SigningKeyRing,
} from './key-ring.js';

const exp = () => Math.floor(Date.now() / 1000) + 60;

async function pair(kid: string) {
  return generateKeyPair('ES256', { kid, extractable: true });
}

describe('importKeyRing and checkKeyRing', () => {
  it('imports current, next and retired keys from the document the CLI writes', async () => {
    const [a, b, c] = await Promise.all([pair('a'), pair('b'), pair('c')]);
    const ring = await importKeyRing(
      JSON.stringify({
        version: 1,
        keys: [
          { status: 'retired', since: '2026-01-01T00:00:00Z', jwk: await exportJwk(c.publicKey) },
          { status: 'current', jwk: await exportJwk(a.privateKey) },
          { status: 'next', jwk: await exportJwk(b.privateKey) },
        ],
      }),
    );
    expect(ring.current.kid).toBe('a');
    expect(ring.current.type).toBe('private');
    expect(ring.next?.kid).toBe('b');
    expect(ring.retired?.map((k) => k.kid)).toEqual(['c']);
  });

  it('refuses broken rings with a TypeError that names the problem, not the key', async () => {
    const [a, b] = await Promise.all([pair('a'), pair('b')]);
    const privA = await exportJwk(a.privateKey);
    const cases: unknown[] = [
      'not json',
      { version: 2, keys: [] },
      { version: 1, keys: [] },
      { version: 1, keys: [{ status: 'next', jwk: privA }] },
      { version: 1, keys: [{ status: 'current', jwk: await exportJwk(a.publicKey) }] },
      {
        version: 1,
        keys: [
          { status: 'current', jwk: privA },
          { status: 'current', jwk: await exportJwk(b.privateKey) },
        ],
      },
      {
        version: 1,
        keys: [
          { status: 'current', jwk: privA },
          { status: 'retired', jwk: await exportJwk(a.publicKey) },
        ],
      },
      { version: 1, keys: [{ status: 'active', jwk: privA }] },
    ];
    for (const doc of cases) {
      const error = await importKeyRing(doc as string).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect(String((error as Error).message)).not.toContain(String(privA.d));
    }
    const { kid: _kid, ...anonymous } = privA;
    const unnamed = await importJwk(anonymous);
    expect(unnamed.kid).toBeUndefined();
    expect(() => checkKeyRing({ current: unnamed }, 'test')).toThrow(/kid/);
    expect(() => checkKeyRing({ current: a.publicKey }, 'test')).toThrow(/private/);
  });
});

describe('the key-ring holder', () => {
  it('signs with current, verifies and publishes current + next + retired, in that order', async () => {
    const [a, b, c] = await Promise.all([pair('a'), pair('b'), pair('c')]);
    const holder = createKeyRingHolder({
      current: a.privateKey,
      next: b.privateKey,
      retired: [c.publicKey],
    });
    await holder.ready;
    expect(holder.signingKey().kid).toBe('a');
    const jwks = holder.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(['a', 'b', 'c']);
    for (const k of jwks.keys) expect((k as Jwk).d).toBeUndefined();
    // jose as oracle: each published key verifies what its private half signs.
    const joseSet = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    for (const key of [a.privateKey, b.privateKey]) {
      const token = await signJwt({ exp: exp() }, key);
      await expect(jwtVerify(token, joseSet)).resolves.toBeDefined();
      await expect(verifyJwt(token, holder.keySet)).resolves.toBeDefined();
    }
  });

  it('a loader is re-read on use after reloadSeconds; a bad reload keeps the last good ring', async () => {
    const [a, b] = await Promise.all([pair('a'), pair('b')]);
    let clock = 0;
    let ring: SigningKeyRing | 'broken' = { current: a.privateKey, next: b.privateKey };
    let loads = 0;
    const holder = createKeyRingHolder(
      async () => {
        loads++;
        if (ring === 'broken') throw new Error('file half written');
        return ring;
      },
      { reloadSeconds: 10, now: () => clock },
    );
    await holder.ready;
    expect(holder.signingKey().kid).toBe('a');
    ring = { current: b.privateKey, retired: [await toPublicKey(a.privateKey)] };
    clock = 5_000;
    expect(holder.signingKey().kid).toBe('a'); // not yet due
    expect(loads).toBe(1);
    clock = 10_000;
    holder.signingKey(); // due: reloads in the background
    await holder.reload();
    expect(holder.signingKey().kid).toBe('b');
    ring = 'broken';
    await expect(holder.reload()).rejects.toThrow();
    expect(holder.signingKey().kid).toBe('b');
    expect(holder.jwks().keys.map((k) => k.kid)).toEqual(['b', 'a']);
  });
});

describe('a caching verifier over a key ring', () => {
  it('a token cached under a key that is then removed is verified again, and refused', async () => {
    const [a, b] = await Promise.all([pair('a'), pair('b')]);
    let ring: SigningKeyRing = { current: b.privateKey, retired: [a.publicKey] };
    const holder = createKeyRingHolder(async () => ring, { reloadSeconds: 3600 });
    await holder.ready;
    const verifier = createJwtVerifier(holder.keySet, { cacheSize: 100 });
    const token = await signJwt({ exp: exp() }, a.privateKey);
    for (let i = 0; i < 3; i++) await expect(verifier.verify(token)).resolves.toBeDefined();
    ring = { current: b.privateKey };
    await holder.reload();
    await expectJwtError(verifier.verify(token), 'ERR_JWT_KEY_NOT_FOUND');
    await expect(
      verifier.verify(await signJwt({ exp: exp() }, b.privateKey)),
    ).resolves.toBeDefined();
  });
});

describe('remote verifiers during a rotation (SECURITY-CASES: unknown kid)', () => {
  let server: Server;
  let url = '';
  let hits = 0;
  let published: Jwk[] = [];

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      // Answer a little later so that concurrent verifications overlap the fetch.
      const body = JSON.stringify({ keys: published });
      setTimeout(() => res.setHeader('content-type', 'application/json').end(body), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('many concurrent tokens with a newly published kid: one refetch, none refused', async () => {
    const [a, b] = await Promise.all([pair('a'), pair('b')]);
    published = [await exportJwk(a.publicKey)];
    const set = createRemoteKeySet(url, { cooldownMs: 100 });
    await verifyJwt(await signJwt({ exp: exp() }, a.privateKey), set);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the cooldown
    hits = 0;
    published.push(await exportJwk(b.publicKey)); // the switch happened without a publish wait
    const token = await signJwt({ exp: exp() }, b.privateKey);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => verifyJwt(token, set)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(hits).toBe(1);
  });

  it('a flood of unknown kids is rate-limited: at most one fetch per cooldown', async () => {
    const [a] = await Promise.all([pair('a')]);
    published = [await exportJwk(a.publicKey)];
    const set = createRemoteKeySet(url, { cooldownMs: 60_000 });
    await verifyJwt(await signJwt({ exp: exp() }, a.privateKey), set);
    hits = 0;
    for (let i = 0; i < 20; i++) {
      const { privateKey } = await generateKeyPair('ES256', { kid: `attacker-${i}` });
      const forged = await signJwt({ exp: exp() }, privateKey);
      await expectJwtError(verifyJwt(forged, set), 'ERR_JWT_KEY_NOT_FOUND');
    }
    expect(hits).toBe(0); // the first fetch was less than the cooldown ago
    // The known key keeps working throughout.
    await expect(
      verifyJwt(await signJwt({ exp: exp() }, a.privateKey), set),
    ).resolves.toBeDefined();
  });
});
