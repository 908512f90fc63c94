import type { KeySet } from '../jwt/index.js';
import type { JwtKey } from '../jwt/types.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import type { Identity } from '../domain/identity.js';
import { createAccessTokenVerifier as createJwtAccessTokenVerifier } from './access-token-verifier.js';
import { issueAuthorizationCode, redeemAuthorizationCode } from './codes.js';
import { exchangeAccessToken, issueAccessTokenForIdentity } from './delegation.js';
import { issueClientCredentialsToken } from './machine.js';
import type { TokenContext } from './context.js';
import { introspect } from './introspection.js';
import { refresh } from './refresh.js';
import { createRevocationChecker, revoke, revokeGrant } from './revocation.js';
import { grantManagerOf } from './grants.js';
import type { TokenService, TokenServiceOptions } from './types.js';
import { getUpstreamTokens } from './upstream.js';
import { createUpstreamRefresher, getFreshUpstreamTokens } from './upstream-refresh.js';
import { createSealBox, type SealBox } from './upstream-crypto.js';

export { MCP_TOOL_SCOPE_PREFIX, REGISTERED_ACCESS_TOKEN_CLAIMS } from './mint.js';
export { createRevocationChecker } from './revocation.js';

const DEFAULT_ACCESS_TTL = 3600;
const DEFAULT_REFRESH_TTL = 30 * 24 * 3600;
const DEFAULT_CODE_TTL = 60;
const DEFAULT_REUSE_GRACE = 10;

function positiveSeconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createTokenService: ${name} must be a positive integer number of seconds`);
  }
  return value;
}

function requireUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`createTokenService: ${name} must be an absolute URL string`);
  }
  return value;
}

function isKeyLike(value: unknown): value is JwtKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { alg?: unknown }).alg === 'string' &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** The options checked (a TypeError naming the bad one) and turned into the shared context. */
function tokenContext(options: TokenServiceOptions): TokenContext {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createTokenService: options are required');
  }
  const { store, signingKey } = options;
  if (!store || typeof store.take !== 'function' || typeof store.getMany !== 'function') {
    throw new TypeError('createTokenService: store must implement the Store port');
  }
  const issuer = requireUrl(options.issuer, 'issuer');
  const resource = requireUrl(options.resource, 'resource');
  const signingKeyOf = typeof signingKey === 'function' ? signingKey : () => signingKey;
  if (
    typeof signingKey !== 'function' &&
    (!isKeyLike(signingKey) || (signingKey.type !== 'secret' && signingKey.type !== 'private'))
  ) {
    throw new TypeError(
      'createTokenService: signingKey must be a secret or private JwtKey (createSecretKey, generateKeyPair, importJwk, importPem)',
    );
  }
  if (typeof signingKey === 'function' && options.verificationKey === undefined) {
    throw new TypeError('createTokenService: a signingKey function needs a verificationKey');
  }
  const verificationKey = (options.verificationKey ?? signingKey) as JwtKey | KeySet;
  const accessTtl = positiveSeconds(
    options.accessTokenTtlSeconds,
    DEFAULT_ACCESS_TTL,
    'accessTokenTtlSeconds',
  );
  const refreshTtl = positiveSeconds(
    options.refreshTokenTtlSeconds,
    DEFAULT_REFRESH_TTL,
    'refreshTokenTtlSeconds',
  );
  const codeTtl = positiveSeconds(options.codeTtlSeconds, DEFAULT_CODE_TTL, 'codeTtlSeconds');
  const graceSeconds = options.refreshReuseGraceSeconds ?? DEFAULT_REUSE_GRACE;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 300) {
    throw new TypeError(
      'createTokenService: refreshReuseGraceSeconds must be an integer from 0 to 300',
    );
  }
  if (options.claims !== undefined && typeof options.claims !== 'function') {
    throw new TypeError('createTokenService: claims must be a function (identity) => claims');
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError('createTokenService: now must be a function returning milliseconds');
  }
  const now = options.now ?? Date.now;
  const seal: SealBox | undefined =
    options.upstreamEncryptionKey === undefined
      ? undefined
      : createSealBox(options.upstreamEncryptionKey, 'createTokenService');
  const checkRevoked = createRevocationChecker(store);

  let verifier: TokenVerifier | undefined;
  return {
    store,
    issuer,
    resource,
    // A getter: with a key ring the signing key changes at runtime.
    get signingKey() {
      return signingKeyOf();
    },
    verificationKey,
    accessTtl,
    refreshTtl,
    codeTtl,
    graceMs: graceSeconds * 1000,
    // A replayed code is still recognised for the code's lifetime plus one access-token
    // lifetime, so a replay revokes the first redemption's tokens for as long as they are valid.
    codeTombstoneMs: (codeTtl + accessTtl) * 1000,
    // A revoked grant outlives every token it could still have: its refresh token
    // (≤ refreshTtl) and any access token minted by an in-flight refresh.
    revokedGrantMs: (refreshTtl + accessTtl + 60) * 1000,
    upstreamMs: (refreshTtl + accessTtl) * 1000,
    now,
    audit: options.audit,
    seal,
    upstreamRefresh:
      options.upstream === undefined
        ? undefined
        : createUpstreamRefresher(options.upstream, 'createTokenService'),
    mapIdentity: options.claims ?? ((identity: Identity) => ({ ...identity.attributes })),
    checkRevoked,
    verifier: () => {
      verifier ??= createJwtAccessTokenVerifier({
        key: verificationKey,
        issuer,
        audience: resource,
        now,
        isRevoked: (context: AuthContext) => checkRevoked(context),
      });
      return verifier;
    },
  };
}

/**
 * Creates the token side of the authorization server: single-use authorization codes,
 * RFC 9068 `at+jwt` access tokens, rotating refresh tokens with reuse detection, revocation by
 * `jti` and by grant, introspection, and upstream IdP tokens kept server-side.
 *
 * Codes and refresh tokens are 256-bit random strings stored only as SHA-256 hashes. Every
 * rotation and redemption goes through the store's atomic `take`, so concurrency guarantees
 * hold on any conforming store (Redis included). Store failures reject with
 * `TemporarilyUnavailableError` (503) and nothing is returned to the client.
 *
 * Each step lives in its own module over one shared {@link TokenContext}: `codes.ts`
 * (issuance, redemption), `refresh.ts` (rotation, reuse detection), `revocation.ts`,
 * `introspection.ts`, `upstream.ts` (sealing), `mint.ts` (the token response).
 *
 * @throws TypeError when an option is missing or invalid.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const ctx = tokenContext(options);
  return {
    issueAuthorizationCode: (input) => issueAuthorizationCode(ctx, input),
    redeemAuthorizationCode: (input) => redeemAuthorizationCode(ctx, input),
    refresh: (input) => refresh(ctx, input),
    revoke: (input) => revoke(ctx, input),
    introspect: (token) => introspect(ctx, token),
    createAccessTokenVerifier: (audience) =>
      audience === undefined || audience === ctx.resource
        ? ctx.verifier()
        : audienceVerifier(ctx, audience),
    revokeGrant: async (grantId) => {
      await revokeGrant(ctx, grantId);
      ctx.audit?.record({ type: 'grant.revoked', grantId });
    },
    getUpstreamTokens: (grantId) =>
      ctx.upstreamRefresh
        ? getFreshUpstreamTokens(ctx, ctx.upstreamRefresh, grantId)
        : getUpstreamTokens(ctx, grantId),
    isRevoked: ctx.checkRevoked,
    issueAccessTokenForIdentity: (input) => issueAccessTokenForIdentity(ctx, input),
    exchangeAccessToken: (input) => exchangeAccessToken(ctx, input),
    issueClientCredentialsToken: (input) => issueClientCredentialsToken(ctx, input),
    grants: grantManagerOf(ctx, (grantId) => revokeGrant(ctx, grantId), ctx.audit),
  };
}

// A verifier of this service's tokens for another audience (one of several resources behind
// one issuer): the same key, issuer, clock and revocation check; only `aud` differs.
function audienceVerifier(ctx: TokenContext, audience: string): TokenVerifier {
  return createJwtAccessTokenVerifier({
    key: ctx.verificationKey,
    issuer: ctx.issuer,
    audience: requireUrl(audience, 'audience'),
    now: ctx.now,
    isRevoked: (context: AuthContext) => ctx.checkRevoked(context),
  });
}
