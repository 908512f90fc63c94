import { base64UrlEncode } from '../encoding/base64url.js';
import { getJwsBackend } from './backend.js';

/**
 * {@link sha256Base64Url} without a promise when the runtime has a synchronous digest (the Node
 * entry installs one); `undefined` otherwise (then use the asynchronous one).
 * @internal
 */
export function sha256Base64UrlSync(input: string): string | undefined {
  return getJwsBackend()?.sha256Base64Url?.(input);
}

/** SHA-256 of a string, base64url encoded: how codes and refresh tokens are stored. */
export async function sha256Base64Url(input: string): Promise<string> {
  // The Node entry installs a synchronous digest (WebCrypto's costs ~50 µs a call on Node).
  const fast = getJwsBackend()?.sha256Base64Url;
  if (fast) return fast(input);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
  return base64UrlEncode(new Uint8Array(digest));
}
