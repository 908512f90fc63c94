/**
 * Store key names of the token service. Every entry written under these keys is durable
 * security state (never evicted by a bounded store; see `StoreWriteOptions`).
 * Shared with resource servers that check revocation
 * through the same store (see `createRevocationChecker`), so they are part of the wire
 * contract between instances: change them only with a major version. Keys carry no product
 * prefix: a shared store (`RedisStore`, default prefix `mcp-auth:`) adds one.
 */
export const STORE_KEYS = Object.freeze({
  /** An unredeemed authorization code's record, by SHA-256 of the code. Taken once. */
  code: (codeHash: string) => `tok:code:${codeHash}`,
  /** Code hash → grant id, kept past redemption so a replay can revoke what it issued. */
  codeGrant: (codeHash: string) => `tok:code-grant:${codeHash}`,
  /** A live refresh token's record, by SHA-256 of the token. Taken on rotation. */
  refresh: (tokenHash: string) => `tok:rt:${tokenHash}`,
  /** Refresh-token hash → grant id, kept past rotation so reuse revokes the family. */
  refreshGrant: (tokenHash: string) => `tok:rt-grant:${tokenHash}`,
  /**
   * A just-rotated refresh token's hash → `{ clientId, at }`, for the reuse grace window: the
   * same client presenting it again within the window is a parallel refresh, not theft.
   */
  refreshRotated: (tokenHash: string) => `tok:rt-rotated:${tokenHash}`,
  /** A revoked access token, by `jti`. */
  revokedJti: (jti: string) => `tok:revoked:jti:${jti}`,
  /** A revoked grant (every token of it), by grant id. */
  revokedGrant: (grantId: string) => `tok:revoked:grant:${grantId}`,
  /** The upstream IdP tokens of a grant (encrypted when a key is configured). */
  upstream: (grantId: string) => `tok:upstream:${grantId}`,
});
