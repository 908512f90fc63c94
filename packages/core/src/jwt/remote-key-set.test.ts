import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectJwtError } from '../../test/jwt/helpers.js';
import {
  createRemoteKeySet,
  exportJwk,
  generateKeyPair,
  type Jwk,
  type JwtKey,
  signJwt,
  verifyJwt,
} from './index.js';

const exp = Math.floor(Date.now() / 1000) + 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('remote key sets over a real local HTTP server (issue 2, item 5)', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  let mode: 'ok' | 'down' | 'slow' | 'huge' | 'bad-json' | 'dup-json' | '404' = 'ok';
  let published: Jwk[] = [];
  let k1: { privateKey: JwtKey; publicKey: JwtKey };
  let k2: { privateKey: JwtKey; publicKey: JwtKey };

  beforeAll(async () => {
    k1 = await generateKeyPair('ES256', { kid: 'k1' });
    k2 = await generateKeyPair('EdDSA', { kid: 'k2' });
    server = createServer((req, res) => {
      hits++;
      if (mode === 'down') return req.socket.destroy();
      if (mode === '404') return res.writeHead(404).end();
      if (mode === 'slow') return void setTimeout(() => res.end('{"keys":[]}'), 500);
      if (mode === 'huge') return res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(100_000) }));
      if (mode === 'bad-json') return res.end('{"keys":');
      if (mode === 'dup-json') return res.end('{"keys":[],"keys":[]}');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    hits = 0;
    mode = 'ok';
    published = [await exportJwk(k1.publicKey)];
  });

  it('fetches once, caches, and verifies', async () => {
    const set = createRemoteKeySet(`${base}/jwks`);
    const token = await signJwt({ exp }, k1.privateKey);
    await expect(verifyJwt(token, set)).resolves.toBeDefined();
    await expect(verifyJwt(token, set)).resolves.toBeDefined();
    expect(hits).toBe(1);
  });

  it('refetches once on an unknown kid, then honours the cooldown', async () => {
    const set = createRemoteKeySet(`${base}/jwks`, { cooldownMs: 60_000 });
    await verifyJwt(await signJwt({ exp }, k1.privateKey), set);
    published.push(await exportJwk(k2.publicKey));
    // A rotated key: one refetch finds it... but the first fetch was < cooldown ago.
    const rotated = await signJwt({ exp }, k2.privateKey);
    await expectJwtError(verifyJwt(rotated, set), 'ERR_JWT_KEY_NOT_FOUND');
    expect(hits).toBe(1);
    const eager = createRemoteKeySet(`${base}/jwks`, { cooldownMs: 0 });
    hits = 0;
    published = [await exportJwk(k1.publicKey)];
    await verifyJwt(await signJwt({ exp }, k1.privateKey), eager);
    published.push(await exportJwk(k2.publicKey));
    await expect(verifyJwt(rotated, eager)).resolves.toBeDefined();
    expect(hits).toBe(2);
    // An unknown kid costs at most one extra fetch per attempt.
    const stranger = await generateKeyPair('ES256', { kid: 'nope' });
    await expectJwtError(
      verifyJwt(await signJwt({ exp }, stranger.privateKey), eager),
      'ERR_JWT_KEY_NOT_FOUND',
    );
    expect(hits).toBe(3);
  });

  it('keeps serving cached keys when the host is down', async () => {
    const set = createRemoteKeySet(`${base}/jwks`, { cacheMaxAgeMs: 1, cooldownMs: 0 });
    const token = await signJwt({ exp }, k1.privateKey);
    await verifyJwt(token, set);
    mode = 'down';
    await sleep(5);
    await expect(verifyJwt(token, set)).resolves.toBeDefined();
    expect(hits).toBe(2);
  });

  it('fails with ERR_JWKS_FETCH_FAILED / ERR_JWK_INVALID when nothing was ever fetched', async () => {
    const token = await signJwt({ exp }, k1.privateKey);
    mode = 'down';
    await expectJwtError(
      verifyJwt(token, createRemoteKeySet(`${base}/a`)),
      'ERR_JWKS_FETCH_FAILED',
    );
    mode = '404';
    await expectJwtError(
      verifyJwt(token, createRemoteKeySet(`${base}/b`)),
      'ERR_JWKS_FETCH_FAILED',
    );
    mode = 'slow';
    const started = Date.now();
    await expectJwtError(
      verifyJwt(token, createRemoteKeySet(`${base}/c`, { timeoutMs: 100 })),
      'ERR_JWKS_FETCH_FAILED',
    );
    expect(Date.now() - started).toBeLessThan(450);
    mode = 'huge';
    await expectJwtError(
      verifyJwt(token, createRemoteKeySet(`${base}/d`)),
      'ERR_JWKS_FETCH_FAILED',
    );
    mode = 'bad-json';
    await expectJwtError(verifyJwt(token, createRemoteKeySet(`${base}/e`)), 'ERR_JWK_INVALID');
    mode = 'dup-json';
    await expectJwtError(verifyJwt(token, createRemoteKeySet(`${base}/f`)), 'ERR_JWK_INVALID');
  });

  it('skips unusable keys in a remote set', async () => {
    published = [
      { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'tiny' },
      { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA', kid: 'p521' },
      await exportJwk(k1.publicKey),
    ];
    const set = createRemoteKeySet(`${base}/jwks`);
    await expect(verifyJwt(await signJwt({ exp }, k1.privateKey), set)).resolves.toBeDefined();
  });

  it('refuses non-https URLs except loopback (TypeError at creation)', () => {
    expect(() => createRemoteKeySet('http://as.example.com/jwks')).toThrow(TypeError);
    expect(() => createRemoteKeySet('file:///etc/passwd')).toThrow(TypeError);
    expect(() => createRemoteKeySet('not a url')).toThrow(TypeError);
    expect(() => createRemoteKeySet('https://as.example.com/jwks')).not.toThrow();
    expect(() => createRemoteKeySet('http://localhost:1/jwks')).not.toThrow();
  });

  it('concurrent first requests share one fetch', async () => {
    const set = createRemoteKeySet(`${base}/jwks`);
    const token = await signJwt({ exp }, k1.privateKey);
    await Promise.all(Array.from({ length: 10 }, () => verifyJwt(token, set)));
    expect(hits).toBe(1);
  });
});
