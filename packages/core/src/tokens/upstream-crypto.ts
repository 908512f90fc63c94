import { base64UrlDecode, base64UrlEncode } from '../encoding/base64url.js';
import { randomBytes } from '../encoding/random.js';
import { utf8DecodeStrict, utf8Encode } from '../encoding/utf8.js';

const PREFIX = 'v1.';

// WebCrypto's types want an ArrayBuffer-backed view; ours always are.
const bytes = (view: Uint8Array): Uint8Array<ArrayBuffer> => view as Uint8Array<ArrayBuffer>;

/** Encrypts and decrypts small JSON strings with AES-256-GCM, bound to a context string. */
export interface SealBox {
  seal(plaintext: string, context: string): Promise<string>;
  /** The plaintext, or `undefined` when the box is malformed, tampered or for another context. */
  open(sealed: string, context: string): Promise<string | undefined>;
}

/**
 * A {@link SealBox} whose AES-256-GCM key is derived with HKDF-SHA-256 from `secret`
 * (at least 32 characters). Each seal uses a fresh 96-bit IV; `context` (the grant id) is the
 * additional authenticated data, so a ciphertext moved to another grant does not open.
 */
export function createSealBox(secret: string, where: string): SealBox {
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new TypeError(
      `${where}: upstreamEncryptionKey must be a string of at least 32 characters`,
    );
  }
  const keyPromise = (async () => {
    const material = await crypto.subtle.importKey(
      'raw',
      bytes(utf8Encode(secret)),
      'HKDF',
      false,
      ['deriveKey'],
    );
    return crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new Uint8Array(0),
        info: bytes(utf8Encode('mcp-auth upstream tokens v1')),
      },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  })();
  return {
    async seal(plaintext, context) {
      const iv = randomBytes(12);
      const ct = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: bytes(iv), additionalData: bytes(utf8Encode(context)) },
        await keyPromise,
        bytes(utf8Encode(plaintext)),
      );
      return `${PREFIX}${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(ct))}`;
    },
    async open(sealed, context) {
      if (!sealed.startsWith(PREFIX)) return undefined;
      const [ivText, ctText, extra] = sealed.slice(PREFIX.length).split('.');
      if (ivText === undefined || ctText === undefined || extra !== undefined) return undefined;
      const iv = base64UrlDecode(ivText);
      const ct = base64UrlDecode(ctText);
      if (iv?.length !== 12 || !ct) return undefined;
      try {
        const pt = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes(iv), additionalData: bytes(utf8Encode(context)) },
          await keyPromise,
          bytes(ct),
        );
        return utf8DecodeStrict(new Uint8Array(pt));
      } catch {
        return undefined;
      }
    },
  };
}
