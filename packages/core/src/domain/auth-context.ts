/**
 * Who is calling, as established from a verified access token. Adapters expose it to tool
 * handlers (`extra.authInfo.extra.auth`, `req.auth.extra.auth`, `ctx.state.auth.extra.auth`,
 * fastmcp's session). It never holds the token itself.
 */
export interface AuthContext {
  /** The user: the token's `sub` (for a machine client, its client id). */
  readonly userId: string;
  /**
   * Who the principal is: `'user'` for a person's token, `'client'` for a machine client's
   * (client credentials grant: `userId` is then the client id, and no person is involved). Set
   * by every verifier of this package; a context built by hand without it counts as `'user'`.
   */
  readonly principal?: 'user' | 'client';
  /** The OAuth client the token was issued to: `client_id`. */
  readonly clientId: string;
  /** Granted scopes, from the space-separated `scope` claim. */
  readonly scopes: readonly string[];
  /** Every claim of the token (user attributes included), for policies. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Expiry as seconds since the epoch (`exp`), when the token has one. */
  readonly expiresAt: number | undefined;
  /** The token's unique id (`jti`), when it has one. */
  readonly jti: string | undefined;
  /** The audience (the MCP resource URI) the token was issued for, when known. */
  readonly resource: string | undefined;
  /** The grant this token belongs to (authorization server bookkeeping), when known. */
  readonly grantId: string | undefined;
}

/**
 * Turns a bearer token into an {@link AuthContext}. Rejects with `InvalidTokenError` (401)
 * for anything it will not accept, or with `TemporarilyUnavailableError` (503) when a check it
 * depends on (revocation store) cannot be made — it never resolves on doubt.
 */
export interface TokenVerifier {
  verify(token: string): Promise<AuthContext>;
}
