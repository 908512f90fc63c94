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
 * How many bytes of key material `secret` encodes: hex (even length, `0-9a-f` only) or
 * base64url / base64 (padding allowed); `undefined` when it is neither.
 */
function keyMaterialBytes(secret: string): number | undefined {
  if (/^[0-9a-fA-F]+$/.test(secret) && secret.length % 2 === 0) return secret.length / 2;
  const m = /^([A-Za-z0-9_\-+/]+)={0,2}$/.exec(secret);
  return m ? Math.floor((m[1]!.length * 6) / 8) : undefined;
}

/**
 * Throws a `TypeError` unless `secret` holds at least 32 bytes of key material, encoded as
 * base64url (≥ 43 characters, what `mcp-auth keys generate` prints) or hex (≥ 64
 * characters), and does not look like a placeholder (fewer than 10 distinct characters).
 * Counting decoded bytes, not UTF-16 units, refuses "32 identical characters" or 16 emoji.
 */
export function checkUpstreamEncryptionKey(secret: unknown, where: string): void {
  const bytes = typeof secret === 'string' ? keyMaterialBytes(secret) : undefined;
  if (
    typeof secret !== 'string' ||
    bytes === undefined ||
    bytes < 32 ||
    new Set(secret).size < 10
  ) {
    throw new TypeError(
      `${where}: upstreamEncryptionKey must hold at least 32 random bytes, encoded as base64url (≥ 43 characters) or hex (≥ 64 characters); generate one with \`mcp-auth keys generate\``,
    );
  }
}

/**
 * A {@link SealBox} whose AES-256-GCM key is derived with HKDF-SHA-256 from `secret` (see
 * {@link checkUpstreamEncryptionKey}; the text itself is the HKDF input, so keys set before
 * this check keep opening what they sealed). Each seal uses a fresh 96-bit IV; `context` (the
 * grant id) is the additional authenticated data, so a ciphertext moved to another grant does
 * not open.
 */
export function createSealBox(secret: string, where: string): SealBox {
  checkUpstreamEncryptionKey(secret, where);
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
