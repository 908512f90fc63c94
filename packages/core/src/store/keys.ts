/**
 * Every store key mcp-auth writes, in one place: they are the wire contract between instances
 * that share a store (`RedisStore`, default prefix `mcp-auth:`), and between an authorization
 * server and the resource servers that check revocation through the same store (see
 * `createRevocationChecker`). Change one only with a major version. Keys carry no product
 * prefix: a shared store adds one. Where a key holds a hash (codes, tokens, consents, client
 * metadata document URLs), the caller computes it (SHA-256, base64url).
 *
 * `tok:` keys: the token service's durable security state (never evicted by a bounded store;
 * see `StoreWriteOptions`). `as:` keys: the authorization server's registrations, consents,
 * interactions, caches and counters.
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
  /** Held (short TTL) by the one instance refreshing a grant's upstream tokens at the IdP. */
  upstreamLock: (grantId: string) => `tok:upstream-lock:${grantId}`,
  /**
   * A DPoP proof already used (RFC 9449 §11.1), by the thumbprint of its key and its `jti`:
   * single use for as long as the proof's `iat` window accepts it. Durable (replay state).
   */
  dpopProof: (jkt: string, jti: string) => `tok:dpop:${jkt}:${jti}`,

  // The authorization server (`as:` keys).
  /** A dynamically registered client, by `client_id`. */
  client: (clientId: string) => `as:client:${clientId}`,
  /** A consent a user gave a client, by SHA-256 of `userId NUL clientId`. */
  consent: (userClientHash: string) => `as:consent:${userClientHash}`,
  /** A login/consent interaction in progress, by its random id. */
  interaction: (interactionId: string) => `as:interaction:${interactionId}`,
  /** One of the limited login attempts of an interaction (slot 0, 1, …). */
  loginAttempt: (interactionId: string, slot: number) =>
    `as:login-attempt:${interactionId}:${slot}`,
  /** The upstream IdP round trip of an interaction, by the upstream `state`. */
  upstreamState: (state: string) => `as:upstream-state:${state}`,
  /** A cached client metadata document, by SHA-256 of its `client_id` URL. */
  clientMetadataDocument: (clientIdHash: string) => `as:cimd:${clientIdHash}`,
  /**
   * A JWT assertion's `jti` already used (client assertions, ID-JAGs), by SHA-256 of
   * `kind NUL iss NUL jti`: single use until the assertion expires. Durable (replay state).
   */
  assertionJti: (kindIssuerJtiHash: string) => `as:jti:${kindIssuerJtiHash}`,
  /** A rate-limit window counter of limiter `name` (e.g. `register`) for `subject`. */
  rateLimit: (name: string, subject: string) => `as:rl:${name}:${subject}`,
  /**
   * Failed sign-ins of `subject` in the window: `user:<SHA-256 of the name>` or
   * `addr:<client address>`.
   */
  loginFailures: (subject: string) => `as:login:n:${subject}`,
  /** Until when `subject` (as for `loginFailures`) must wait before the next sign-in. */
  loginLock: (subject: string) => `as:login:lock:${subject}`,
  /** A signed-in session ended by signing out, by its random id, until the cookie expires. */
  sessionEnded: (sessionId: string) => `as:session-ended:${sessionId}`,

  // Grant management (`tok:` keys: durable, never evicted; see docs/grant-management.md).
  /** A grant's record (user, client, scopes, resource, created, last used), by grant id. */
  grant: (grantId: string) => `tok:grant:${grantId}`,
  /**
   * A user's grant index, by SHA-256 of the user id: a set of grant ids (`addToSet`), living as
   * long as the longest-lived of them.
   */
  userGrants: (userHash: string) => `tok:user-grants:${userHash}`,
  /**
   * A deleted client, by SHA-256 of its `client_id`: `{ at }` (ms). Every token and grant of
   * it issued at or before `at` is refused (access tokens by the revocation check, refresh
   * tokens and codes when redeemed).
   */
  revokedClient: (clientIdHash: string) => `tok:revoked:client:${clientIdHash}`,
  /**
   * Every grant of a user revoked (`revokeAll`), by SHA-256 of the user id: `{ at }` (ms).
   * Tokens, refresh tokens and codes of the user issued at or before `at` are refused.
   */
  revokedUser: (userHash: string) => `tok:revoked:user:${userHash}`,

  // The MCP guard (`rl:` keys).
  /**
   * A tool rate-limit counter (policy `addRateLimit`), by SHA-256 of the limit and what it
   * counts by, for fixed window number `window`. Durable: a full store refuses the call (503).
   */
  toolRateLimit: (counterHash: string, window: number) => `rl:${counterHash}:${window}`,
});
