/**
 * SECURITY-CASES 24–36 (hostile JWTs): each is refused by core with a stable code, and
 * where jose (the oracle) refuses it too, both are asserted.
 */
import { createHmac, createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwtErrorCode } from '../../src/errors/jwt-error.js';
import { InvalidTokenError } from '../../src/errors/oauth-error.js';
import {
  createLocalKeySet,
  createRemoteKeySet,
  createSecretKey,
  exportJwk,
  generateKeyPair,
  importJwk,
  importPem,
  type JwtKey,
  signJwt,
  type VerifyJwtOptions,
  verifyJwt,
} from '../../src/jwt/index.js';
import { createAccessTokenVerifier } from '../../src/tokens/access-token-verifier.js';
import { b64, BACKENDS, expectJwtError, rejectionOf, useBackend } from './helpers.js';

const SECRET = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 255);
const now = Math.floor(Date.now() / 1000);
const good = {
  iss: 'https://as.example.com',
  sub: 'user-1',
  aud: 'https://mcp.example.com/mcp',
  client_id: 'client-1',
  exp: now + 600,
  iat: now - 10,
};

/** An HS256 token over raw segments, signed with node:crypto (so anything can be crafted). */
function hs256(
  header: string | object,
  payload: string | object,
  secret: Uint8Array | string = SECRET,
): string {
  const h = typeof header === 'string' ? header : b64(JSON.stringify(header));
  const p = typeof payload === 'string' ? payload : b64(JSON.stringify(payload));
  const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${mac}`;
}

async function joseRejects(
  token: string,
  key: jose.CryptoKey | Uint8Array,
  options: jose.JWTVerifyOptions = {},
): Promise<void> {
  const error = await rejectionOf(jose.jwtVerify(token, key, options));
  expect(error).toBeInstanceOf(Error);
}

describe.each(BACKENDS)('hostile JWTs (%s crypto)', (_name, backend) => {
  let hsKey: JwtKey;
  beforeAll(async () => {
    useBackend(backend);
    hsKey = await createSecretKey(SECRET);
  });
  afterAll(() => useBackend(undefined));

  const rejects = (token: string, code: JwtErrorCode, options?: VerifyJwtOptions) =>
    expectJwtError(verifyJwt(token, hsKey, options), code);

  it('control: a well-formed token verifies under core and jose', async () => {
    const token = hs256({ alg: 'HS256', typ: 'at+jwt' }, good);
    await expect(verifyJwt(token, hsKey, { typ: 'at+jwt' })).resolves.toBeDefined();
    await expect(jose.jwtVerify(token, SECRET, { typ: 'at+jwt' })).resolves.toBeDefined();
  });

  it('24: alg none in any casing, or no alg, is refused', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const withSig = hs256({ alg }, good);
      await rejects(withSig, 'ERR_JWT_ALG_NOT_ALLOWED');
      await joseRejects(withSig, SECRET);
      const unsecured = `${b64(JSON.stringify({ alg }))}.${b64(JSON.stringify(good))}.`;
      await rejects(unsecured, 'ERR_JWT_MALFORMED');
      await joseRejects(unsecured, SECRET);
    }
    const noAlg = hs256({ typ: 'JWT' }, good);
    await rejects(noAlg, 'ERR_JWT_ALG_NOT_ALLOWED');
    await joseRejects(noAlg, SECRET);
    await rejects(hs256({ alg: 256 }, good), 'ERR_JWT_ALG_NOT_ALLOWED');
  });

  it.each(['RS256', 'ES256'] as const)(
    '25: HS256 signed with the %s public key bytes (PEM, SPKI, JWK) is refused',
    async (alg) => {
      const { publicKey } = await generateKeyPair(alg);
      const jwk = await exportJwk(publicKey);
      const nodeKey = createPublicKey({ key: jwk as never, format: 'jwk' });
      const pem = nodeKey.export({ type: 'spki', format: 'pem' }) as string;
      const der = nodeKey.export({ type: 'spki', format: 'der' });
      const joseKey = (await jose.importJWK(jwk, alg)) as jose.CryptoKey;
      const keySet = await createLocalKeySet([publicKey]);
      for (const secret of [pem, new Uint8Array(der), JSON.stringify(jwk)]) {
        const token = hs256({ alg: 'HS256', kid: publicKey.kid }, good, secret);
        await expectJwtError(verifyJwt(token, publicKey), 'ERR_JWT_ALG_NOT_ALLOWED');
        await expectJwtError(verifyJwt(token, keySet), 'ERR_JWT_KEY_NOT_FOUND');
        await joseRejects(token, joseKey);
        // The same bytes cannot even become an HMAC key here.
        await expect(createSecretKey(secret)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(importPem(pem, 'HS256' as never)).rejects.toBeInstanceOf(TypeError);
    },
  );

  describe('26: hostile kid values and key-fetching headers', () => {
    let server: Server;
    let hits = 0;
    let base = '';
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('kid with traversal, SQL, a number or 10 KB is refused cleanly (401)', async () => {
      const keySet = await createLocalKeySet([await createSecretKey(SECRET, { kid: 'k1' })]);
      const verifier = createAccessTokenVerifier({
        key: keySet,
        issuer: good.iss,
        audience: good.aud,
      });
      const cases: [unknown, JwtErrorCode][] = [
        ['../../../../etc/passwd', 'ERR_JWT_KEY_NOT_FOUND'],
        ["k1' OR '1'='1", 'ERR_JWT_KEY_NOT_FOUND'],
        [42, 'ERR_JWT_MALFORMED'],
        ['k'.repeat(10 * 1024), 'ERR_JWT_TOO_LARGE'],
      ];
      for (const [kid, code] of cases) {
        const token = hs256({ alg: 'HS256', typ: 'at+jwt', kid }, good);
        await expectJwtError(verifyJwt(token, keySet), code);
        const error = await rejectionOf(verifier.verify(token));
        expect(error).toBeInstanceOf(InvalidTokenError);
        expect((error as InvalidTokenError).status).toBe(401);
        expect((error as InvalidTokenError).jwtCode).toBe(code);
      }
      const longKid = hs256({ alg: 'HS256', kid: 'k'.repeat(10 * 1024) }, good);
      await expectJwtError(
        verifyJwt(longKid, keySet, { maxTokenLength: 64 * 1024 }),
        'ERR_JWT_KEY_NOT_FOUND',
      );
    });

    it('jku, x5u, jwk and x5c are ignored: nothing is fetched, the configured key decides', async () => {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const attackerJwk = await exportJwk(attacker.publicKey);
      const header = {
        jku: `${base}/jwks.json`,
        x5u: `${base}/cert.pem`,
        jwk: attackerJwk,
        x5c: ['MIIB'],
      };
      const remote = createRemoteKeySet(`${base}/configured-jwks.json`);
      hits = 0;
      // Signed by the attacker's embedded key: refused by the configured key.
      const forged = await signJwt(good, attacker.privateKey, { header });
      const victim = await generateKeyPair('ES256');
      await expectJwtError(verifyJwt(forged, victim.publicKey), 'ERR_JWT_SIGNATURE_INVALID');
      // Signed by the right key, with the same headers: accepted, headers unused.
      const legit = await signJwt(good, hsKey, { header });
      await expect(verifyJwt(legit, hsKey)).resolves.toBeDefined();
      expect(hits).toBe(0);
      // The configured remote set is the only thing ever fetched.
      await expectJwtError(verifyJwt(legit, remote), 'ERR_JWK_INVALID');
      expect(hits).toBe(1);
    });
  });

  it('27: crit with any extension, or b64:false, is refused', async () => {
    const cases = [
      { alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 },
      { alg: 'HS256', crit: ['exp'] },
      { alg: 'HS256', crit: [] },
      { alg: 'HS256', b64: false, crit: ['b64'] },
    ];
    for (const header of cases) {
      const token = hs256(header, good);
      await rejects(token, 'ERR_JWT_UNSUPPORTED');
      await joseRejects(token, SECRET);
    }
    // jose ignores a b64 that is not listed in crit; core refuses it anyway.
    await rejects(hs256({ alg: 'HS256', b64: false }, good), 'ERR_JWT_UNSUPPORTED');
  });

  it('28: typ absent, JWT or dpop+jwt where at+jwt is required is refused', async () => {
    for (const header of [
      { alg: 'HS256' },
      { alg: 'HS256', typ: 'JWT' },
      { alg: 'HS256', typ: 'dpop+jwt' },
    ]) {
      const token = hs256(header, good);
      await rejects(token, 'ERR_JWT_CLAIM_INVALID', { typ: 'at+jwt' });
      await joseRejects(token, SECRET, { typ: 'at+jwt' });
    }
    // RFC 8725 §3.11: the media-type form is the same typ.
    await expect(
      verifyJwt(hs256({ alg: 'HS256', typ: 'application/AT+JWT' }, good), hsKey, { typ: 'at+jwt' }),
    ).resolves.toBeDefined();
  });

  it('29: exp equal to now or missing, nbf/iat in the future beyond tolerance are refused', async () => {
    const at = new Date(now * 1000);
    const expNow = hs256({ alg: 'HS256' }, { ...good, exp: now });
    await rejects(expNow, 'ERR_JWT_EXPIRED', { currentDate: at });
    await joseRejects(expNow, SECRET, { currentDate: at });
    const noExp = hs256({ alg: 'HS256' }, { ...good, exp: undefined });
    await rejects(noExp, 'ERR_JWT_EXPIRED');
    await joseRejects(noExp, SECRET, { requiredClaims: ['exp'] });
    const nbf = hs256({ alg: 'HS256' }, { ...good, nbf: now + 60 });
    await rejects(nbf, 'ERR_JWT_NOT_YET_VALID', { currentDate: at });
    await joseRejects(nbf, SECRET, { currentDate: at });
    const iat = hs256({ alg: 'HS256' }, { ...good, iat: now + 60 });
    await rejects(iat, 'ERR_JWT_NOT_YET_VALID', { currentDate: at });
    // Within the tolerance they pass.
    await expect(
      verifyJwt(nbf, hsKey, { currentDate: at, clockTolerance: 60 }),
    ).resolves.toBeDefined();
    await expect(
      verifyJwt(iat, hsKey, { currentDate: at, clockTolerance: 60 }),
    ).resolves.toBeDefined();
    await expect(
      verifyJwt(expNow, hsKey, { currentDate: new Date(at.getTime() - 1000) }),
    ).resolves.toBeDefined();
  });

  it('30: aud missing, trailing-slash different, or an array without us; iss mismatch', async () => {
    const options = { audience: good.aud, issuer: good.iss };
    for (const payload of [
      { ...good, aud: undefined },
      { ...good, aud: `${good.aud}/` },
      { ...good, aud: ['https://other.example.com', `${good.aud}/`] },
      { ...good, iss: 'https://evil.example.com' },
      { ...good, iss: `${good.iss}/` },
    ]) {
      const token = hs256({ alg: 'HS256' }, payload);
      await rejects(token, 'ERR_JWT_CLAIM_INVALID', options);
      await joseRejects(token, SECRET, options);
    }
    const many = hs256({ alg: 'HS256' }, { ...good, aud: ['https://other.example.com', good.aud] });
    await expect(verifyJwt(many, hsKey, options)).resolves.toBeDefined();
  });

  it('31: empty or truncated signature, 2 or 4 segments are refused', async () => {
    const token = hs256({ alg: 'HS256' }, good);
    const [h, p, s] = token.split('.') as [string, string, string];
    const cases: [string, JwtErrorCode][] = [
      [`${h}.${p}.`, 'ERR_JWT_MALFORMED'],
      [`${h}.${p}.${s.slice(0, -4)}`, 'ERR_JWT_SIGNATURE_INVALID'],
      [`${h}.${p}`, 'ERR_JWT_MALFORMED'],
      [`${h}.${p}.${s}.${s}`, 'ERR_JWT_MALFORMED'],
      [`.${p}.${s}`, 'ERR_JWT_MALFORMED'],
      [`${h}..${s}`, 'ERR_JWT_MALFORMED'],
    ];
    for (const [bad, code] of cases) {
      await rejects(bad, code);
      await joseRejects(bad, SECRET);
    }
  });

  it('32: payload 0, [], null, {, invalid UTF-8, duplicate names are refused', async () => {
    for (const raw of ['0', '[]', 'null', '{', '"x"', 'true']) {
      const token = hs256({ alg: 'HS256' }, b64(raw));
      await rejects(token, 'ERR_JWT_MALFORMED');
      await joseRejects(token, SECRET);
    }
    const badUtf8 = hs256(
      { alg: 'HS256' },
      b64(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    );
    await rejects(badUtf8, 'ERR_JWT_MALFORMED');
    await joseRejects(badUtf8, SECRET);
    // Duplicate member names (RFC 7515 §5.2): jose keeps the last one; core refuses.
    const dupPayload = hs256({ alg: 'HS256' }, b64(`{"sub":"a","exp":${now + 60},"sub":"admin"}`));
    await rejects(dupPayload, 'ERR_JWT_MALFORMED');
    const dupEscaped = hs256(
      { alg: 'HS256' },
      b64(`{"sub":"a","exp":${now + 60},"\\u0073ub":"b"}`),
    );
    await rejects(dupEscaped, 'ERR_JWT_MALFORMED');
    const dupHeader = hs256(b64('{"alg":"HS256","alg":"none"}'), good);
    await rejects(dupHeader, 'ERR_JWT_MALFORMED');
    // Non-canonical base64url (padding, standard alphabet) is refused.
    const token = hs256({ alg: 'HS256' }, good);
    await rejects(token.replace('.', '=.'), 'ERR_JWT_MALFORMED');
  });

  it('33: a token over 8 KiB is refused before any decoding', async () => {
    const garbage = '!'.repeat(8193);
    await rejects(garbage, 'ERR_JWT_TOO_LARGE');
    const big = hs256({ alg: 'HS256' }, { ...good, pad: 'x'.repeat(8192) });
    await rejects(big, 'ERR_JWT_TOO_LARGE');
    await expect(verifyJwt(big, hsKey, { maxTokenLength: 20_000 })).resolves.toBeDefined();
    const verifier = createAccessTokenVerifier({
      key: hsKey,
      issuer: good.iss,
      audience: good.aud,
    });
    const error = await rejectionOf(verifier.verify(garbage));
    expect((error as InvalidTokenError).status).toBe(401);
    expect((error as InvalidTokenError).jwtCode).toBe('ERR_JWT_TOO_LARGE');
  });

  it('34: an ES256 signature of 64 zero bytes, or DER-encoded, is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const joseKey = (await jose.importJWK(await exportJwk(publicKey), 'ES256')) as jose.CryptoKey;
    const token = await signJwt(good, privateKey);
    await expect(verifyJwt(token, publicKey)).resolves.toBeDefined();
    const input = token.slice(0, token.lastIndexOf('.'));
    const zeros = `${input}.${b64(new Uint8Array(64))}`;
    await expectJwtError(verifyJwt(zeros, publicKey), 'ERR_JWT_SIGNATURE_INVALID');
    await joseRejects(zeros, joseKey);
    const nodePrivate = (await exportJwk(privateKey)) as never;
    const der = nodeSign('sha256', Buffer.from(input), {
      key: nodePrivate,
      format: 'jwk',
      dsaEncoding: 'der',
    });
    const derToken = `${input}.${b64(new Uint8Array(der))}`;
    await expectJwtError(verifyJwt(derToken, publicKey), 'ERR_JWT_SIGNATURE_INVALID');
    await joseRejects(derToken, joseKey);
    // r = 0 with a valid-looking s, and s = 0 with a valid r.
    const real = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    const rZero = Buffer.concat([Buffer.alloc(32), real.subarray(32)]);
    const sZero = Buffer.concat([real.subarray(0, 32), Buffer.alloc(32)]);
    for (const sig of [rZero, sZero]) {
      await expectJwtError(
        verifyJwt(`${input}.${b64(new Uint8Array(sig))}`, publicKey),
        'ERR_JWT_SIGNATURE_INVALID',
      );
    }
  });

  it('35: an HMAC secret under 32 bytes or an RSA key under 2048 bits is a TypeError', async () => {
    await expect(createSecretKey(new Uint8Array(31))).rejects.toBeInstanceOf(TypeError);
    await expect(createSecretKey('x'.repeat(31))).rejects.toBeInstanceOf(TypeError);
    await expect(createSecretKey(new Uint8Array(47), { alg: 'HS384' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(createSecretKey(new Uint8Array(63), { alg: 'HS512' })).rejects.toBeInstanceOf(
      TypeError,
    );
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = small.publicKey.export({ format: 'jwk' });
    await expect(importJwk({ ...jwk, kty: 'RSA' }, { alg: 'RS256' })).rejects.toBeInstanceOf(
      TypeError,
    );
    const pem = small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(importPem(pem, 'RS256')).rejects.toBeInstanceOf(TypeError);
    await expect(importPem(pem, 'PS256')).rejects.toBeInstanceOf(TypeError);
  });

  it('36: an expired token with a bad signature is a signature error', async () => {
    const expired = hs256({ alg: 'HS256' }, { ...good, exp: now - 3600 });
    await rejects(expired, 'ERR_JWT_EXPIRED');
    const forged = hs256({ alg: 'HS256' }, { ...good, exp: now - 3600 }, new Uint8Array(32));
    await rejects(forged, 'ERR_JWT_SIGNATURE_INVALID');
    const forgedClaims = hs256(
      { alg: 'HS256' },
      { ...good, aud: 'x', iss: 'y' },
      new Uint8Array(32),
    );
    await rejects(forgedClaims, 'ERR_JWT_SIGNATURE_INVALID', {
      audience: good.aud,
      issuer: good.iss,
    });
  });
});
