import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeJwkThumbprint,
  createSecretKey,
  exportJwk,
  generateKeyPair,
  generateSecret,
  importJwk,
  importPem,
  signJwt,
  toPublicKey,
  verifyJwt,
} from './index.js';

const exp = Math.floor(Date.now() / 1000) + 60;

describe('keys', () => {
  it('generateSecret gives >= 32 random bytes, base64url', () => {
    const s = generateSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(s);
    expect(() => generateSecret(16)).toThrow(TypeError);
  });

  it('random secrets are never mistaken for key material', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 96 }), async (bytes) => {
        await expect(createSecretKey(bytes)).resolves.toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('binds a JWK to one algorithm and refuses mismatches (TypeError)', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJwk(publicKey);
    expect(jwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: publicKey.kid,
    });
    expect(jwk.d).toBeUndefined();
    await expect(importJwk(jwk, { alg: 'ES384' })).rejects.toBeInstanceOf(TypeError);
    await expect(importJwk({ ...jwk, alg: undefined }, { alg: 'RS256' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(importJwk({ ...jwk, use: 'enc' })).rejects.toBeInstanceOf(TypeError);
    await expect(importJwk({ ...jwk, alg: 'none' })).rejects.toBeInstanceOf(TypeError);
    await expect(importJwk({ kty: 'oct', k: generateSecret() })).rejects.toBeInstanceOf(TypeError);
    await expect(importJwk({ ...jwk, x: 'AAAA' })).rejects.toBeInstanceOf(TypeError);
    const imported = await importJwk({ ...jwk, alg: undefined, kid: undefined });
    expect(imported).toMatchObject({ alg: 'ES256', kid: undefined, type: 'public' });
  });

  it('the default kid is the RFC 7638 thumbprint (RFC 7638 §3.1 example)', async () => {
    const rfc = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    };
    expect(await computeJwkThumbprint(rfc)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    expect(privateKey.kid).toBe(await computeJwkThumbprint(await exportJwk(publicKey)));
  });

  it('PEM: PKCS#8 private and SPKI public keys round-trip; other PEMs are refused', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const privateKey = await importPem(priv, 'ES256', { kid: 'pem-1' });
    const publicKey = await importPem(pub, 'ES256', { kid: 'pem-1' });
    expect(privateKey.type).toBe('private');
    const token = await signJwt({ sub: 'x', exp }, privateKey);
    await expect(verifyJwt(token, publicKey)).resolves.toBeDefined();
    await expect(verifyJwt(token, await toPublicKey(privateKey))).resolves.toBeDefined();
    await expect(exportJwk(privateKey)).rejects.toBeInstanceOf(TypeError);
    const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    await expect(importPem(sec1, 'ES256')).rejects.toBeInstanceOf(TypeError);
    await expect(importPem(priv, 'ES384')).rejects.toBeInstanceOf(TypeError);
    await expect(importPem(priv, 'RS256')).rejects.toBeInstanceOf(TypeError);
    await expect(importPem('not a pem', 'ES256')).rejects.toBeInstanceOf(TypeError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaPub = await importPem(
      rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      'PS256',
    );
    expect(rsaPub.alg).toBe('PS256');
    expect(createPublicKey(pub).asymmetricKeyType).toBe('ec');
  });

  it('exports private keys and secrets only when extractable', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJwk(pair.privateKey);
    expect(jwk.d).toBeTypeOf('string');
    const again = await importJwk(jwk);
    const token = await signJwt({ exp }, again);
    await expect(verifyJwt(token, pair.publicKey)).resolves.toBeDefined();
    await expect(exportJwk((await generateKeyPair('RS256')).privateKey)).rejects.toBeInstanceOf(
      TypeError,
    );
    const secret = await createSecretKey(generateSecret(), { extractable: true, kid: 's' });
    expect(await exportJwk(secret)).toMatchObject({ kty: 'oct', alg: 'HS256', kid: 's' });
    await expect(exportJwk(await createSecretKey(generateSecret()))).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(toPublicKey(secret)).rejects.toBeInstanceOf(TypeError);
  });

  it('a public key cannot sign; the header cannot set alg or kid; foreign keys are refused', async () => {
    const pair = await generateKeyPair('ES256');
    await expect(signJwt({ exp }, pair.publicKey)).rejects.toBeInstanceOf(TypeError);
    await expect(
      signJwt({ exp }, pair.privateKey, { header: { alg: 'HS256' } }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      signJwt({ exp }, pair.privateKey, { header: { kid: 'x' } }),
    ).rejects.toBeInstanceOf(TypeError);
    const fake = { alg: 'HS256', kid: undefined, type: 'secret' } as const;
    await expect(signJwt({ exp }, fake)).rejects.toBeInstanceOf(TypeError);
    await expect(verifyJwt('a.b.c', fake)).rejects.toBeInstanceOf(Error);
  });
});
