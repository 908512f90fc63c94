/**
 * JWS algorithms core signs and verifies (RFC 7518, RFC 8037). `none` is never one. Defined
 * here, on the runtime floor, because the crypto backend is keyed by it; `jwt/` re-exports it.
 */
export type JwsAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'PS256'
  | 'ES256'
  | 'ES384'
  | 'EdDSA';

/** The HMAC algorithms a backend may accelerate. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/**
 * A synchronous crypto backend for a runtime that has one (Node's `node:crypto`). The Web
 * entry uses WebCrypto only; the Node entry installs a backend with {@link setJwsBackend}.
 * Each method may return `undefined` to fall back to WebCrypto for that call.
 * @internal
 */
export interface JwsBackend {
  readonly name: string;
  /** The base64url MAC of `signingInput` (ASCII) under the HMAC `key`. */
  hmacBase64Url(alg: HmacAlgorithm, key: CryptoKey, signingInput: string): string | undefined;
  /** Verifies an asymmetric signature (raw `r||s` for ECDSA). */
  verify(
    alg: JwsAlgorithm,
    key: CryptoKey,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | undefined;
  /** Signs with an asymmetric private key (raw `r||s` for ECDSA). */
  sign(alg: JwsAlgorithm, key: CryptoKey, data: Uint8Array): Uint8Array | undefined;
  /**
   * Strict base64url (canonical, unpadded) then fatal UTF-8 decoding of a JWS segment, with
   * exactly the semantics of `base64UrlDecode` + `utf8DecodeStrict`; `undefined` when invalid.
   */
  decodeSegment?(segment: string): string | undefined;
  /** SHA-256 of a string's UTF-8 bytes, base64url: hashes of codes, tokens, PKCE verifiers. */
  sha256Base64Url?(input: string): string;
}

let current: JwsBackend | undefined;

/**
 * Installs (or, with `undefined`, removes) the synchronous crypto backend. Called by the
 * Node entry (`index.node.ts`); tests call it to exercise both paths.
 * @internal
 */
export function setJwsBackend(backend: JwsBackend | undefined): void {
  current = backend;
}

/** The installed backend, if any. @internal */
export function getJwsBackend(): JwsBackend | undefined {
  return current;
}
