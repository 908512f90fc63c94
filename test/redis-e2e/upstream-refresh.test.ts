// Upstream token refresh is single-flight across instances that share a real Redis
// (issue 15 item 4): two token services, each with its own RedisStore connection, asked
// concurrently for the same grant's upstream tokens when they are due → one refresh at the
// IdP; the lock is `setIfAbsent` in Redis. The IdP here rotates refresh tokens and treats a
// second use of an old one as theft (invalid_grant), as real IdPs do — so a double refresh
// would not just cost a request, it would lose the user's upstream grant. (The real
// oidc-provider plays the IdP in packages/core/test/upstream/refresh.test.ts.)
import { randomBytes } from 'node:crypto';
import { RedisStore } from '@mcp-auth/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamTokens } from '../../packages/core/src/domain/identity.js';
import { InvalidGrantError } from '../../packages/core/src/errors/oauth-error.js';
import { createSecretKey } from '../../packages/core/src/jwt/keys.js';
import {
  computeS256Challenge,
  generateCodeVerifier,
} from '../../packages/core/src/testing/index.js';
import { createTokenService } from '../../packages/core/src/tokens/token-service.js';
import type { UpstreamTokenClient } from '../../packages/core/src/tokens/upstream-client.js';
import type { TokenService } from '../../packages/core/src/tokens/types.js';
import { stopAll, TestRedis } from './harness.js';

const ISSUER = 'https://auth.upstream-e2e.test';
const RESOURCE = 'https://auth.upstream-e2e.test/mcp';
const REDIRECT = 'https://app.upstream-e2e.test/cb';
const ENCRYPTION_KEY = 'upstream-e2e-encryption-key-0123456789-abcdefgh';

/** A rotating-refresh-token IdP: each refresh token works once; reuse revokes everything. */
class RotatingIdp {
  refreshes = 0;
  #valid = 'rt-0';
  #revoked = false;
  readonly client: UpstreamTokenClient = {
    refreshTokens: async (tokens) => {
      await new Promise((resolve) => setTimeout(resolve, 100)); // a slow IdP
      if (this.#revoked || tokens.refreshToken !== this.#valid) {
        this.#revoked = true; // reuse detection, as RFC 9700 §4.14.2 asks of IdPs
        throw new InvalidGrantError('The refresh token was already used');
      }
      this.refreshes++;
      this.#valid = `rt-${this.refreshes}`;
      return {
        accessToken: `at-${this.refreshes}`,
        refreshToken: this.#valid,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      };
    },
  };
}

let redis: TestRedis;
const stores: RedisStore[] = [];

function instance(url: string, idp: RotatingIdp, prefix: string): Promise<TokenService> {
  const store = new RedisStore({ url, keyPrefix: prefix });
  stores.push(store);
  return createSecretKey('upstream-e2e-signing-secret-0123456789-abcdefgh').then((key) =>
    createTokenService({
      store,
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: key,
      upstreamEncryptionKey: ENCRYPTION_KEY,
      upstream: { client: idp.client },
    }),
  );
}

async function grantWithUpstream(tokens: TokenService, upstream: UpstreamTokens): Promise<string> {
  const verifier = generateCodeVerifier();
  const code = await tokens.issueAuthorizationCode({
    clientId: 'client',
    redirectUri: REDIRECT,
    codeChallenge: await computeS256Challenge(verifier),
    codeChallengeMethod: 'S256',
    scopes: ['mcp:tools:read'],
    resource: RESOURCE,
    identity: { sub: 'alice', attributes: {}, grantableScopes: ['mcp:tools:read'] },
    upstreamTokens: upstream,
  });
  const issued = await tokens.redeemAuthorizationCode({
    code,
    clientId: 'client',
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
  return (await tokens.createAccessTokenVerifier().verify(issued.access_token)).grantId!;
}

beforeAll(async () => {
  redis = await TestRedis.start();
}, 30_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await stopAll();
});

describe('upstream refresh across two instances sharing Redis', () => {
  it('40 concurrent asks on two instances → one refresh at the IdP, every caller gets its result', async () => {
    const idp = new RotatingIdp();
    const prefix = `upstream-e2e-${randomBytes(4).toString('hex')}:`;
    const [one, two] = await Promise.all([
      instance(redis.url, idp, prefix),
      instance(redis.url, idp, prefix),
    ]);
    const grantId = await grantWithUpstream(one, {
      accessToken: 'at-0',
      refreshToken: 'rt-0',
      expiresAt: Math.floor(Date.now() / 1000) + 10, // within the 60 s skew: due
    });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).getUpstreamTokens(grantId)),
    );
    expect(idp.refreshes).toBe(1);
    expect(new Set(results.map((r) => r?.accessToken))).toEqual(new Set(['at-1']));
    // Both instances now read the refreshed, still-valid tokens without calling the IdP.
    expect((await two.getUpstreamTokens(grantId))?.refreshToken).toBe('rt-1');
    expect(idp.refreshes).toBe(1);
  }, 30_000);
});
