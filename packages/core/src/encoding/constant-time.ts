import { utf8Encode } from './utf8.js';

/**
 * Compares two byte strings in time that depends only on their lengths, not on where they
 * first differ. Unequal lengths return `false` (the length is not secret here).
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time comparison of two strings by their UTF-8 bytes. */
export function timingSafeEqual(a: string, b: string): boolean {
  return timingSafeEqualBytes(utf8Encode(a), utf8Encode(b));
}
