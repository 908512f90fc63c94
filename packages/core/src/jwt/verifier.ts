import { deepFreeze } from './freeze.js';
import type { JwtKey } from './types.js';
import {
  checkTimeClaims,
  compileVerifyOptions,
  type KeySet,
  nowSeconds,
  type VerifiedJwt,
  type VerifyJwtOptions,
  verifyCompiled,
} from './verify.js';

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions extends VerifyJwtOptions {
  /** How many verified tokens to remember (0 disables the cache). Default 1000. */
  cacheSize?: number;
}

/** A reusable verifier; see {@link createJwtVerifier}. */
export interface JwtVerifier {
  /** Verifies a token like {@link verifyJwt} with the verifier's key and options. */
  verify(token: string): Promise<VerifiedJwt>;
}

/**
 * A verifier with options checked once and a bounded cache of tokens that verified: a token
 * seen again skips decoding and the signature, but its time claims (`exp`, `nbf`, `iat`,
 * `maxTokenAge`) are checked again on every hit. Results are frozen (they are shared).
 */
export function createJwtVerifier(
  key: JwtKey | KeySet,
  options: JwtVerifierOptions = {},
): JwtVerifier {
  const { cacheSize = 1000, ...verifyOptions } = options;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new TypeError('createJwtVerifier: cacheSize must be an integer >= 0');
  }
  if (typeof key !== 'object' || key === null) {
    throw new TypeError('createJwtVerifier: key must be a JwtKey or a KeySet');
  }
  const compiled = compileVerifyOptions(verifyOptions, 'createJwtVerifier');
  const cache = new Map<string, VerifiedJwt>();

  async function verify(token: string): Promise<VerifiedJwt> {
    if (cacheSize > 0 && typeof token === 'string') {
      const hit = cache.get(token);
      if (hit !== undefined) {
        try {
          checkTimeClaims(hit.payload, compiled, nowSeconds(compiled));
        } catch (error) {
          cache.delete(token);
          throw error;
        }
        return hit;
      }
    }
    const result = await verifyCompiled(token, key, compiled);
    if (cacheSize > 0) {
      deepFreeze(result.payload);
      const frozen = Object.freeze(result);
      // Bounded: the oldest entry goes first.
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(token, frozen);
      return frozen;
    }
    return result;
  }

  return { verify };
}
