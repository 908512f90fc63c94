import type { AuditRecorder } from '../observability/audit.js';
import type { UpstreamRefreshOptions } from './upstream-client.js';
import type { KeySet } from '../jwt/index.js';
import type { JwtKey } from '../jwt/types.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import type { Identity, UpstreamTokens } from '../domain/identity.js';
import type { Store } from '../store/store.js';
import type { GrantManager } from './grants.js';
import type { DpopBinding } from './dpop.js';

export type { DpopBinding } from './dpop.js';

/** Options of {@link createTokenService}. */
export interface TokenServiceOptions {
  /** Where codes, refresh tokens, revocations and upstream tokens live. */
  store: Store;
  /** Receives reuse-detected and revocation audit events. Default: none. */
  audit?: AuditRecorder | undefined;
  /** The authorization server's issuer identifier: the `iss` of every access token. */
  issuer: string;
  /**
   * The key access tokens are signed with (an HMAC secret or a private key), or a function
   * called at each signing that returns it (key rotation: the ring's current key).
   */
  signingKey: JwtKey | (() => JwtKey);
  /**
   * The key(s) access tokens are verified with, e.g. the JWKS key set during `kid` rotation.
   * Default: `signingKey` (a private key verifies with its public half).
   */
  verificationKey?: JwtKey | KeySet;
  /** The protected resource (MCP endpoint URL) this server issues tokens for: their `aud`. */
  resource: string;
  /** Access-token lifetime in seconds. Default 3600 (1 h). */
  accessTokenTtlSeconds?: number;
  /**
   * Refresh-token lifetime in seconds, counted from each rotation. Default 2,592,000 (30 days).
   */
  refreshTokenTtlSeconds?: number;
  /** Authorization-code lifetime in seconds. Default 60. */
  codeTtlSeconds?: number;
  /**
   * Maps the user's identity to extra access-token claims (for policies). Default: a copy of
   * `identity.attributes`. Registered claims (`iss`, `sub`, `aud`, `exp`, `iat`, `jti`,
   * `client_id`, `scope`, `mcp_tool_scopes`, `grant_id`, …) are never overridden. Values must
   * be JSON-compatible (they are kept with the refresh token).
   */
  claims?: (identity: Identity) => Record<string, unknown>;
  /**
   * A secret of at least 32 random bytes, base64url (≥ 43 characters, `mcp-auth keys generate`)
   * or hex (≥ 64 characters), that encrypts upstream
   * IdP tokens at rest with AES-256-GCM. Strongly recommended whenever an upstream identity
   * provider is used and the store is shared (Redis): without it, upstream tokens are stored in
   * plain JSON (still never given to clients).
   */
  upstreamEncryptionKey?: string;
  /**
   * Refresh upstream IdP tokens when a tool asks for them near their expiry, and revoke them
   * at the IdP with the grant (`createAuthorizationServer` sets this from an
   * `UpstreamOAuthProvider`). Default: upstream tokens are returned as stored.
   */
  upstream?: UpstreamRefreshOptions;
  /**
   * Seconds after a rotation during which the same client presenting the old refresh token
   * again is treated as a parallel refresh, not as theft: it gets `invalid_grant` and the
   * grant (with the winner's new tokens) stays valid. Past the window, or from another
   * client, a replay revokes the grant (RFC 9700 §4.14.2). `0` = every replay revokes.
   * Default 10.
   */
  refreshReuseGraceSeconds?: number;
  /** Clock in milliseconds since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
}

/** The RFC 6749 §5.1 token response body (wire names). */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` for a token bound to the client's DPoP key (RFC 9449 §5), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  /** Seconds until the access token expires. */
  expires_in: number;
  /** The new refresh token (rotated on every use), when the client may refresh. */
  refresh_token?: string;
  /** The granted scopes of the access token, space-separated. */
  scope: string;
  /** RFC 8693 §2.2.1: the type of the issued token, in a token-exchange response. */
  issued_token_type?: string;
}

/** An inactive token's introspection response: exactly `{ "active": false }` (RFC 7662 §2.2). */
export interface InactiveIntrospectionResponse {
  active: false;
}

/** An active token's introspection response (RFC 7662 §2.2), plus the token's other claims. */
export interface ActiveIntrospectionResponse {
  active: true;
  scope?: string;
  client_id?: string;
  sub?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  jti?: string;
  /** `Bearer` for access tokens, `refresh_token` for refresh tokens. */
  token_type?: string;
  [claim: string]: unknown;
}

/** The RFC 7662 introspection response. */
export type IntrospectionResponse = InactiveIntrospectionResponse | ActiveIntrospectionResponse;

/** Input of {@link TokenService.issueAuthorizationCode}. */
export interface IssueAuthorizationCodeInput {
  clientId: string;
  /** The redirect URI of the authorization request (already validated exactly). */
  redirectUri: string;
  /**
   * Whether the authorization request carried `redirect_uri` explicitly (OAuth 2.1 §4.1.3: then
   * the token request must repeat it). Default `true`: the token request must send it.
   */
  redirectUriInRequest?: boolean;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
  /**
   * The authorization request's `dpop_jkt` (RFC 9449 §10): the code is then redeemed only by a
   * token request whose DPoP proof is signed with the key of this JWK SHA-256 thumbprint.
   */
  dpopJkt?: string | undefined;
  /** The scopes the user consented to. */
  scopes: readonly string[];
  /** The RFC 8707 resource: the tokens' audience. */
  resource: string;
  identity: Identity;
  /** The client's `client_name`, shown by grant management (`server.grants.list`). */
  clientName?: string | undefined;
  /** Upstream IdP tokens to keep server-side under the grant (proxy mode). */
  upstreamTokens?: UpstreamTokens;
}

/** Input of {@link TokenService.redeemAuthorizationCode}. */
export interface RedeemAuthorizationCodeInput {
  code: string;
  /** The authenticated client. */
  clientId: string;
  redirectUri: string | undefined;
  codeVerifier: string;
  resource?: string;
  /** Whether to issue a refresh token. Default `true`. */
  issueRefreshToken?: boolean;
  /** The DPoP key of the token request, when it carried a verified proof. */
  dpop?: DpopBinding;
}

/** Input of {@link TokenService.refresh}. */
export interface RefreshInput {
  refreshToken: string;
  /** The authenticated client. */
  clientId: string;
  /** A subset of the granted scopes for the new access token (never wider). */
  scopes?: readonly string[];
  resource?: string;
  /** The DPoP key of the token request, when it carried a verified proof. */
  dpop?: DpopBinding;
}

/** Input of {@link TokenService.revoke}. */
export interface RevokeInput {
  token: string;
  /** The authenticated client; only its own tokens are revoked. */
  clientId: string;
  /** `access_token` or `refresh_token` (RFC 7009 §2.1); a hint only. */
  tokenTypeHint?: string;
}

/**
 * Issues, rotates, revokes and introspects tokens (see {@link createTokenService}). Every
 * method fails closed: a store error rejects with `TemporarilyUnavailableError` (503) and
 * nothing is minted.
 */
export interface TokenService {
  /** Mints a single-use authorization code bound to the client, redirect URI and PKCE challenge. */
  issueAuthorizationCode(input: IssueAuthorizationCodeInput): Promise<string>;
  /**
   * Redeems a code (RFC 6749 §4.1.3, RFC 7636 §4.6). Any failure rejects with
   * `InvalidGrantError` and burns the code; a replayed code also revokes every token the
   * first redemption issued (RFC 9700 §4.2.4 / OAuth 2.1 §4.1.3).
   */
  redeemAuthorizationCode(input: RedeemAuthorizationCodeInput): Promise<TokenResponse>;
  /**
   * Rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2): the old one stops working; a
   * replayed old one revokes the whole grant. Wider scopes → `InvalidScopeError`.
   */
  refresh(input: RefreshInput): Promise<TokenResponse>;
  /**
   * Revokes a token of `clientId` (RFC 7009): a refresh token revokes its whole grant, an access
   * token its `jti`. Unknown, garbage or foreign tokens are silently ignored.
   */
  revoke(input: RevokeInput): Promise<void>;
  /** RFC 7662 introspection; any inactive token gives exactly `{ active: false }`. */
  introspect(token: string): Promise<IntrospectionResponse>;
  /**
   * A revocation-aware verifier of this service's access tokens, for the resource side: it
   * accepts only tokens whose `aud` is `audience` (default: the service's `resource`).
   */
  createAccessTokenVerifier(audience?: string): TokenVerifier;
  /** Revokes every token of a grant, and drops its upstream tokens. */
  revokeGrant(grantId: string): Promise<void>;
  /** Grant management: list and revoke what users granted, delete clients (`server.grants`). */
  readonly grants: GrantManager;
  /**
   * The upstream IdP tokens kept under a live grant, if any. With `upstream` refresh
   * configured, tokens expiring within the skew are refreshed at the IdP first (one refresh per
   * grant, across instances); rejects with `UpstreamReauthorizationRequiredError` when the IdP
   * refused the refresh token (the tokens are dropped: the user must sign in again).
   */
  getUpstreamTokens(grantId: string): Promise<UpstreamTokens | undefined>;
  /** True when the token's `jti` or grant was revoked (one store round trip). */
  isRevoked(context: Pick<AuthContext, 'jti' | 'grantId'>): Promise<boolean>;
  /**
   * An access token (no refresh token) for an identity asserted by a trusted enterprise IdP
   * (ID-JAG grant): a new grant, scopes already decided by the grant handler.
   */
  issueAccessTokenForIdentity(input: IssueAccessTokenForIdentityInput): Promise<TokenResponse>;
  /**
   * RFC 8693 token exchange: a token for a downstream `audience` on behalf of the subject
   * token's user, with an `act` claim naming `clientId`; bounded by the subject token's expiry.
   */
  exchangeAccessToken(input: ExchangeAccessTokenInput): Promise<TokenResponse>;
  /**
   * An access token for a machine client (client credentials grant): `sub` = `client_id`,
   * `mcp_principal: "client"`, a new grant, no refresh token. Scopes already decided by the
   * grant handler.
   */
  issueClientCredentialsToken(input: IssueClientCredentialsTokenInput): Promise<TokenResponse>;
}

/** Input of {@link TokenService.issueClientCredentialsToken}. */
export interface IssueClientCredentialsTokenInput {
  /** The authenticated machine client: the token's `sub` and `client_id`. */
  clientId: string;
  /** The granted scopes (already checked against the client's registration). */
  scopes: readonly string[];
  /** The protected resource: the token's `aud`. */
  resource: string;
  /**
   * Every scope this client may ever be granted (`mcp_grantable_scopes`), so a resource server
   * tells a call the client can never make from one a narrower token missed. Default `scopes`.
   */
  grantableScopes?: readonly string[];
  /** The DPoP key of the token request, when it carried a verified proof. */
  dpop?: DpopBinding;
}

/** Input of {@link TokenService.issueAccessTokenForIdentity}. */
export interface IssueAccessTokenForIdentityInput {
  /** The authenticated client the token is issued to. */
  clientId: string;
  /** The user, as mapped from the assertion's subject. */
  identity: Identity;
  /** The granted scopes (already intersected with what the user may be granted). */
  scopes: readonly string[];
  /** The protected resource: the token's `aud`. */
  resource: string;
  /** The DPoP key the request proved: the token is bound to it (RFC 9449). */
  dpop?: DpopBinding;
}

/** Input of {@link TokenService.exchangeAccessToken}. */
export interface ExchangeAccessTokenInput {
  /** The authenticated client doing the exchange: the actor (`act.sub`) and `client_id`. */
  clientId: string;
  /** The verified, unrevoked subject token. */
  subject: AuthContext;
  /** The downstream audience: the new token's `aud`. */
  audience: string;
  /** The granted scopes (a subset of the subject token's). */
  scopes: readonly string[];
  /** A lifetime below the configured access-token lifetime, in seconds. */
  lifetimeSeconds?: number;
  /** The DPoP key the request proved: the token is bound to it (RFC 9449). */
  dpop?: DpopBinding;
}
