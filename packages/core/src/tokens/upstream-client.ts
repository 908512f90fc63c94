import type { UpstreamTokens } from '../domain/identity.js';

/**
 * Refreshes and revokes upstream IdP tokens. `UpstreamOAuthProvider` implements it; the token
 * service calls it when a tool asks for upstream tokens that are about to expire, and when a
 * grant is revoked.
 */
export interface UpstreamTokenClient {
  /**
   * Redeems `tokens.refreshToken` at the IdP (RFC 6749 §6). Rejects with an `OAuthError` of code
   * `invalid_grant` when the IdP refused the refresh token (the tokens are then dropped), or
   * with another error (kept; e.g. `temporarily_unavailable` when the IdP is unreachable).
   */
  refreshTokens(tokens: UpstreamTokens): Promise<UpstreamTokens>;
  /** Revokes the tokens at the IdP (RFC 7009), where it supports it. Best effort. */
  revokeTokens?(tokens: UpstreamTokens): Promise<void>;
}

/** Options of upstream token refresh (`TokenServiceOptions.upstream`). */
export interface UpstreamRefreshOptions {
  /** Refreshes and revokes at the IdP. */
  client: UpstreamTokenClient;
  /** Upstream tokens expiring within this many seconds are refreshed first. Default 60. */
  refreshSkewSeconds?: number;
  /**
   * How long one instance holds the per-grant refresh lock in the store, in seconds; others
   * wait for its result meanwhile. Longer than one upstream request. Default 30.
   */
  lockSeconds?: number;
}

/** The refresh machinery a token context holds. @internal */
export interface UpstreamRefresher {
  readonly client: UpstreamTokenClient;
  readonly skewMs: number;
  readonly lockMs: number;
  /** In-process single flight: one refresh per grant at a time. */
  readonly inflight: Map<string, Promise<UpstreamTokens | undefined>>;
}
