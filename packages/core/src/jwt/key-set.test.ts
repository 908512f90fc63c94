import { describe, expect, it } from 'vitest';
import { expectJwtError } from '../../test/jwt/helpers.js';
import {
  createLocalKeySet,
  createSecretKey,
  exportJwk,
  generateKeyPair,
  generateSecret,
  signJwt,
  verifyJwt,
} from './index.js';

const exp = Math.floor(Date.now() / 1000) + 60;

describe('local key sets (issue 2, item 5)', () => {
  it('selects by kid and alg, and serves public keys only', async () => {
    const a = await generateKeyPair('ES256', { kid: 'a' });
    const b = await generateKeyPair('RS256', { kid: 'b' });
    const secret = await createSecretKey(generateSecret(), { kid: 's' });
    const set = await createLocalKeySet([a.privateKey, b.publicKey, secret]);
    await expect(verifyJwt(await signJwt({ exp }, a.privateKey), set)).resolves.toBeDefined();
    await expect(verifyJwt(await signJwt({ exp }, b.privateKey), set)).resolves.toBeDefined();
    await expect(verifyJwt(await signJwt({ exp }, secret), set)).resolves.toBeDefined();
    const json = set.toJSON();
    expect(json.keys.map((k) => k.kid)).toEqual(['a', 'b']);
    for (const jwk of json.keys) {
      expect(jwk.d).toBeUndefined();
      expect(jwk.k).toBeUndefined();
      expect(jwk.use).toBe('sig');
    }
    // Unknown kid, and a kid whose key has another algorithm.
    const other = await generateKeyPair('ES256', { kid: 'zzz' });
    await expectJwtError(
      verifyJwt(await signJwt({ exp }, other.privateKey), set),
      'ERR_JWT_KEY_NOT_FOUND',
    );
    const impostor = await generateKeyPair('ES384', { kid: 'a' });
    await expectJwtError(
      verifyJwt(await signJwt({ exp }, impostor.privateKey), set),
      'ERR_JWT_KEY_NOT_FOUND',
    );
  });

  it('is built from a JWKS: use filtering, alg inference, duplicate kids refused', async () => {
    const a = await generateKeyPair('ES256', { kid: 'a' });
    const r = await generateKeyPair('PS256', { kid: 'r' });
    const aJwk = await exportJwk(a.publicKey);
    const rJwk = { ...(await exportJwk(r.publicKey)), alg: undefined };
    const enc = {
      ...(await exportJwk((await generateKeyPair('ES256', { kid: 'e' })).publicKey)),
      use: 'enc',
    };
    const set = await createLocalKeySet({ keys: [aJwk, rJwk, enc] });
    await expect(verifyJwt(await signJwt({ exp }, a.privateKey), set)).resolves.toBeDefined();
    // An RSA JWK without alg serves RS256 and PS256.
    await expect(verifyJwt(await signJwt({ exp }, r.privateKey), set)).resolves.toBeDefined();
    expect(set.toJSON().keys.map((k) => k.kid)).toEqual(['a', 'r']);
    await expect(
      createLocalKeySet({ keys: [aJwk, { ...aJwk, x: rJwk.n }] }),
    ).rejects.toBeInstanceOf(TypeError);
    const a2 = await exportJwk((await generateKeyPair('ES256', { kid: 'a' })).publicKey);
    await expect(createLocalKeySet({ keys: [aJwk, a2] })).rejects.toBeInstanceOf(TypeError);
    await expect(createLocalKeySet({} as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('without a kid in the token, only an unambiguous key is used', async () => {
    const one = await generateKeyPair('ES256', { kid: 'one' });
    const two = await generateKeyPair('ES256', { kid: 'two' });
    const noKid = await createSecretKey(generateSecret());
    const token = await signJwt({ exp }, noKid);
    await expect(
      verifyJwt(token, await createLocalKeySet([noKid, one.publicKey])),
    ).resolves.toBeDefined();
    const esToken = await signJwt({ exp }, await createSecretKey(generateSecret()));
    await expectJwtError(
      verifyJwt(esToken, await createLocalKeySet([one.publicKey, two.publicKey])),
      'ERR_JWT_KEY_NOT_FOUND',
    );
  });
});
