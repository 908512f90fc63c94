/** Property tests (issue 2): round trip, any flipped byte fails, decoding only throws JwtError. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtError } from '../../src/errors/jwt-error.js';
import {
  createSecretKey,
  decodeJwt,
  generateKeyPair,
  type JwtKey,
  type JwtPayload,
  signJwt,
  verifyJwt,
} from '../../src/jwt/index.js';
import { BACKENDS, useBackend } from './helpers.js';

const exp = Math.floor(Date.now() / 1000) + 3600;

// JSON-safe claims: -0 and non-finite numbers do not survive JSON, so they are left out.
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const payloadArb = fc
  .dictionary(
    fc
      .string()
      .filter((k) => !['exp', 'nbf', 'iat', 'iss', 'sub', 'aud', 'jti', '__proto__'].includes(k)),
    jsonValue,
    { maxKeys: 8 },
  )
  .map((claims): JwtPayload => ({ ...claims, exp }));

function isOnlyJwtError(error: unknown): boolean {
  return error instanceof JwtError;
}

describe.each(BACKENDS)('JWT properties (%s crypto)', (_name, backend) => {
  let hs: JwtKey;
  let es: { privateKey: JwtKey; publicKey: JwtKey };
  beforeAll(async () => {
    useBackend(backend);
    hs = await createSecretKey(new Uint8Array(32).fill(9));
    es = await generateKeyPair('ES256');
  });
  afterAll(() => useBackend(undefined));

  it('verify(sign(x)) returns x (HS256 and ES256)', async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, async (payload) => {
        const a = await verifyJwt(await signJwt(payload, hs), hs);
        expect(a.payload).toEqual(payload);
        const b = await verifyJwt(await signJwt(payload, es.privateKey), es.publicKey);
        expect(b.payload).toEqual(payload);
      }),
      { numRuns: 100 },
    );
  });

  it('changing any one character of a token makes verification fail', async () => {
    const tokens = [
      [await signJwt({ sub: 'user', exp, scope: 'a b' }, hs), hs],
      [await signJwt({ sub: 'user', exp, scope: 'a b' }, es.privateKey), es.publicKey],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tokens),
        fc.nat(),
        fc.integer({ min: 1, max: 127 }),
        async ([token, key], at, delta) => {
          const i = at % token.length;
          const changed = String.fromCharCode((token.charCodeAt(i) + delta) % 128);
          fc.pre(changed !== token[i]);
          const forged = token.slice(0, i) + changed + token.slice(i + 1);
          const error = await verifyJwt(forged, key).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(JwtError);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('flipping any bit of any decoded byte makes verification fail', async () => {
    const token = await signJwt({ sub: 'user', exp }, hs);
    const segments = token.split('.').map((s) => Buffer.from(s, 'base64url'));
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.nat(), fc.nat(7), async (seg, at, bit) => {
        const copy = segments.map((s) => Buffer.from(s));
        const target = copy[seg]!;
        target[at % target.length]! ^= 1 << bit;
        const forged = copy.map((s) => s.toString('base64url')).join('.');
        await expect(verifyJwt(forged, hs)).rejects.toBeInstanceOf(JwtError);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeJwt and verifyJwt on arbitrary strings only ever throw JwtError', async () => {
    const segment = fc.oneof(
      fc.string(),
      fc.base64String().map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')),
      jsonValue.map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      fc.uint8Array().map((b) => Buffer.from(b).toString('base64url')),
    );
    const tokenArb = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
      fc
        .tuple(jsonValue, jsonValue, fc.string())
        .map(
          ([h, p, s]) =>
            `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.${s}`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(tokenArb, async (token) => {
        try {
          decodeJwt(token);
        } catch (error) {
          expect(isOnlyJwtError(error)).toBe(true);
        }
        const error = await verifyJwt(token, hs).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOnlyJwtError(error)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
