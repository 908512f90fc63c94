import { describe, expect, it } from 'vitest';
import { expectJwtError, rejectionOf } from '../../test/jwt/helpers.js';
import type { JwtError } from '../errors/jwt-error.js';
import { createJwtVerifier, createSecretKey, generateSecret, signJwt } from './index.js';

describe('createJwtVerifier (cache of verified tokens)', () => {
  it('serves a repeat from the cache but re-checks exp on every hit', async () => {
    const key = await createSecretKey(generateSecret());
    const t0 = 1_800_000_000;
    const token = await signJwt({ sub: 'u', exp: t0 + 10, nbf: t0 - 1 }, key);
    const at = (seconds: number) =>
      createJwtVerifier(key, { currentDate: new Date(seconds * 1000) });
    const v = at(t0);
    const first = await v.verify(token);
    // Admitted on the second verification, served from the cache from the third.
    const second = await v.verify(token);
    expect(Object.isFrozen(first.payload)).toBe(false);
    expect(Object.isFrozen(second.payload)).toBe(true);
    expect(await v.verify(token)).toBe(second);
    await expectJwtError(at(t0 + 10).verify(token), 'ERR_JWT_EXPIRED');
  });

  it('a cached token expires: the hit path checks exp against the clock', async () => {
    const key = await createSecretKey(generateSecret());
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await signJwt({ sub: 'u', exp }, key);
    const v = createJwtVerifier(key);
    await expect(v.verify(token)).resolves.toBeDefined();
    const cached = await v.verify(token);
    expect(await v.verify(token)).toBe(cached);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 20));
    await expectJwtError(v.verify(token), 'ERR_JWT_EXPIRED');
  });

  it('never caches a failure, and is bounded', async () => {
    const key = await createSecretKey(generateSecret());
    const exp = Math.floor(Date.now() / 1000) + 60;
    const v = createJwtVerifier(key, { cacheSize: 2, audience: 'a' });
    const bad = await signJwt({ exp, aud: 'b' }, key);
    await expectJwtError(v.verify(bad), 'ERR_JWT_CLAIM_INVALID');
    await expectJwtError(v.verify(bad), 'ERR_JWT_CLAIM_INVALID');
    const tokens = await Promise.all([1, 2, 3].map((i) => signJwt({ exp, aud: 'a', i }, key)));
    for (const t of tokens) await v.verify(t);
    const again = await v.verify(tokens[0]!);
    expect(again.payload.i).toBe(1);
    expect(() => createJwtVerifier(key, { cacheSize: -1 })).toThrow(TypeError);
    expect(() => createJwtVerifier(key, { clockTolerance: -1 })).toThrow(TypeError);
    expect(() => createJwtVerifier(key, { audience: [] })).toThrow(TypeError);
  });

  it('keeps serving both generations after the young one rotates', async () => {
    const key = await createSecretKey(generateSecret());
    const exp = Math.floor(Date.now() / 1000) + 60;
    const v = createJwtVerifier(key, { cacheSize: 4 }); // generations of 2
    const tokens = await Promise.all([0, 1, 2, 3, 4].map((i) => signJwt({ exp, i }, key)));
    const cachedResult = async (t: string) => {
      await v.verify(t);
      return v.verify(t); // admitted on the second verification
    };
    const a = await cachedResult(tokens[0]!);
    const b = await cachedResult(tokens[1]!);
    // A third admission rotates: a and b move to the old generation, still served.
    const c = await cachedResult(tokens[2]!);
    expect(await v.verify(tokens[0]!)).toBe(a); // promoted back to young
    expect(await v.verify(tokens[2]!)).toBe(c);
    expect(await v.verify(tokens[1]!)).toBe(b); // promotion rotated: b was in old
    for (const t of tokens.slice(3)) await cachedResult(t);
    // Five admitted into at most four slots: the oldest generation went away.
    const served = await Promise.all(tokens.map((t) => v.verify(t)));
    expect(served.filter((r, i) => r === [a, b, c][i]).length).toBeLessThan(3);
  });

  it('refuses a non-string iss, sub or jti and names the claim (RFC 7519 §4.1.1, 4.1.2, 4.1.7)', async () => {
    const key = await createSecretKey(generateSecret());
    const exp = Math.floor(Date.now() / 1000) + 60;
    const v = createJwtVerifier(key);
    for (const [claim, value] of [
      ['iss', 1],
      ['sub', ['u']],
      ['jti', { id: 1 }],
      ['sub', null],
    ] as const) {
      const token = await signJwt({ sub: 'u', [claim]: value, exp }, key);
      const error = (await rejectionOf(v.verify(token))) as JwtError;
      expect(error.code).toBe('ERR_JWT_CLAIM_INVALID');
      expect(error.claim).toBe(claim);
    }
    await expect(
      v.verify(await signJwt({ iss: 'i', sub: 'u', jti: 'j', exp }, key)),
    ).resolves.toBeDefined();
  });
});
