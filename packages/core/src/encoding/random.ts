import { base64UrlEncode } from './base64url.js';

/** Cryptographically random bytes from `crypto.getRandomValues`. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65_536)
    crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)));
  return out;
}

/**
 * A random opaque token: `bytes` random bytes (default 32 = 256 bits), base64url encoded.
 * Used for authorization codes, refresh tokens, client secrets and CSRF tokens.
 */
export function generateRandomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) {
    throw new TypeError('generateRandomToken: bytes must be an integer >= 16 (128 bits)');
  }
  return base64UrlEncode(randomBytes(bytes));
}
