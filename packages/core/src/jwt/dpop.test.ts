// RFC 9449 §4.3 proof checks, with jose as the oracle: jose signs the proofs (as the MCP SDK v2
// client does) and computes the RFC 7638 thumbprints core must agree with.
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
  base64url,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isJwtError } from '../errors/jwt-error.js';
import {
  computeAccessTokenHash,
  createDpopProofVerifier,
  normalizeDpopUrl,
  type DpopProofRequest,
} from './dpop.js';

const NOW = 1_900_000_000;
const URL_ = 'https://mcp.example.test/mcp';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

type Pair = Awaited<ReturnType<typeof generateKeyPair>> & { jwk: JWK };
let es256: Pair;
let eddsa: Pair;
let other: Pair;

async function pair(alg: string): Promise<Pair> {
  const keys = await generateKeyPair(alg, { extractable: true });
  return { ...keys, jwk: await exportJWK(keys.publicKey) };
}

interface ProofInput {
  key?: Pair;
  alg?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: readonly string[];
}

async function proof(input: ProofInput = {}): Promise<string> {
  const key = input.key ?? es256;
  const claims: Record<string, unknown> = {
    jti: crypto.randomUUID(),
    htm: 'POST',
    htu: URL_,
    iat: NOW,
    ath: await computeAccessTokenHash(TOKEN),
    ...input.claims,
  };
  for (const name of input.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: input.alg ?? 'ES256',
      typ: 'dpop+jwt',
      jwk: key.jwk,
      ...input.header,
    } as never)
    .sign(key.privateKey);
}

const verifier = createDpopProofVerifier({ now: () => NOW * 1000 });
const request: DpopProofRequest = { method: 'POST', url: URL_, accessToken: TOKEN };

async function refusal(promise: Promise<unknown>): Promise<{ code: string; claim?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isJwtError(error), String(error)).toBe(true);
  const jwtError = error as { code: string; claim?: string };
  return { code: jwtError.code, claim: jwtError.claim };
}

beforeAll(async () => {
  [es256, eddsa, other] = await Promise.all([pair('ES256'), pair('EdDSA'), pair('ES256')]);
});

describe('DPoP proofs (RFC 9449 §4.3), jose as the oracle', () => {
  it('a jose-signed ES256 proof verifies; its jkt is jose’s RFC 7638 thumbprint', async () => {
    const verified = await verifier.verify(await proof(), request);
    expect(verified.jkt).toBe(await calculateJwkThumbprint(es256.jwk, 'sha256'));
    expect(verified.alg).toBe('ES256');
    expect(verified.iat).toBe(NOW);
  });

  it('an EdDSA proof verifies', async () => {
    const verified = await verifier.verify(await proof({ key: eddsa, alg: 'EdDSA' }), request);
    expect(verified.jkt).toBe(await calculateJwkThumbprint(eddsa.jwk, 'sha256'));
  });

  it('htu is compared normalised: host case, default port, no query or fragment', async () => {
    const p = await proof({ claims: { htu: 'https://MCP.example.test:443/mcp' } });
    await expect(
      verifier.verify(p, { ...request, url: 'https://mcp.example.test/mcp?x=1#f' }),
    ).resolves.toBeDefined();
    expect(normalizeDpopUrl('HTTPS://Host.Test:443/a?b#c')).toBe('https://host.test/a');
    expect(normalizeDpopUrl('http://host.test:80/')).toBe('http://host.test/');
    expect(normalizeDpopUrl('ftp://host.test/')).toBeUndefined();
    expect(normalizeDpopUrl('https://user:pw@host.test/')).toBeUndefined();
  });

  it('hostile: typ missing, JWT or at+jwt → refused', async () => {
    for (const typ of [undefined, 'JWT', 'at+jwt']) {
      const p = await proof({ header: { typ } });
      expect((await refusal(verifier.verify(p, request))).claim).toBe('typ');
    }
  });

  it('hostile: alg none → refused', async () => {
    const header = base64url.encode(
      JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: es256.jwk }),
    );
    const payload = base64url.encode(
      JSON.stringify({ jti: 'x', htm: 'POST', htu: URL_, iat: NOW }),
    );
    const error = await refusal(verifier.verify(`${header}.${payload}.`, request));
    expect(error.code).toMatch(/ERR_JWT_(ALG_NOT_ALLOWED|MALFORMED)/);
  });

  it('hostile: HS256 signed with a secret, jwk of kind oct → refused (never symmetric)', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const p = await new SignJWT({ jti: 'x', htm: 'POST', htu: URL_, iat: NOW })
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'dpop+jwt',
        jwk: { kty: 'oct', k: base64url.encode(secret) },
      } as never)
      .sign(secret);
    expect((await refusal(verifier.verify(p, request))).code).toBe('ERR_JWT_ALG_NOT_ALLOWED');
    expect(() => createDpopProofVerifier({ algorithms: ['HS256' as never] })).toThrow(TypeError);
  });

  it('hostile: a private jwk (with d) in the header → refused', async () => {
    const privateJwk = await exportJWK(es256.privateKey);
    const p = await proof({ header: { jwk: privateJwk } });
    expect((await refusal(verifier.verify(p, request))).claim).toBe('jwk');
  });

  it('hostile: no jwk, or a jwk of another family than alg → refused', async () => {
    expect(
      (await refusal(verifier.verify(await proof({ header: { jwk: undefined } }), request))).claim,
    ).toBe('jwk');
    const p = await proof({ header: { jwk: eddsa.jwk } });
    expect((await refusal(verifier.verify(p, request))).claim).toBe('jwk');
  });

  it('hostile: signed by another key than the header jwk → signature refused', async () => {
    const p = await new SignJWT({ jti: 'x', htm: 'POST', htu: URL_, iat: NOW })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: es256.jwk } as never)
      .sign(other.privateKey);
    expect((await refusal(verifier.verify(p, request))).code).toBe('ERR_JWT_SIGNATURE_INVALID');
  });

  it('hostile: wrong htm → refused', async () => {
    const p = await proof({ claims: { htm: 'GET' } });
    expect((await refusal(verifier.verify(p, request))).claim).toBe('htm');
    const lower = await proof({ claims: { htm: 'post' } });
    expect((await refusal(verifier.verify(lower, request))).claim).toBe('htm');
  });

  it('hostile: wrong htu (other path, other host, trailing slash, http) → refused', async () => {
    for (const htu of [
      'https://mcp.example.test/other',
      'https://evil.example.test/mcp',
      'https://mcp.example.test/mcp/',
      'http://mcp.example.test/mcp',
    ]) {
      const p = await proof({ claims: { htu } });
      expect((await refusal(verifier.verify(p, request))).claim).toBe('htu');
    }
  });

  it('hostile: stale iat (older than the window) or from the future → refused', async () => {
    const stale = await proof({ claims: { iat: NOW - 62 } });
    expect((await refusal(verifier.verify(stale, request))).claim).toBe('iat');
    const future = await proof({ claims: { iat: NOW + 61 } });
    expect((await refusal(verifier.verify(future, request))).claim).toBe('iat');
    // Inside the window either way.
    await expect(
      verifier.verify(await proof({ claims: { iat: NOW - 60 } }), request),
    ).resolves.toBeDefined();
    await expect(
      verifier.verify(await proof({ claims: { iat: NOW + 60 } }), request),
    ).resolves.toBeDefined();
  });

  it('hostile: ath missing or not the hash of the presented token → refused', async () => {
    const missing = await proof({ omit: ['ath'] });
    expect((await refusal(verifier.verify(missing, request))).claim).toBe('ath');
    const wrong = await proof({ claims: { ath: await computeAccessTokenHash(`${TOKEN}x`) } });
    expect((await refusal(verifier.verify(wrong, request))).claim).toBe('ath');
    // At the token endpoint no token is presented: ath is not needed.
    await expect(verifier.verify(missing, { method: 'POST', url: URL_ })).resolves.toBeDefined();
  });

  it('hostile: the remembered token hash is per token (an empty token or the previous one is no shortcut)', async () => {
    const fresh = createDpopProofVerifier({ now: () => NOW * 1000 });
    const other = `${TOKEN}y`;
    // First on a fresh verifier: an empty ath for an empty token (nothing remembered yet).
    const empty = await proof({ claims: { ath: '' } });
    const emptyToken = { ...request, accessToken: '' };
    expect((await refusal(fresh.verify(empty, emptyToken))).claim).toBe('ath');
    // TOKEN's proof, then TOKEN's proof presented with another token, then back.
    await expect(fresh.verify(await proof(), request)).resolves.toBeDefined();
    const withOther = { ...request, accessToken: other };
    expect((await refusal(fresh.verify(await proof(), withOther))).claim).toBe('ath');
    const forOther = await proof({ claims: { ath: await computeAccessTokenHash(other) } });
    await expect(fresh.verify(forOther, withOther)).resolves.toBeDefined();
    await expect(fresh.verify(await proof(), request)).resolves.toBeDefined();
  });

  it('hostile: jti, htm, htu or iat missing; a jti with spaces → refused', async () => {
    for (const claim of ['jti', 'htm', 'htu', 'iat']) {
      const p = await proof({ omit: [claim] });
      expect((await refusal(verifier.verify(p, request))).code).toBe('ERR_JWT_CLAIM_INVALID');
    }
    const spaced = await proof({ claims: { jti: 'a b' } });
    expect((await refusal(verifier.verify(spaced, request))).claim).toBe('jti');
  });

  it('hostile: a proof over 4 KiB is refused before decoding', async () => {
    const p = await proof({ claims: { pad: 'x'.repeat(5000) } });
    expect((await refusal(verifier.verify(p, request))).code).toBe('ERR_JWT_TOO_LARGE');
  });
});
