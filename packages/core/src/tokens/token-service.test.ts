import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createSetup,
  HMAC_SECRET,
  identity,
  ISSUER,
  REDIRECT,
  RESOURCE,
} from '../../test/tokens/helpers.js';
import { createSecretKey, generateKeyPair } from '../jwt/index.js';
import { computeS256Challenge, generateCodeVerifier } from '../pkce.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store, StoreValue } from '../store/store.js';
import { STORE_KEYS } from '../store/keys.js';
import { createTokenService } from './token-service.js';

const UPSTREAM = {
  accessToken: 'upstream-access-token-value-0123456789',
  refreshToken: 'upstream-refresh-token-value-0123456789',
  expiresAt: 2_000_000_000,
  tokenType: 'Bearer',
};
const ENCRYPTION_KEY = 'upstream-encryption-key-0123456789-abcdefgh';

/** Records every value written, to prove what reaches the store. */
function recording(inner: Store): {
  store: Store;
  writes: Array<[string, StoreValue]>;
  calls: string[];
} {
  const writes: Array<[string, StoreValue]> = [];
  const calls: string[] = [];
  const log =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(name);
      return fn(...args);
    };
  const store = {
    get: log('get', (k: string) => inner.get(k)),
    getMany: log('getMany', (k: readonly string[]) => inner.getMany(k)),
    set: log('set', (k: string, v: StoreValue, t: number) => {
      writes.push([k, v]);
      return inner.set(k, v, t);
    }),
    setIfAbsent: log('setIfAbsent', (k: string, v: StoreValue, t: number) => {
      writes.push([k, v]);
      return inner.setIfAbsent(k, v, t);
    }),
    take: log('take', (k: string) => inner.take(k)),
    delete: log('delete', (k: string) => inner.delete(k)),
  } as Store;
  return { store, writes, calls };
}

async function issueAndRedeem(
  tokens: ReturnType<typeof createTokenService>,
  extra: { upstream?: boolean; scopes?: string[] } = {},
) {
  const verifier = generateCodeVerifier();
  const code = await tokens.issueAuthorizationCode({
    clientId: 'pub',
    redirectUri: REDIRECT,
    codeChallenge: await computeS256Challenge(verifier),
    codeChallengeMethod: 'S256',
    scopes: extra.scopes ?? ['mcp:tools:get_weather', 'profile', 'mcp:tools:send_email'],
    resource: RESOURCE,
    identity,
    ...(extra.upstream ? { upstreamTokens: UPSTREAM } : {}),
  });
  return tokens.redeemAuthorizationCode({
    code,
    clientId: 'pub',
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
}

describe('access tokens (RFC 9068)', () => {
  it('are at+jwt with iss, sub, aud, exp (1 h), iat, jti, client_id, scope, mcp_tool_scopes, grant_id', async () => {
    const { tokens } = await createSetup();
    const response = await issueAndRedeem(tokens);
    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(decodeProtectedHeader(response.access_token)).toMatchObject({
      typ: 'at+jwt',
      alg: 'HS256',
    });
    // Cross-check with jose: core's tokens verify under an independent implementation.
    const { payload } = await jwtVerify(
      response.access_token,
      new TextEncoder().encode(HMAC_SECRET),
      {
        issuer: ISSUER,
        audience: RESOURCE,
        typ: 'at+jwt',
        algorithms: ['HS256'],
      },
    );
    expect(payload.sub).toBe('user-1');
    expect(payload.aud).toBe(RESOURCE);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.client_id).toBe('pub');
    expect(payload.scope).toBe('mcp:tools:get_weather profile mcp:tools:send_email');
    expect(payload.mcp_tool_scopes).toEqual(['mcp:tools:get_weather', 'mcp:tools:send_email']);
    // What the user may ever hold: the guard tells a hopeless step-up from one that can succeed.
    expect(payload.mcp_grantable_scopes).toEqual([
      'mcp:tools:get_weather',
      'mcp:tools:send_email',
      'profile',
    ]);
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload.grant_id).toBe('string');
    // Identity attributes are copied, but never override registered claims.
    expect(payload.role).toBe('admin');
    expect(JSON.stringify(payload)).not.toContain('evil');
  });

  it('carry a custom claims mapping, still without overriding registered claims', async () => {
    const { tokens } = await createSetup({
      claims: (id) => ({
        email: `${id.sub}@example.test`,
        iss: 'https://evil.test',
        client_id: 'x',
      }),
    });
    const { access_token } = await issueAndRedeem(tokens);
    const ctx = await tokens.createAccessTokenVerifier().verify(access_token);
    expect(ctx.claims['email']).toBe('user-1@example.test');
    expect(ctx.claims['iss']).toBe(ISSUER);
    expect(ctx.clientId).toBe('pub');
    expect(ctx.grantId).toBe(ctx.claims['grant_id']);
    expect(ctx.claims['role']).toBeUndefined();
  });

  it('can be signed with ES256 and verified with the public key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const { tokens } = await createSetup({ signingKey: privateKey, verificationKey: publicKey });
    const { access_token } = await issueAndRedeem(tokens);
    expect(decodeProtectedHeader(access_token)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: publicKey.kid,
    });
    const ctx = await tokens.createAccessTokenVerifier().verify(access_token);
    expect(ctx.userId).toBe('user-1');
    expect(ctx.resource).toBe(RESOURCE);
  });

  it('the verifier checks revocation by jti and grant in one store round trip', async () => {
    const rec = recording(new MemoryStore());
    const { tokens } = await createSetup({ store: rec.store });
    const { access_token } = await issueAndRedeem(tokens);
    const verifier = tokens.createAccessTokenVerifier();
    rec.calls.length = 0;
    await verifier.verify(access_token);
    expect(rec.calls).toEqual(['getMany']);
  });

  it('a token of another signing key is refused', async () => {
    const { tokens } = await createSetup();
    const other = await createSetup({
      signingKey: await createSecretKey('another-secret-0123456789-abcdefghijklmnop'),
    });
    const { access_token } = await issueAndRedeem(other.tokens);
    await expect(tokens.createAccessTokenVerifier().verify(access_token)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    expect(await tokens.introspect(access_token)).toEqual({ active: false });
  });
});

describe('upstream tokens (issue 4: never in a client-readable token)', () => {
  it('are encrypted at rest with AES-GCM, never in the token response, and dropped with the grant', async () => {
    const rec = recording(new MemoryStore());
    const { tokens } = await createSetup({
      store: rec.store,
      upstreamEncryptionKey: ENCRYPTION_KEY,
    });
    const response = await issueAndRedeem(tokens, { upstream: true });
    const everything = JSON.stringify(response) + JSON.stringify(rec.writes);
    for (const secret of [UPSTREAM.accessToken, UPSTREAM.refreshToken])
      expect(everything).not.toContain(secret);
    const ctx = await tokens.createAccessTokenVerifier().verify(response.access_token);
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toEqual(UPSTREAM);

    // Still there after a refresh rotation.
    await tokens.refresh({ refreshToken: response.refresh_token!, clientId: 'pub' });
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toEqual(UPSTREAM);

    await tokens.revokeGrant(ctx.grantId!);
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toBeUndefined();
  });

  it('a ciphertext moved to another grant does not decrypt (grant id is the AAD)', async () => {
    const store = new MemoryStore();
    const { tokens } = await createSetup({ store, upstreamEncryptionKey: ENCRYPTION_KEY });
    const a = await tokens
      .createAccessTokenVerifier()
      .verify((await issueAndRedeem(tokens, { upstream: true })).access_token);
    const sealed = await store.get(STORE_KEYS.upstream(a.grantId!));
    expect(typeof sealed).toBe('string');
    await store.set(STORE_KEYS.upstream('other-grant'), sealed!, 60_000);
    expect(await tokens.getUpstreamTokens('other-grant')).toBeUndefined();
    // And a different key cannot open it.
    const other = createTokenService({
      store,
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: await createSecretKey(HMAC_SECRET),
      upstreamEncryptionKey: `${ENCRYPTION_KEY}-other`,
    });
    expect(await other.getUpstreamTokens(a.grantId!)).toBeUndefined();
  });

  it('without an encryption key they are kept in plain JSON, still never in a token', async () => {
    const { tokens } = await createSetup();
    const response = await issueAndRedeem(tokens, { upstream: true });
    expect(JSON.stringify(response)).not.toContain(UPSTREAM.accessToken);
    const ctx = await tokens.createAccessTokenVerifier().verify(response.access_token);
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toEqual(UPSTREAM);
  });
});

describe('token service details', () => {
  it('a resource different from the authorization request → invalid_target (RFC 8707 §2)', async () => {
    const { tokens } = await createSetup();
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'pub',
      redirectUri: REDIRECT,
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['profile'],
      resource: RESOURCE,
      identity,
    });
    await expect(
      tokens.redeemAuthorizationCode({
        code,
        clientId: 'pub',
        redirectUri: REDIRECT,
        codeVerifier: verifier,
        resource: 'https://other.test/mcp',
      }),
    ).rejects.toMatchObject({ code: 'invalid_target', status: 400 });
  });

  it('a redirect_uri may be omitted when the authorization request had none (OAuth 2.1 §4.1.3)', async () => {
    const { tokens } = await createSetup();
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'pub',
      redirectUri: REDIRECT,
      redirectUriInRequest: false,
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['profile'],
      resource: RESOURCE,
      identity,
    });
    const res = await tokens.redeemAuthorizationCode({
      code,
      clientId: 'pub',
      redirectUri: undefined,
      codeVerifier: verifier,
    });
    expect(res.scope).toBe('profile');
  });

  it('refresh tokens expire after refreshTokenTtlSeconds', async () => {
    let clock = 1_800_000_000_000;
    const { tokens } = await createSetup({ now: () => clock, refreshTokenTtlSeconds: 100 });
    const { refresh_token } = await issueAndRedeem(tokens);
    clock += 100_000;
    await expect(
      tokens.refresh({ refreshToken: refresh_token!, clientId: 'pub' }),
    ).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('stores codes and refresh tokens only as hashes', async () => {
    const rec = recording(new MemoryStore());
    const { tokens } = await createSetup({ store: rec.store });
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'pub',
      redirectUri: REDIRECT,
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['profile'],
      resource: RESOURCE,
      identity,
    });
    const res = await tokens.redeemAuthorizationCode({
      code,
      clientId: 'pub',
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    const written = JSON.stringify(rec.writes);
    expect(written).not.toContain(code);
    expect(written).not.toContain(res.refresh_token!);
    expect(written).not.toContain(res.access_token);
  });

  it('programmer mistakes are TypeErrors at construction', async () => {
    const signingKey = await createSecretKey(HMAC_SECRET);
    const store = new MemoryStore();
    const base = { store, issuer: ISSUER, resource: RESOURCE, signingKey };
    expect(() => createTokenService({ ...base, store: undefined as unknown as Store })).toThrow(
      TypeError,
    );
    expect(() => createTokenService({ ...base, issuer: 'not a url' })).toThrow(TypeError);
    expect(() => createTokenService({ ...base, resource: '/mcp' })).toThrow(TypeError);
    expect(() => createTokenService({ ...base, accessTokenTtlSeconds: 0 })).toThrow(TypeError);
    expect(() => createTokenService({ ...base, codeTtlSeconds: 1.5 })).toThrow(TypeError);
    expect(() => createTokenService({ ...base, upstreamEncryptionKey: 'short' })).toThrow(
      TypeError,
    );
    const { publicKey } = await generateKeyPair('ES256');
    expect(() => createTokenService({ ...base, signingKey: publicKey })).toThrow(TypeError);
  });

  it('introspects a live refresh token as active, with its grant scope', async () => {
    const { tokens } = await createSetup();
    const { refresh_token } = await issueAndRedeem(tokens, { scopes: ['profile'] });
    expect(await tokens.introspect(refresh_token!)).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: 'pub',
      sub: 'user-1',
      scope: 'profile',
    });
  });
});

describe('the service clock', () => {
  it('reaches the access-token verifier: tokens live and expire by the injected clock', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const { tokens } = await createSetup({ now: () => now, accessTokenTtlSeconds: 60 });
    const response = await issueAndRedeem(tokens);
    const verifier = tokens.createAccessTokenVerifier();
    await expect(verifier.verify(response.access_token)).resolves.toMatchObject({
      userId: 'user-1',
    });
    now += 61_000;
    await expect(verifier.verify(response.access_token)).rejects.toMatchObject({
      code: 'invalid_token',
      jwtCode: 'ERR_JWT_EXPIRED',
    });
  });
});
