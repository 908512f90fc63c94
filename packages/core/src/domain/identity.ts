import type { StoreValue } from '../store/store.js';

/** Who the user is, as an identity provider established it. */
export interface Identity {
  /** The stable user id that becomes the token's `sub`. */
  readonly sub: string;
  /** User attributes copied into tokens for policies (e.g. `{ role: 'admin' }`). */
  readonly attributes: Readonly<Record<string, StoreValue>>;
  /** The scopes this user may be granted at most (consent can narrow them further). */
  readonly grantableScopes: readonly string[];
  /** A display name for the consent page. */
  readonly displayName?: string;
  /**
   * Set by the authorization server, not by an identity provider: the scopes the client
   * registered when they cap `grantableScopes` for this client (the token's
   * `mcp_client_scopes`), so a refusal can say the client, not the account, is the limit.
   */
  readonly clientScopes?: readonly string[];
}

/** Upstream tokens kept server-side under a grant; never put in a token a client can read. */
export interface UpstreamTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Seconds since the epoch. */
  readonly expiresAt?: number;
  readonly scope?: string;
  readonly tokenType?: string;
}
