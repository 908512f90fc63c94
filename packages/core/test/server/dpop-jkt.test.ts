// DPoP authorization code binding (RFC 9449 §10): an authorization request's `dpop_jkt` binds
// the code to one key; the token request must prove that key or the code is refused
// (`invalid_grant`) and burnt. jose makes the keys, signs the proofs and computes thumbprints.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import { decodeJwt } from '../../src/jwt/index.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms } from '../../src/testing/browser.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';

interface Key {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

function proof(key: Key): Promise<string> {
  return new SignJWT({
    jti: crypto.randomUUID(),
    htm: 'POST',
    htu: `${ISSUER}/token`,
    iat: Math.floor(Date.now() / 1000),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk } as never)
    .sign(key.privateKey);
}

function setup(dpop = true) {
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'dpop-jkt-test-secret-0123456789-abcdefgh',
    store: new MemoryStore(),
    dpop,
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'pw-alice', scopes: ['read'] }],
    }),
    scopesSupported: ['read'],
    clients: [{ clientId: 'app', redirectUris: [REDIRECT] }],
  });
  const fetch = toFetchHandler(server);

  function authorizeUrl(challenge: string, dpopJkt: string | undefined): URL {
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'read',
      state: 'st',
      ...(dpopJkt === undefined ? {} : { dpop_jkt: dpopJkt }),
    }).toString();
    return url;
  }

  /** Signs alice in with `dpop_jkt` (when given): the code and its PKCE verifier. */
  async function code(dpopJkt: string | undefined) {
    const verifier = generateCodeVerifier();
    const url = authorizeUrl(await computeS256Challenge(verifier), dpopJkt);
    const result = await authorizeWithForms({
      fetch,
      authorizationUrl: url,
      username: 'alice',
      password: 'pw-alice',
    });
    expect(result.code).toBeDefined();
    return { code: result.code!, verifier };
  }

  async function redeem(grant: { code: string; verifier: string }, key: Key | undefined) {
    const response = await fetch(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(key === undefined ? {} : { dpop: await proof(key) }),
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: grant.code,
          redirect_uri: REDIRECT,
          code_verifier: grant.verifier,
          client_id: 'app',
        }).toString(),
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  return { fetch, authorizeUrl, code, redeem };
}

describe('dpop_jkt: the authorization code bound to a DPoP key (RFC 9449 §10)', () => {
  it('a proof of the named key redeems the code: a DPoP token bound to that key', async () => {
    const s = setup();
    const key = await newKey();
    const answer = await s.redeem(await s.code(key.jkt), key);
    expect(answer.status).toBe(200);
    expect(answer.body['token_type']).toBe('DPoP');
    const { payload: claims } = decodeJwt(String(answer.body['access_token']));
    expect((claims['cnf'] as { jkt?: string }).jkt).toBe(key.jkt);
  });

  it('a proof of another key is invalid_grant, and the code is burnt', async () => {
    const s = setup();
    const key = await newKey();
    const grant = await s.code(key.jkt);
    const wrong = await s.redeem(grant, await newKey());
    expect(wrong.status).toBe(400);
    expect(wrong.body['error']).toBe('invalid_grant');
    expect(String(wrong.body['error_description'])).toContain('dpop_jkt');
    expect(wrong.body['access_token']).toBeUndefined();
    // Single use whatever happened: the right key cannot redeem it afterwards.
    const retry = await s.redeem(grant, key);
    expect(retry.status).toBe(400);
    expect(retry.body['error']).toBe('invalid_grant');
  });

  it('no proof at all is invalid_grant: a bound code never yields a Bearer token', async () => {
    const s = setup();
    const key = await newKey();
    const answer = await s.redeem(await s.code(key.jkt), undefined);
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toBe('invalid_grant');
    expect(answer.body['access_token']).toBeUndefined();
  });

  it('a malformed dpop_jkt is invalid_request, redirected to the client before any sign-in', async () => {
    const s = setup();
    for (const bad of ['short', `${'A'.repeat(42)}B`, `${'a'.repeat(42)}=`, 'A'.repeat(44)]) {
      const response = await s.fetch(
        new Request(s.authorizeUrl(await computeS256Challenge(generateCodeVerifier()), bad)),
      );
      expect(response.status).toBeGreaterThanOrEqual(300);
      expect(response.status).toBeLessThan(400);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toContain('dpop_jkt');
      expect(location.searchParams.get('state')).toBe('st');
    }
  });

  it('a code without dpop_jkt is redeemed with or without a proof, as before', async () => {
    const s = setup();
    expect((await s.redeem(await s.code(undefined), undefined)).body['token_type']).toBe('Bearer');
    expect((await s.redeem(await s.code(undefined), await newKey())).body['token_type']).toBe(
      'DPoP',
    );
  });

  it('with DPoP off the parameter is ignored like any unknown one', async () => {
    const s = setup(false);
    const key = await newKey();
    const answer = await s.redeem(await s.code(key.jkt), undefined);
    expect(answer.status).toBe(200);
    expect(answer.body['token_type']).toBe('Bearer');
  });
});
