import { base64UrlDecode, base64UrlEncode } from '../encoding/base64url.js';
import { timingSafeEqual } from '../encoding/constant-time.js';
import { randomBytes } from '../encoding/random.js';

/** HMAC-SHA-256 signer for cookies and CSRF tokens (WebCrypto). */
export interface Signer {
  /** base64url HMAC-SHA-256 of `message`. */
  sign(message: string): Promise<string>;
  /** Constant-time check of a signature made by {@link Signer.sign}. */
  verify(message: string, signature: string): Promise<boolean>;
}

/** Creates a {@link Signer}; `secret` must hold at least 32 bytes (random when omitted). */
export function createSigner(secret: string | Uint8Array | undefined, where: string): Signer {
  let bytes: Uint8Array;
  if (secret === undefined) {
    bytes = randomBytes(32);
  } else {
    bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (bytes.length < 32) {
      throw new TypeError(`${where}: the cookie secret must be at least 32 bytes`);
    }
  }
  const key = crypto.subtle.importKey(
    'raw',
    bytes as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const sign = async (message: string) =>
    base64UrlEncode(
      new Uint8Array(
        await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(message)),
      ),
    );
  return {
    sign,
    async verify(message, signature) {
      if (base64UrlDecode(signature) === undefined) return false;
      return timingSafeEqual(await sign(message), signature);
    },
  };
}

/** Reads one cookie from a `Cookie` header; `undefined` when absent or sent twice. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    // Two cookies with one name (e.g. a planted one): trust neither.
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/** Attributes of the cookies core sets. */
export interface CookieSettings {
  /** `__Host-` name prefix and `Secure`: on when the issuer is https. */
  readonly secure: boolean;
}

/** The cookie name: `__Host-` prefixed when secure (browsers then require Secure, Path=/). */
export function cookieName(base: string, settings: CookieSettings): string {
  return settings.secure ? `__Host-${base}` : base;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when the issuer is https. */
export function serializeCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  settings: CookieSettings,
): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax${settings.secure ? '; Secure' : ''}`;
}
