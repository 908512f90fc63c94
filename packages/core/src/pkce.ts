import { timingSafeEqual } from './encoding/constant-time.js';
import { randomBytes } from './encoding/random.js';
import { sha256Base64Url } from './runtime/sha256.js';

/** PKCE code challenge methods. Only `S256` is accepted; `plain` exists to be refused. */
export type PkceMethod = 'S256' | 'plain';

// RFC 7636 §4.1: code-verifier = 43*128unreserved.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// An S256 challenge is base64url(SHA-256) = exactly 43 characters without padding.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** True when `verifier` has the RFC 7636 §4.1 form: 43–128 characters of the unreserved set. */
export function isValidCodeVerifier(verifier: unknown): verifier is string {
  return typeof verifier === 'string' && VERIFIER.test(verifier);
}

/**
 * True when `challenge` is a syntactically valid S256 challenge (43 base64url characters,
 * the length of a SHA-256 digest). Longer or shorter values, `+`, `/` or `=` are refused.
 */
export function isValidS256Challenge(challenge: unknown): challenge is string {
  return isSha256Base64Url(challenge);
}

/**
 * True when `value` is a SHA-256 digest in base64url without padding (43 characters, the unused
 * bits of the last one zero): the form of an S256 challenge and of a JWK SHA-256 thumbprint
 * (RFC 7638, DPoP's `jkt` and `dpop_jkt`).
 * @internal
 */
export function isSha256Base64Url(value: unknown): value is string {
  return typeof value === 'string' && S256_CHALLENGE.test(value) && canonicalTail(value);
}

// The last character of 32 bytes in base64url carries 2 unused bits, which must be zero.
function canonicalTail(challenge: string): boolean {
  const last = challenge.charCodeAt(42);
  const value =
    last >= 65 && last <= 90
      ? last - 65
      : last >= 97 && last <= 122
        ? last - 71
        : last >= 48 && last <= 57
          ? last + 4
          : last === 45
            ? 62
            : 63;
  return (value & 3) === 0;
}

/**
 * A new PKCE code verifier: `length` characters (43–128, default 64) drawn uniformly from the
 * RFC 7636 unreserved set by rejection sampling. 64 characters carry about 384 bits; the
 * minimum length 43 carries at least 256 bits.
 */
export function generateCodeVerifier(length = 64): string {
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new TypeError('generateCodeVerifier: length must be an integer from 43 to 128');
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 66 characters: accept bytes below 198 (3 × 66) so every character is equally likely.
      if (byte < 198) out += alphabet[byte % 66];
      if (out.length === length) break;
    }
  }
  return out;
}

/** The S256 code challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2). */
export async function computeS256Challenge(verifier: string): Promise<string> {
  if (!isValidCodeVerifier(verifier)) {
    throw new TypeError('computeS256Challenge: the verifier must be 43-128 unreserved characters');
  }
  return sha256Base64Url(verifier);
}

/**
 * Checks a PKCE verifier against the stored challenge. Returns `false` for a malformed
 * verifier, a malformed challenge, any method but `S256` (plain is refused, OAuth 2.1 §4.1.1),
 * or a mismatch. The comparison is constant-time.
 */
export async function verifyPkce(
  verifier: unknown,
  challenge: unknown,
  method: unknown = 'S256',
): Promise<boolean> {
  if (method !== 'S256') return false;
  if (!isValidCodeVerifier(verifier) || !isValidS256Challenge(challenge)) return false;
  return timingSafeEqual(await computeS256Challenge(verifier), challenge);
}
