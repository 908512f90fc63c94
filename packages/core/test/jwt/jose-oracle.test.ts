import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSecretKey,
  exportJwk,
  generateKeyPair,
  type JwsAlgorithm,
  type JwtKey,
  signJwt,
  verifyJwt,
} from '../../src/jwt/index.js';
import { BACKENDS, useBackend } from './helpers.js';

const ALGS: readonly JwsAlgorithm[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
];

interface Pair {
  coreSign: JwtKey;
  coreVerify: JwtKey;
  joseSign: jose.CryptoKey | Uint8Array;
  joseVerify: jose.CryptoKey | Uint8Array;
}

async function makePair(alg: JwsAlgorithm): Promise<Pair> {
  if (alg.startsWith('HS')) {
    const size = { HS256: 32, HS384: 48, HS512: 64 }[alg as 'HS256']!;
    const secret = crypto.getRandomValues(new Uint8Array(size));
    const key = await createSecretKey(secret, { alg: alg as 'HS256', kid: `k-${alg}` });
    return { coreSign: key, coreVerify: key, joseSign: secret, joseVerify: secret };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg as 'ES256', { extractable: true });
  const privateJwk = await exportJwk(privateKey);
  const publicJwk = await exportJwk(publicKey);
  expect(publicJwk.d).toBeUndefined();
  return {
    coreSign: privateKey,
    coreVerify: publicKey,
    joseSign: (await jose.importJWK(privateJwk, alg)) as jose.CryptoKey,
    joseVerify: (await jose.importJWK(publicJwk, alg)) as jose.CryptoKey,
  };
}

const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: 'https://as.example.com',
  sub: 'user-1',
  aud: 'https://mcp.example.com/mcp',
  client_id: 'client-1',
  scope: 'mcp:tools:read mcp:tools:write',
  jti: 'jti-1',
  iat: now,
  exp: now + 600,
  nested: { a: [1, 2, 'é'], b: null },
};

describe.each(BACKENDS)('jose as the oracle (%s crypto)', (_name, backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => useBackend(undefined));

  describe.each(ALGS)('%s', (alg) => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await makePair(alg);
    });

    it('a token core signs verifies under jose', async () => {
      const token = await signJwt(claims, pair.coreSign, { typ: 'at+jwt' });
      const { payload, protectedHeader } = await jose.jwtVerify(token, pair.joseVerify, {
        algorithms: [alg],
        issuer: claims.iss,
        audience: claims.aud,
        typ: 'at+jwt',
      });
      expect(payload).toEqual(claims);
      expect(protectedHeader.alg).toBe(alg);
      expect(protectedHeader.kid).toBe(pair.coreSign.kid);
    });

    it('a token jose signs verifies under core', async () => {
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: pair.coreVerify.kid })
        .sign(pair.joseSign);
      const { payload, header } = await verifyJwt(token, pair.coreVerify, {
        typ: 'at+jwt',
        issuer: claims.iss,
        audience: claims.aud,
      });
      expect(payload).toEqual(claims);
      expect(header.alg).toBe(alg);
    });

    it('a jose token with one changed signature byte fails under both', async () => {
      const token = await new jose.SignJWT(claims).setProtectedHeader({ alg }).sign(pair.joseSign);
      const dot = token.lastIndexOf('.');
      const sig = Buffer.from(token.slice(dot + 1), 'base64url');
      sig[0] = sig[0]! ^ 1;
      const bad = `${token.slice(0, dot + 1)}${sig.toString('base64url')}`;
      await expect(jose.jwtVerify(bad, pair.joseVerify)).rejects.toMatchObject({
        code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      });
      await expect(verifyJwt(bad, pair.coreVerify)).rejects.toMatchObject({
        code: 'ERR_JWT_SIGNATURE_INVALID',
      });
    });
  });
});
