/**
 * Stable codes of {@link JwtError}. A closed union: `switch (err.code)` is exhaustive.
 */
export type JwtErrorCode =
  /** The token is not a well-formed compact JWS (segments, base64url, UTF-8, JSON, duplicates). */
  | 'ERR_JWT_MALFORMED'
  /** The token is longer than the configured maximum; nothing was decoded. */
  | 'ERR_JWT_TOO_LARGE'
  /** The header names no algorithm, `none`, or one the key is not bound to. */
  | 'ERR_JWT_ALG_NOT_ALLOWED'
  /** The header uses a feature this library refuses (`crit` extension, `b64: false`). */
  | 'ERR_JWT_UNSUPPORTED'
  /** The signature does not verify. */
  | 'ERR_JWT_SIGNATURE_INVALID'
  /** `exp` is missing (when required) or not in the future. */
  | 'ERR_JWT_EXPIRED'
  /** `nbf` or `iat` lies in the future beyond the clock tolerance. */
  | 'ERR_JWT_NOT_YET_VALID'
  /** A claim or header check failed (`iss`, `aud`, `typ`, required claims, `maxTokenAge`). */
  | 'ERR_JWT_CLAIM_INVALID'
  /** No key in the key set matches the token (by `kid`, `alg`, `use`). */
  | 'ERR_JWT_KEY_NOT_FOUND'
  /** A key or key set is invalid or could not be imported. */
  | 'ERR_JWK_INVALID'
  /** A remote key set could not be fetched (network error, status, size, timeout). */
  | 'ERR_JWKS_FETCH_FAILED';

/**
 * A token (input data) failed to decode or verify. Carries which check failed; the message
 * never contains the token or any part of it.
 */
export class JwtError extends Error {
  /** Stable error code. */
  readonly code: JwtErrorCode;
  /** The claim or header parameter the failure is about, if any (`exp`, `aud`, `typ`, …). */
  readonly claim: string | undefined;

  constructor(
    code: JwtErrorCode,
    message: string,
    options: { claim?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JwtError';
    this.code = code;
    this.claim = options.claim;
  }
}

/** True for any {@link JwtError}. */
export function isJwtError(value: unknown): value is JwtError {
  return (
    value instanceof JwtError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'JwtError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}
