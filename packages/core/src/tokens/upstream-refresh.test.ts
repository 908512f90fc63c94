/**
 * The refresh rules of `getUpstreamTokens` with a scripted upstream client (the real IdP is
 * played by oidc-provider in test/upstream/refresh.test.ts): what is kept, dropped, revoked,
 * and what each failure becomes.
 */
import { describe, expect, it } from 'vitest';
import { identity, REDIRECT, RESOURCE, ISSUER, HMAC_SECRET } from '../../test/tokens/helpers.js';
import type { UpstreamTokens } from '../domain/identity.js';
import { InvalidGrantError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import { createSecretKey } from '../jwt/index.js';
import { computeS256Challenge, generateCodeVerifier } from '../pkce.js';
import { MemoryStore } from '../store/memory-store.js';
import { STORE_KEYS } from '../store/keys.js';
import { createTokenService } from './token-service.js';
import type { UpstreamTokenClient } from './upstream-client.js';

const NOW = 1_900_000_000_000;
const ENCRYPTION_KEY = 'upstream-encryption-key-0123456789-abcdefgh';
const STORED: UpstreamTokens = {
  accessToken: 'upstream-at-1',
  refreshToken: 'upstream-rt-1',
  idToken: 'upstream-id-token',
  expiresAt: NOW / 1000 + 30, // within the default 60 s skew: due
  tokenType: 'Bearer',
};

/** An upstream client whose answers the test scripts; it records what it was asked. */
function scripted(answer: (tokens: UpstreamTokens) => Promise<UpstreamTokens>) {
  const refreshed: UpstreamTokens[] = [];
  const revoked: UpstreamTokens[] = [];
  const client: UpstreamTokenClient = {
    refreshTokens: async (tokens) => {
      refreshed.push(tokens);
      return answer(tokens);
    },
    revokeTokens: async (tokens) => {
      revoked.push(tokens);
    },
  };
  return { client, refreshed, revoked };
}

async function setup(client: UpstreamTokenClient, upstream: UpstreamTokens = STORED) {
  const store = new MemoryStore();
  const tokens = createTokenService({
    store,
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: await createSecretKey(HMAC_SECRET),
    upstreamEncryptionKey: ENCRYPTION_KEY,
    upstream: { client },
    now: () => NOW,
  });
  const verifier = generateCodeVerifier();
  const code = await tokens.issueAuthorizationCode({
    clientId: 'pub',
    redirectUri: REDIRECT,
    codeChallenge: await computeS256Challenge(verifier),
    codeChallengeMethod: 'S256',
    scopes: ['profile'],
    resource: RESOURCE,
    identity,
    upstreamTokens: upstream,
  });
  const issued = await tokens.redeemAuthorizationCode({
    code,
    clientId: 'pub',
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
  const grantId = (await tokens.createAccessTokenVerifier().verify(issued.access_token)).grantId!;
  return { store, tokens, grantId };
}

describe('getUpstreamTokens with refresh', () => {
  it('keeps a rotated refresh token, keeps the old one when the IdP does not rotate, keeps the ID token', async () => {
    const { client, refreshed } = scripted(async () => ({
      accessToken: 'upstream-at-2',
      expiresAt: NOW / 1000 + 3600,
    }));
    const { tokens, grantId } = await setup(client);
    const fresh = await tokens.getUpstreamTokens(grantId);
    expect(refreshed).toHaveLength(1);
    expect(fresh).toMatchObject({
      accessToken: 'upstream-at-2',
      refreshToken: 'upstream-rt-1',
      idToken: 'upstream-id-token',
    });
    expect(await tokens.getUpstreamTokens(grantId)).toEqual(fresh);
    expect(refreshed).toHaveLength(1);
  });

  it('tokens not near expiry, or without expiresAt, are returned as stored (no IdP call)', async () => {
    const { client, refreshed } = scripted(async () => {
      throw new Error('must not be called');
    });
    for (const upstream of [
      { ...STORED, expiresAt: NOW / 1000 + 3600 },
      { accessToken: 'no-expiry', refreshToken: 'rt' },
    ]) {
      const { tokens, grantId } = await setup(client, upstream);
      expect(await tokens.getUpstreamTokens(grantId)).toEqual(upstream);
    }
    expect(refreshed).toHaveLength(0);
  });

  it('an unreachable IdP → 503, the stored tokens are kept for the next try', async () => {
    let down = true;
    const { client } = scripted(async () => {
      if (down) throw new TemporarilyUnavailableError('The identity provider is unreachable');
      return { accessToken: 'upstream-at-2', expiresAt: NOW / 1000 + 3600 };
    });
    const { tokens, grantId } = await setup(client);
    await expect(tokens.getUpstreamTokens(grantId)).rejects.toMatchObject({
      code: 'temporarily_unavailable',
    });
    down = false;
    expect((await tokens.getUpstreamTokens(grantId))?.accessToken).toBe('upstream-at-2');
  });

  it('invalid_grant, or an expired token without a refresh token → dropped, re-authorization required', async () => {
    const { client, refreshed } = scripted(async () => {
      throw new InvalidGrantError('The identity provider refused the refresh token');
    });
    const { store, tokens, grantId } = await setup(client);
    for (let i = 0; i < 2; i++) {
      await expect(tokens.getUpstreamTokens(grantId)).rejects.toMatchObject({
        code: 'invalid_token',
        status: 401,
        reauthorizationRequired: true,
      });
    }
    expect(refreshed).toHaveLength(1); // the second ask does not call the IdP again
    expect(JSON.stringify(await store.get(STORE_KEYS.upstream(grantId)))).not.toContain(
      'upstream-rt-1',
    );

    const none = scripted(async () => ({ accessToken: 'x' }));
    const noRefresh = await setup(none.client, { accessToken: 'at', expiresAt: NOW / 1000 - 1 });
    await expect(noRefresh.tokens.getUpstreamTokens(noRefresh.grantId)).rejects.toMatchObject({
      reauthorizationRequired: true,
    });
    expect(none.refreshed).toHaveLength(0);
  });

  it('another holder of the store lock: this instance waits and returns what it stored', async () => {
    const { client, refreshed } = scripted(async () => ({
      accessToken: 'never',
      expiresAt: NOW / 1000 + 3600,
    }));
    const { store, tokens, grantId } = await setup(client);
    // Another instance (same store) refreshes first and is slow at the IdP.
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const other = createTokenService({
      store,
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: await createSecretKey(HMAC_SECRET),
      upstreamEncryptionKey: ENCRYPTION_KEY,
      upstream: {
        client: scripted(async () => {
          entered();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { accessToken: 'from-other', expiresAt: NOW / 1000 + 3600 };
        }).client,
      },
      now: () => NOW,
    });
    const theirs = other.getUpstreamTokens(grantId);
    await inside; // the other instance holds the lock now
    expect(await store.get(STORE_KEYS.upstreamLock(grantId))).toBeDefined();
    const pending = tokens.getUpstreamTokens(grantId);
    release();
    expect((await theirs)?.accessToken).toBe('from-other');
    expect((await pending)?.accessToken).toBe('from-other');
    expect(refreshed).toHaveLength(0);
  });

  it('revokeGrant revokes at the IdP, and a failing IdP does not fail our revocation', async () => {
    const { client, revoked } = scripted(async (t) => t);
    const { tokens, grantId } = await setup(client, { ...STORED, expiresAt: NOW / 1000 + 3600 });
    await tokens.revokeGrant(grantId);
    expect(revoked.map((t) => t.refreshToken)).toEqual(['upstream-rt-1']);
    expect(await tokens.getUpstreamTokens(grantId)).toBeUndefined();

    const failing: UpstreamTokenClient = {
      refreshTokens: async (t) => t,
      revokeTokens: async () => {
        throw new TemporarilyUnavailableError('down');
      },
    };
    const second = await setup(failing, { ...STORED, expiresAt: NOW / 1000 + 3600 });
    await expect(second.tokens.revokeGrant(second.grantId)).resolves.toBeUndefined();
    expect(await second.tokens.isRevoked({ jti: undefined, grantId: second.grantId })).toBe(true);
  });

  it('options: a client without refreshTokens, a negative skew or a zero lock → TypeError', () => {
    const base = { store: new MemoryStore(), issuer: ISSUER, resource: RESOURCE };
    const key = { alg: 'HS256', kid: undefined, type: 'secret' } as const;
    for (const upstream of [
      { client: {} as UpstreamTokenClient },
      { client: scripted(async (t) => t).client, refreshSkewSeconds: -1 },
      { client: scripted(async (t) => t).client, lockSeconds: 0 },
    ]) {
      expect(() => createTokenService({ ...base, signingKey: key, upstream })).toThrow(TypeError);
    }
  });
});
