import type { JwsAlgorithm } from '../runtime/backend.js';

/** JWS algorithms core signs and verifies (RFC 7518, RFC 8037). `none` is never one. */
export type { JwsAlgorithm };

/** A JOSE header as decoded (unverified values are `unknown`). */
export interface JwtHeader {
  readonly alg: string;
  readonly typ?: string;
  readonly kid?: string;
  readonly [parameter: string]: unknown;
}

/** Registered claims plus any others (RFC 7519 §4). */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/**
 * A key bound to exactly one algorithm. Created by `createSecretKey`, `importJwk`,
 * `importPem` or `generateKeyPair`; a token header can never make it verify under another
 * algorithm.
 */
export interface JwtKey {
  readonly alg: JwsAlgorithm;
  readonly kid: string | undefined;
  /** `secret` for HMAC, `private` or `public` for asymmetric keys. */
  readonly type: 'secret' | 'private' | 'public';
}
