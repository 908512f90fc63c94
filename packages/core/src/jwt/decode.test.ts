import { describe, expect, it } from 'vitest';
import { expectJwtErrorSync } from '../../test/jwt/helpers.js';
import { createSecretKey, decodeJwt, generateSecret, signJwt } from './index.js';

describe('decodeJwt (unverified, strict)', () => {
  it('returns header and payload without verifying', async () => {
    const key = await createSecretKey(generateSecret(), { kid: 'k' });
    const token = await signJwt({ sub: 'u', exp: 1 }, key, { typ: 'at+jwt' });
    expect(decodeJwt(token)).toEqual({
      header: { alg: 'HS256', typ: 'at+jwt', kid: 'k' },
      payload: { sub: 'u', exp: 1 },
    });
  });

  it('throws JwtError codes for malformed input (SECURITY-CASES 31–33)', () => {
    expectJwtErrorSync(() => decodeJwt('a.b'), 'ERR_JWT_MALFORMED');
    expectJwtErrorSync(() => decodeJwt('x'.repeat(8193)), 'ERR_JWT_TOO_LARGE');
    expectJwtErrorSync(
      () => decodeJwt(`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.sig`),
      'ERR_JWT_ALG_NOT_ALLOWED',
    );
    expectJwtErrorSync(() => decodeJwt(42 as never), 'ERR_JWT_MALFORMED');
    expect(() => decodeJwt('a.b.c', { maxTokenLength: 0 })).toThrow(TypeError);
  });
});
