/**
 * Store key names of the token service. Shared with resource servers that check revocation
 * through the same store (see `createRevocationChecker`), so they are part of the wire
 * contract between instances: change them only with a major version.
 */
export const STORE_KEYS = Object.freeze({
  /** An unredeemed authorization code's record, by SHA-256 of the code. Taken once. */
  code: (codeHash: string) => `mcp-auth:code:${codeHash}`,
  /** Code hash → grant id, kept past redemption so a replay can revoke what it issued. */
  codeGrant: (codeHash: string) => `mcp-auth:code-grant:${codeHash}`,
  /** A live refresh token's record, by SHA-256 of the token. Taken on rotation. */
  refresh: (tokenHash: string) => `mcp-auth:rt:${tokenHash}`,
  /** Refresh-token hash → grant id, kept past rotation so reuse revokes the family. */
  refreshGrant: (tokenHash: string) => `mcp-auth:rt-grant:${tokenHash}`,
  /** A revoked access token, by `jti`. */
  revokedJti: (jti: string) => `mcp-auth:revoked:jti:${jti}`,
  /** A revoked grant (every token of it), by grant id. */
  revokedGrant: (grantId: string) => `mcp-auth:revoked:grant:${grantId}`,
  /** The upstream IdP tokens of a grant (encrypted when a key is configured). */
  upstream: (grantId: string) => `mcp-auth:upstream:${grantId}`,
});
