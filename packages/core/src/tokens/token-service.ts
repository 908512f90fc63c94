import { GRANTABLE_SCOPES_CLAIM } from './claims.js';
import { generateRandomToken } from '../encoding/random.js';
import { isJwtError } from '../errors/jwt-error.js';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  isOAuthError,
} from '../errors/oauth-error.js';
import {
  createAccessTokenVerifier as createJwtAccessTokenVerifier,
  signJwt,
  verifyJwt,
} from '../jwt/index.js';
import type { KeySet } from '../jwt/index.js';
import type { JwtKey, JwtPayload } from '../jwt/types.js';
import { isValidCodeVerifier, isValidS256Challenge, verifyPkce } from '../pkce.js';
import type { AuthContext, TokenVerifier } from '../resource/auth-context.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import type { Identity, UpstreamTokens } from '../server/types.js';
import { type Store, type StoreValue, storeCall } from '../store/store.js';
import { STORE_KEYS } from './store-keys.js';
import type {
  ActiveIntrospectionResponse,
  IntrospectionResponse,
  IssueAuthorizationCodeInput,
  RedeemAuthorizationCodeInput,
  RefreshInput,
  RevokeInput,
  TokenResponse,
  TokenService,
  TokenServiceOptions,
} from './types.js';
import { createSealBox, type SealBox } from './upstream-crypto.js';

/** Claims the token service sets itself; a claims mapping can never override them. */
export const REGISTERED_ACCESS_TOKEN_CLAIMS: readonly string[] = Object.freeze([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'mcp_tool_scopes',
  'mcp_grantable_scopes',
  'grant_id',
  'azp',
  'cnf',
  'act',
  'may_act',
  'auth_time',
  'acr',
  'amr',
]);
const REGISTERED = new Set(REGISTERED_ACCESS_TOKEN_CLAIMS);

/** Prefix of the scopes that name MCP tools; they are listed again in `mcp_tool_scopes`. */
export const MCP_TOOL_SCOPE_PREFIX = 'mcp:tools:';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// Our codes and refresh tokens are 43 base64url characters; anything far longer is garbage.
const MAX_OPAQUE_LENGTH = 512;
// Upper bound on a JWT we bother to verify here (the JWT module has its own cap too).
const MAX_JWT_LENGTH = 16 * 1024;

const DEFAULT_ACCESS_TTL = 3600;
const DEFAULT_REFRESH_TTL = 30 * 24 * 3600;
const DEFAULT_CODE_TTL = 60;
const DEFAULT_REUSE_GRACE = 10;

type Claims = { readonly [claim: string]: StoreValue };

type CodeRecord = {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriInRequest: boolean;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly sub: string;
  readonly claims: Claims;
  readonly grantId: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Sealed (or plain, without an encryption key) upstream tokens. */
  readonly upstream?: StoreValue;
};

type RefreshRecord = {
  readonly grantId: string;
  readonly clientId: string;
  readonly sub: string;
  /** The scopes of the grant: a refresh can narrow them per access token, never widen. */
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly claims: Claims;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly hasUpstream: boolean;
};

interface GrantView {
  grantId: string;
  clientId: string;
  sub: string;
  grantScopes: readonly string[];
  resource: string;
  claims: Claims;
  hasUpstream: boolean;
}

/**
 * Builds the `isRevoked` check of a revocation-aware access-token verifier: a token is revoked
 * when its `jti` or its grant was revoked. Both are read in one store round trip (`getMany`).
 * Resource servers sharing the authorization server's store (e.g. Redis) use it with
 * `createAccessTokenVerifier` from the JWT module. Rejects when the store fails (→ 503).
 */
export function createRevocationChecker(
  store: Store,
): (context: Pick<AuthContext, 'jti' | 'grantId'>) => Promise<boolean> {
  if (!store || typeof store.getMany !== 'function') {
    throw new TypeError('createRevocationChecker: store must implement the Store port');
  }
  return async (context) => {
    const keys: string[] = [];
    if (context.jti) keys.push(STORE_KEYS.revokedJti(context.jti));
    if (context.grantId) keys.push(STORE_KEYS.revokedGrant(context.grantId));
    if (keys.length === 0) return false;
    const values = await storeCall(store.getMany(keys));
    return values.some((v) => v !== undefined);
  };
}

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

function invalidCode(): InvalidGrantError {
  return new InvalidGrantError('The authorization code is invalid, expired or already used');
}

function invalidRefresh(): InvalidGrantError {
  return new InvalidGrantError('The refresh token is invalid, expired or revoked');
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
 * @throws TypeError when an option is missing or invalid.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createTokenService: options are required');
  }
  const { store, signingKey } = options;
  if (!store || typeof store.take !== 'function' || typeof store.getMany !== 'function') {
    throw new TypeError('createTokenService: store must implement the Store port');
  }
  const issuer = requireUrl(options.issuer, 'issuer');
  const resource = requireUrl(options.resource, 'resource');
  if (!isKeyLike(signingKey) || (signingKey.type !== 'secret' && signingKey.type !== 'private')) {
    throw new TypeError(
      'createTokenService: signingKey must be a secret or private JwtKey (createSecretKey, generateKeyPair, importJwk, importPem)',
    );
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
  const graceMs = graceSeconds * 1000;
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
  const mapIdentity = options.claims ?? ((identity: Identity) => ({ ...identity.attributes }));
  const checkRevoked = createRevocationChecker(store);

  // A replayed code is still recognised for the code's lifetime plus one access-token lifetime,
  // so a replay revokes the first redemption's tokens for as long as they would be valid.
  const codeTombstoneMs = (codeTtl + accessTtl) * 1000;
  // A revoked grant outlives every token it could still have: its refresh token (≤ refreshTtl)
  // and any access token minted by an in-flight refresh.
  const revokedGrantMs = (refreshTtl + accessTtl + 60) * 1000;
  const upstreamMs = (refreshTtl + accessTtl) * 1000;

  let verifier: TokenVerifier | undefined;
  const getVerifier = (): TokenVerifier => {
    verifier ??= createJwtAccessTokenVerifier({
      key: verificationKey,
      issuer,
      audience: resource,
      now,
      isRevoked: (context: AuthContext) => checkRevoked(context),
    });
    return verifier;
  };

  function mapClaims(identity: Identity): Claims {
    const raw = mapIdentity(identity);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new TypeError('createTokenService: the claims mapping must return an object');
    }
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (!REGISTERED.has(name) && value !== undefined) out[name] = value;
    }
    // What this user may ever be granted: a resource server answers a refusal no
    // re-authorization could fix inside MCP instead of with a 403 step-up that would loop.
    out[GRANTABLE_SCOPES_CLAIM] = [...new Set(identity.grantableScopes)].sort();
    try {
      return JSON.parse(JSON.stringify(out)) as Claims;
    } catch {
      throw new TypeError(
        'createTokenService: the claims mapping must return JSON-compatible values',
      );
    }
  }

  async function sealUpstream(tokens: UpstreamTokens, grantId: string): Promise<StoreValue> {
    const plain: Record<string, StoreValue> = {};
    for (const [k, v] of Object.entries(tokens)) if (v !== undefined) plain[k] = v as StoreValue;
    if (typeof plain['accessToken'] !== 'string') {
      throw new TypeError('issueAuthorizationCode: upstreamTokens.accessToken must be a string');
    }
    return seal ? seal.seal(JSON.stringify(plain), grantId) : plain;
  }

  async function openUpstream(
    value: StoreValue,
    grantId: string,
  ): Promise<UpstreamTokens | undefined> {
    if (seal) {
      if (typeof value !== 'string') return undefined;
      const text = await seal.open(value, grantId);
      if (text === undefined) return undefined;
      return JSON.parse(text) as UpstreamTokens;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as unknown as UpstreamTokens;
  }

  async function revokeGrant(grantId: string): Promise<void> {
    if (typeof grantId !== 'string' || grantId.length === 0) {
      throw new TypeError('revokeGrant: grantId must be a non-empty string');
    }
    await storeCall(
      Promise.all([
        store.set(STORE_KEYS.revokedGrant(grantId), 1, revokedGrantMs),
        store.delete(STORE_KEYS.upstream(grantId)),
      ]),
    );
  }

  async function mint(
    grant: GrantView,
    scopes: readonly string[],
    issueRefreshToken: boolean,
  ): Promise<TokenResponse> {
    const nowMs = now();
    const iat = Math.floor(nowMs / 1000);
    const payload: JwtPayload = {
      ...grant.claims,
      iss: issuer,
      sub: grant.sub,
      aud: grant.resource,
      exp: iat + accessTtl,
      iat,
      jti: generateRandomToken(16),
      client_id: grant.clientId,
      scope: scopes.join(' '),
      mcp_tool_scopes: scopes.filter((s) => s.startsWith(MCP_TOOL_SCOPE_PREFIX)),
      grant_id: grant.grantId,
    };
    const accessToken = await signJwt(payload, signingKey, { typ: 'at+jwt' });
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: accessTtl,
      scope: scopes.join(' '),
    };
    if (issueRefreshToken) {
      const refreshToken = generateRandomToken(32);
      const hash = await sha256Base64Url(refreshToken);
      const record: RefreshRecord = {
        grantId: grant.grantId,
        clientId: grant.clientId,
        sub: grant.sub,
        scopes: [...grant.grantScopes],
        resource: grant.resource,
        claims: grant.claims,
        expiresAt: nowMs + refreshTtl * 1000,
        hasUpstream: grant.hasUpstream,
      };
      await storeCall(
        Promise.all([
          store.set(STORE_KEYS.refresh(hash), record, refreshTtl * 1000),
          store.set(STORE_KEYS.refreshGrant(hash), grant.grantId, refreshTtl * 1000),
        ]),
      );
      response.refresh_token = refreshToken;
    }
    return response;
  }

  function checkScopes(scopes: readonly string[], where: string): string[] {
    if (
      !Array.isArray(scopes) ||
      !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))
    ) {
      throw new TypeError(`${where}: scopes must be an array of RFC 6749 scope tokens`);
    }
    return [...new Set(scopes)];
  }

  async function redeemAuthorizationCode(
    input: RedeemAuthorizationCodeInput,
  ): Promise<TokenResponse> {
    const { code, clientId, redirectUri, codeVerifier } = input;
    if (!isValidCodeVerifier(codeVerifier)) {
      // RFC 7636 §4.1 syntax; checked before the code is touched (SECURITY-CASES 11).
      throw new InvalidRequestError('code_verifier must be 43-128 unreserved characters');
    }
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_OPAQUE_LENGTH) {
      throw invalidCode();
    }
    const hash = await sha256Base64Url(code);
    const record = await storeCall(store.take<CodeRecord>(STORE_KEYS.code(hash)));
    if (record === undefined) {
      // Never issued, expired, burnt, or already redeemed: a replay revokes what it issued.
      const grantId = await storeCall(store.get<string>(STORE_KEYS.codeGrant(hash)));
      if (typeof grantId === 'string') await revokeGrant(grantId);
      throw invalidCode();
    }
    // From here on the code is burnt whatever happens (SECURITY-CASES 10).
    if (record.expiresAt <= now()) throw invalidCode();
    if (record.clientId !== clientId) throw invalidCode();
    if (
      redirectUri === undefined ? record.redirectUriInRequest : redirectUri !== record.redirectUri
    ) {
      throw invalidCode();
    }
    if (input.resource !== undefined && input.resource !== record.resource) {
      throw new InvalidTargetError('The resource differs from the authorization request');
    }
    if (!(await verifyPkce(codeVerifier, record.codeChallenge, 'S256'))) throw invalidCode();

    const hasUpstream = record.upstream !== undefined;
    if (hasUpstream) {
      await storeCall(
        store.set(STORE_KEYS.upstream(record.grantId), record.upstream as StoreValue, upstreamMs),
      );
    }
    return mint(
      {
        grantId: record.grantId,
        clientId: record.clientId,
        sub: record.sub,
        grantScopes: record.scopes,
        resource: record.resource,
        claims: record.claims,
        hasUpstream,
      },
      record.scopes,
      input.issueRefreshToken ?? true,
    );
  }

  // True when `hash` was rotated less than the grace window ago for `clientId`.
  async function withinGrace(hash: string, clientId: string): Promise<boolean> {
    if (graceMs === 0) return false;
    const rotated = await storeCall(
      store.get<{ clientId: string; at: number }>(STORE_KEYS.refreshRotated(hash)),
    );
    return (
      typeof rotated === 'object' &&
      rotated !== null &&
      rotated.clientId === clientId &&
      now() - rotated.at < graceMs
    );
  }

  async function refresh(input: RefreshInput): Promise<TokenResponse> {
    const { refreshToken, clientId } = input;
    if (
      typeof refreshToken !== 'string' ||
      refreshToken.length === 0 ||
      refreshToken.length > MAX_OPAQUE_LENGTH
    ) {
      throw invalidRefresh();
    }
    const hash = await sha256Base64Url(refreshToken);
    const [record, familyGrant] = await storeCall(
      store.getMany([STORE_KEYS.refresh(hash), STORE_KEYS.refreshGrant(hash)]),
    );
    if (record === undefined) {
      // A rotated (or revoked) refresh token was presented again: revoke the family
      // (RFC 9700 §4.14.2, SECURITY-CASES 16) — unless it is the same client within the grace
      // window after the rotation (a parallel refresh): then only this request fails.
      if (typeof familyGrant === 'string' && !(await withinGrace(hash, clientId))) {
        await revokeGrant(familyGrant);
      }
      throw invalidRefresh();
    }
    const rt = record as RefreshRecord;
    if (rt.expiresAt <= now()) throw invalidRefresh();
    // RFC 6749 §6: the refresh token is bound to the client it was issued to.
    if (rt.clientId !== clientId) throw invalidRefresh();
    if (input.resource !== undefined && input.resource !== rt.resource) {
      throw new InvalidTargetError('The resource differs from the grant');
    }
    let scopes: readonly string[] = rt.scopes;
    if (input.scopes !== undefined && input.scopes.length > 0) {
      const requested = checkScopes(input.scopes, 'refresh');
      if (!requested.every((s) => rt.scopes.includes(s))) {
        throw new InvalidScopeError('The requested scope exceeds the scope of the grant');
      }
      scopes = requested;
    }
    if (graceMs > 0) {
      // Written before the take, so a parallel request arriving right after it sees it.
      const rotated = { clientId: rt.clientId, at: now() };
      await storeCall(store.set(STORE_KEYS.refreshRotated(hash), rotated, graceMs));
    }
    // Validation above does not consume the token; the atomic take decides who rotates it.
    const taken = await storeCall(store.take<RefreshRecord>(STORE_KEYS.refresh(hash)));
    if (taken === undefined) {
      // Lost a race against another use of the same token by the same client: a parallel
      // refresh within the grace window (the winner's tokens stay valid); reuse without one.
      if (graceMs === 0) await revokeGrant(rt.grantId);
      throw invalidRefresh();
    }
    const revoked = await storeCall(store.get(STORE_KEYS.revokedGrant(taken.grantId)));
    if (revoked !== undefined) throw invalidRefresh();
    if (taken.hasUpstream) {
      const upstreamKey = STORE_KEYS.upstream(taken.grantId);
      const value = await storeCall(store.get(upstreamKey));
      if (value !== undefined) await storeCall(store.set(upstreamKey, value, upstreamMs));
    }
    return mint(
      {
        grantId: taken.grantId,
        clientId: taken.clientId,
        sub: taken.sub,
        grantScopes: taken.scopes,
        resource: taken.resource,
        claims: taken.claims,
        hasUpstream: taken.hasUpstream,
      },
      scopes,
      true,
    );
  }

  // Verifies one of our access tokens, accepting an expired one only if `allowExpired`.
  async function decodeOwnAccessToken(token: string): Promise<JwtPayload | undefined> {
    try {
      const { payload } = await verifyJwt(token, verificationKey, {
        typ: 'at+jwt',
        issuer,
        clockTolerance: 0,
        now,
      });
      return payload;
    } catch (error) {
      if (isJwtError(error)) return undefined;
      throw error;
    }
  }

  async function revoke(input: RevokeInput): Promise<void> {
    const { token, clientId } = input;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) return;
    const looksLikeJwt = token.split('.').length === 3;

    const tryRefresh = async (): Promise<boolean> => {
      if (looksLikeJwt || token.length > MAX_OPAQUE_LENGTH) return false;
      const hash = await sha256Base64Url(token);
      const record = await storeCall(store.get<RefreshRecord>(STORE_KEYS.refresh(hash)));
      if (record === undefined) return false;
      // RFC 7009 §2.1: only the client the token was issued to may revoke it; others are ignored
      // so that revocation does not tell them whether a token is valid.
      if (record.clientId !== clientId) return true;
      await storeCall(store.delete(STORE_KEYS.refresh(hash)));
      await revokeGrant(record.grantId);
      return true;
    };
    const tryAccess = async (): Promise<boolean> => {
      if (!looksLikeJwt) return false;
      const payload = await decodeOwnAccessToken(token);
      if (payload === undefined || typeof payload.jti !== 'string') return false;
      if (payload['client_id'] !== clientId) return true;
      const exp =
        typeof payload.exp === 'number' ? payload.exp : Math.floor(now() / 1000) + accessTtl;
      const ttlMs = Math.max(1000, exp * 1000 - now() + 60_000);
      await storeCall(store.set(STORE_KEYS.revokedJti(payload.jti), 1, ttlMs));
      return true;
    };

    if (input.tokenTypeHint === 'access_token') {
      if (!(await tryAccess())) await tryRefresh();
    } else if (!(await tryRefresh())) {
      await tryAccess();
    }
  }

  async function introspect(token: string): Promise<IntrospectionResponse> {
    const inactive: IntrospectionResponse = { active: false };
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) {
      return inactive;
    }
    if (token.split('.').length === 3) {
      let context: AuthContext;
      try {
        context = await getVerifier().verify(token);
      } catch (error) {
        if (isOAuthError(error) && error.code === 'invalid_token') return inactive;
        if (isJwtError(error)) return inactive;
        throw error;
      }
      const response: ActiveIntrospectionResponse = {
        ...context.claims,
        active: true,
        token_type: 'Bearer',
      };
      return response;
    }
    if (token.length > MAX_OPAQUE_LENGTH) return inactive;
    const hash = await sha256Base64Url(token);
    const record = await storeCall(store.get<RefreshRecord>(STORE_KEYS.refresh(hash)));
    if (record === undefined || record.expiresAt <= now()) return inactive;
    if (await checkRevoked({ jti: undefined, grantId: record.grantId })) return inactive;
    return {
      active: true,
      token_type: 'refresh_token',
      scope: record.scopes.join(' '),
      client_id: record.clientId,
      sub: record.sub,
      exp: Math.floor(record.expiresAt / 1000),
      iss: issuer,
      aud: record.resource,
    };
  }

  return {
    async issueAuthorizationCode(input: IssueAuthorizationCodeInput): Promise<string> {
      const where = 'issueAuthorizationCode';
      if (typeof input?.clientId !== 'string' || input.clientId.length === 0) {
        throw new TypeError(`${where}: clientId must be a non-empty string`);
      }
      if (typeof input.redirectUri !== 'string' || input.redirectUri.length === 0) {
        throw new TypeError(`${where}: redirectUri must be a non-empty string`);
      }
      if (input.codeChallengeMethod !== 'S256' || !isValidS256Challenge(input.codeChallenge)) {
        throw new TypeError(
          `${where}: an S256 code challenge (43 base64url characters) is required`,
        );
      }
      if (typeof input.resource !== 'string' || !URL.canParse(input.resource)) {
        throw new TypeError(`${where}: resource must be an absolute URL string`);
      }
      if (typeof input.identity?.sub !== 'string' || input.identity.sub.length === 0) {
        throw new TypeError(`${where}: identity.sub must be a non-empty string`);
      }
      const scopes = checkScopes(input.scopes, where);
      const claims = mapClaims(input.identity);
      const code = generateRandomToken(32);
      const grantId = generateRandomToken(16);
      const hash = await sha256Base64Url(code);
      const record: CodeRecord = {
        clientId: input.clientId,
        redirectUri: input.redirectUri,
        redirectUriInRequest: input.redirectUriInRequest ?? true,
        codeChallenge: input.codeChallenge,
        scopes,
        resource: input.resource,
        sub: input.identity.sub,
        claims,
        grantId,
        expiresAt: now() + codeTtl * 1000,
        ...(input.upstreamTokens === undefined
          ? {}
          : { upstream: await sealUpstream(input.upstreamTokens, grantId) }),
      };
      await storeCall(
        Promise.all([
          store.set(STORE_KEYS.code(hash), record, codeTtl * 1000),
          store.set(STORE_KEYS.codeGrant(hash), grantId, codeTombstoneMs),
        ]),
      );
      return code;
    },
    redeemAuthorizationCode,
    refresh,
    revoke,
    introspect,
    createAccessTokenVerifier: getVerifier,
    revokeGrant,
    async getUpstreamTokens(grantId: string): Promise<UpstreamTokens | undefined> {
      if (typeof grantId !== 'string' || grantId.length === 0) return undefined;
      const [value, revoked] = await storeCall(
        store.getMany([STORE_KEYS.upstream(grantId), STORE_KEYS.revokedGrant(grantId)]),
      );
      if (value === undefined || revoked !== undefined) return undefined;
      return openUpstream(value, grantId);
    },
    isRevoked: checkRevoked,
  };
}
