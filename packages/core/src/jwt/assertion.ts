import { JwtError } from '../errors/jwt-error.js';
import { DEFAULT_MAX_TOKEN_LENGTH, parseCompactJws } from './decode.js';
import type { JwsAlgorithm, JwtHeader, JwtKey } from './types.js';
import {
  compileVerifyOptions,
  type KeySet,
  nowSeconds,
  type VerifiedJwt,
  verifyCompiled,
} from './verify.js';

/**
 * The algorithms a JWT assertion (RFC 7523 client assertion, ID-JAG) is accepted with when the
 * caller names none: asymmetric only. `none` and the HMAC algorithms (`HS*`) are never accepted
 * for an assertion, whatever the caller lists: a shared secret would let the verifier forge the
 * assertion, and a public key must never be usable as an HMAC secret (algorithm confusion).
 */
export const DEFAULT_ASSERTION_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'RS256',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
] as const);

/** Options of {@link verifyJwtAssertion}. */
export interface JwtAssertionOptions {
  /** Accepted `iss` value(s), compared exactly. Required. */
  issuer: string | readonly string[];
  /** The `sub` the assertion must carry, compared exactly (a client assertion's client id). */
  subject?: string;
  /** Accepted `aud` value(s): the assertion must name at least one (RFC 7523 §3 item 3). */
  audience: string | readonly string[];
  /** Required `typ` header (e.g. `oauth-id-jag+jwt`); default: any `typ`. */
  typ?: string;
  /**
   * Accepted algorithms, a subset of {@link DEFAULT_ASSERTION_ALGORITHMS} (the default). `none`
   * and `HS*` are refused here even when listed (`TypeError`).
   */
  algorithms?: readonly JwsAlgorithm[];
  /**
   * The longest an assertion may still be valid: `exp` at most this many seconds after now
   * (plus `clockTolerance`). Default 300 (5 minutes). Bounds how long a `jti` must be remembered.
   */
  maxLifetimeSeconds?: number;
  /**
   * When the assertion has `iat`: at most this many seconds old. Default `maxLifetimeSeconds`
   * (an assertion issued long ago with a far `exp` is refused by the lifetime bound anyway).
   */
  maxAgeSeconds?: number;
  /** Seconds of clock skew tolerated for `exp`, `nbf` and `iat`. Default 30. */
  clockTolerance?: number;
  /** Claims that must be present besides `iss`, `aud`, `exp` and `jti` (always required). */
  requiredClaims?: readonly string[];
  /** Longest assertion accepted, checked before decoding. Default 8192 characters. */
  maxTokenLength?: number;
  /** A clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

function isForbiddenAlgorithm(alg: string): boolean {
  return alg.toLowerCase() === 'none' || alg.startsWith('HS');
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`verifyJwtAssertion: ${name} must be a number of seconds >= 0`);
  }
  return value;
}

/**
 * Accepts only public keys: a secret key (HMAC) resolved from a key set is refused, so a
 * JWKS that somehow holds an `oct` key still cannot verify an assertion.
 */
function publicKeysOnly(keys: KeySet, algorithms: readonly string[]): KeySet {
  return {
    async resolveKey(header: JwtHeader): Promise<JwtKey> {
      const key = await keys.resolveKey(header);
      if (key.type !== 'public' || !algorithms.includes(key.alg)) {
        throw new JwtError('ERR_JWT_KEY_NOT_FOUND', 'No usable public key matches the JWT', {
          claim: 'kid',
        });
      }
      return key;
    },
  };
}

/**
 * Verifies a JWT used as an assertion (RFC 7521 §5.2, RFC 7523 §3): a client assertion
 * (`private_key_jwt`) or an authorization grant such as an ID-JAG. In this order, failing on
 * the first problem with a `JwtError` (never naming the token's content):
 *
 * 1. the length cap, strict decoding, `alg` in `algorithms` (never `none`/`HS*`) before any key
 *    is looked up or fetched;
 * 2. the key from `keys` (public keys only; a secret key is refused), the signature;
 * 3. `typ` when required; `iss` exactly one of `issuer`; `sub` exactly `subject` when given;
 *    `aud` naming one of `audience` (a string, or an array holding one);
 * 4. `exp` required, not past, and at most `maxLifetimeSeconds` ahead; `nbf`/`iat` not in the
 *    future beyond `clockTolerance`; `iat`, when present, at most `maxAgeSeconds` old;
 * 5. `jti` required (a non-empty string of at most 256 characters).
 *
 * Single use of the `jti` is the caller's job (it needs a store): see
 * `consumeAssertionJti` in `@mcp-auth/core/server`.
 *
 * @throws TypeError for bad options (synchronously checked, rejected as a promise).
 */
export async function verifyJwtAssertion(
  token: string,
  keys: KeySet,
  options: JwtAssertionOptions,
): Promise<VerifiedJwt> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('verifyJwtAssertion: options are required');
  }
  if (typeof keys !== 'object' || keys === null || typeof keys.resolveKey !== 'function') {
    throw new TypeError('verifyJwtAssertion: keys must be a KeySet');
  }
  const algorithms = options.algorithms ?? DEFAULT_ASSERTION_ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((a) => typeof a !== 'string' || isForbiddenAlgorithm(a))
  ) {
    throw new TypeError(
      'verifyJwtAssertion: algorithms must list asymmetric JWS algorithms (never none or HS*)',
    );
  }
  if (options.issuer === undefined || options.audience === undefined) {
    throw new TypeError('verifyJwtAssertion: issuer and audience are required');
  }
  const maxLifetime = seconds(options.maxLifetimeSeconds, 300, 'maxLifetimeSeconds');
  const maxAge = seconds(options.maxAgeSeconds, maxLifetime, 'maxAgeSeconds');
  const tolerance = seconds(options.clockTolerance, 30, 'clockTolerance');
  const compiled = compileVerifyOptions(
    {
      issuer: options.issuer,
      audience: options.audience,
      ...(options.typ === undefined ? {} : { typ: options.typ }),
      clockTolerance: tolerance,
      requireExp: true,
      requiredClaims: ['iss', 'aud', 'exp', 'jti', ...(options.requiredClaims ?? [])],
      maxTokenLength: options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH,
      ...(options.now === undefined ? {} : { now: options.now }),
    },
    'verifyJwtAssertion',
  );
  // Step 1: refuse a forbidden or unlisted algorithm before any key lookup (or fetch).
  const { header } = parseCompactJws(token, compiled.maxTokenLength);
  if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) {
    throw new JwtError('ERR_JWT_ALG_NOT_ALLOWED', 'The assertion algorithm is not accepted', {
      claim: 'alg',
    });
  }
  const verified = await verifyCompiled(token, publicKeysOnly(keys, algorithms), compiled);
  const { payload } = verified;
  if (options.subject !== undefined && payload.sub !== options.subject) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', 'The assertion sub is not the expected one', {
      claim: 'sub',
    });
  }
  const now = nowSeconds(compiled);
  // checkClaims ran: exp is a number in the future (within tolerance).
  if ((payload.exp as number) > now + maxLifetime + tolerance) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', 'The assertion expires too far in the future', {
      claim: 'exp',
    });
  }
  if (typeof payload.iat === 'number' && now - payload.iat > maxAge + tolerance) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', 'The assertion was issued too long ago', {
      claim: 'iat',
    });
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', 'The assertion jti is missing or too long', {
      claim: 'jti',
    });
  }
  return verified;
}
