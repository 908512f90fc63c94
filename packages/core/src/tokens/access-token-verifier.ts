import { isJwtError, type JwtError } from '../errors/jwt-error.js';
import { InvalidTokenError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import type { JwtKey, JwtPayload } from '../jwt/types.js';
import { createJwtVerifier } from '../jwt/verifier.js';
import type { KeySet } from '../jwt/verify.js';
import { PRINCIPAL_CLAIM } from './claims.js';

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The authorization server's key (HS secret or public key) or its key set (JWKS). */
  key: JwtKey | KeySet;
  /** The expected `iss`: the authorization server's issuer identifier. */
  issuer: string;
  /** This resource server's identifier(s) (RFC 8707 resource URI), matched exactly against `aud`. */
  audience: string | readonly string[];
  /** Seconds of clock skew tolerated. Default 0. */
  clockTolerance?: number;
  /** A clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Verified tokens remembered (the revocation check still runs every time). Default 1000. */
  cacheSize?: number;
  /**
   * Revocation check, run on every request (cache hits included). `true` refuses the token;
   * a rejection fails closed with `TemporarilyUnavailableError` (503).
   */
  isRevoked?: (context: AuthContext) => Promise<boolean>;
}

function describe(error: JwtError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'The access token expired';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'The access token is not valid yet';
    case 'ERR_JWT_CLAIM_INVALID':
      return error.claim === 'aud'
        ? 'The access token was not issued for this resource'
        : 'The access token is invalid';
    default:
      return 'The access token is invalid';
  }
}

function optionalString(payload: JwtPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidTokenError('The access token is invalid', {
      jwtCode: 'ERR_JWT_CLAIM_INVALID',
    });
  }
  return value;
}

/**
 * The resource server's access-token verifier (RFC 9068 JWT profile): requires
 * `typ: at+jwt`, a valid signature, `iss`, `aud` naming this resource, `exp`, `sub` and
 * `client_id`, and maps the claims to an {@link AuthContext}. Rejects with
 * `InvalidTokenError` (401, with `jwtCode`) for a bad token or a revoked one, and with
 * `TemporarilyUnavailableError` (503) when the key set or the revocation check is
 * unavailable — it never resolves on doubt.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): TokenVerifier {
  const where = 'createAccessTokenVerifier';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options are required`);
  }
  const { key, issuer, audience, clockTolerance, cacheSize, isRevoked, now } = options;
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw new TypeError(`${where}: issuer must be the authorization server's issuer URL`);
  }
  if (audience === undefined) {
    throw new TypeError(`${where}: audience (this resource server's URI) is required`);
  }
  if (isRevoked !== undefined && typeof isRevoked !== 'function') {
    throw new TypeError(`${where}: isRevoked must be a function`);
  }
  const audiences: readonly string[] = typeof audience === 'string' ? [audience] : audience;
  const verifier = createJwtVerifier(key, {
    typ: 'at+jwt',
    issuer,
    audience,
    clockTolerance,
    cacheSize,
    ...(now === undefined ? {} : { now }),
    requireExp: true,
    requiredClaims: ['iss', 'aud', 'exp', 'sub', 'client_id'],
  });

  // Contexts of cached (frozen, shared) payloads; entries go when the verifier's cache drops them.
  const contexts = new WeakMap<JwtPayload, AuthContext>();
  const toContext = (payload: JwtPayload): AuthContext => {
    const sub = optionalString(payload, 'sub');
    const clientId = optionalString(payload, 'client_id');
    if (!sub || !clientId) {
      throw new InvalidTokenError('The access token is invalid', {
        jwtCode: 'ERR_JWT_CLAIM_INVALID',
      });
    }
    const scope = optionalString(payload, 'scope');
    const aud = payload.aud;
    const resource = (typeof aud === 'string' ? [aud] : (aud ?? [])).find((a) =>
      audiences.includes(a),
    );
    return Object.freeze({
      userId: sub,
      principal: payload[PRINCIPAL_CLAIM] === 'client' ? ('client' as const) : ('user' as const),
      clientId,
      scopes: Object.freeze(scope ? scope.split(' ').filter((s) => s.length > 0) : []),
      claims: payload,
      expiresAt: payload.exp,
      jti: optionalString(payload, 'jti'),
      resource,
      grantId: optionalString(payload, 'grant_id'),
    });
  };

  return {
    async verify(token: string): Promise<AuthContext> {
      let payload: JwtPayload;
      try {
        ({ payload } = await verifier.verify(token));
      } catch (error) {
        if (!isJwtError(error)) throw error;
        if (error.code === 'ERR_JWKS_FETCH_FAILED') {
          throw new TemporarilyUnavailableError('The token signing keys are unavailable', {
            cause: error,
          });
        }
        throw new InvalidTokenError(describe(error), { jwtCode: error.code, cause: error });
      }
      // A cached verification returns the same frozen payload: reuse its context too.
      let context = contexts.get(payload);
      if (context === undefined) {
        context = toContext(payload);
        if (Object.isFrozen(payload)) contexts.set(payload, context);
      }
      if (isRevoked) {
        let revoked: boolean;
        try {
          revoked = await isRevoked(context);
        } catch (cause) {
          throw new TemporarilyUnavailableError(
            'The revocation check is unavailable; the token was not accepted',
            { cause },
          );
        }
        if (revoked !== false) {
          throw new InvalidTokenError('The access token has been revoked');
        }
      }
      return context;
    },
  };
}
