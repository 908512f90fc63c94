import type { StoreValue } from '../store/store.js';
import type { Identity, UpstreamTokens } from '../domain/identity.js';
import type { Jwks } from '../jwt/keys.js';
import type { JwsAlgorithm } from '../jwt/types.js';

/**
 * How a client authenticates at the token endpoint (RFC 7591 §2): `none` (public client),
 * a shared secret (`client_secret_basic`, `client_secret_post`), or a JWT signed with the
 * client's private key (`private_key_jwt`, RFC 7523 §2.2).
 */
export type TokenEndpointAuthMethod =
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt';

/**
 * A registered (or metadata-document) client, as the authorization server keeps it.
 * Secrets are stored only as a hash.
 */
export interface ClientRecord {
  /** The `client_id`: random for registered clients, an https URL for a metadata document. */
  readonly clientId: string;
  /** SHA-256 (base64url) of the client secret; absent for public clients. */
  readonly clientSecretHash?: string;
  /** Seconds since the epoch when the secret expires (0 = never), RFC 7591 §3.2.1. */
  readonly clientSecretExpiresAt?: number;
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly clientName?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  /** Space-separated scopes the client registered for, if it limited them. */
  readonly scope?: string;
  /**
   * The OIDC `application_type` the client declared at registration or in its metadata
   * document (SEP-837); absent when it declared none.
   */
  readonly applicationType?: 'native' | 'web';
  /** The client's public keys (`private_key_jwt`), when it registered them inline. */
  readonly jwks?: Jwks;
  /** Where the client publishes its public keys (`private_key_jwt`), an https URL. */
  readonly jwksUri?: string;
  /**
   * The one algorithm the client signs its assertions with (`token_endpoint_auth_signing_alg`);
   * absent: any of the asymmetric defaults.
   */
  readonly tokenEndpointAuthSigningAlg?: JwsAlgorithm;
  /** Seconds since the epoch of registration. */
  readonly clientIdIssuedAt: number;
  /** Where the record came from. */
  readonly source: 'registration' | 'metadata-document' | 'static';
  /**
   * A resource server allowed to introspect any token. Set only from server configuration
   * (`StaticClientConfig.resourceServer`), never by registration or a metadata document.
   */
  readonly resourceServer?: boolean;
}

/** Looks clients up by `client_id` (registered, static, or fetched metadata documents). */
export interface ClientRegistry {
  /** The client, or `undefined` when unknown. Rejects on store failure (fail closed). */
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  /**
   * Verifies `private_key_jwt` assertions of this registry's clients. Absent: that method is
   * refused (401 `invalid_client`).
   */
  readonly assertions?: ClientAssertionVerifier;
}

/**
 * Checks a `client_assertion` (RFC 7523 §2.2) for a client registered with `private_key_jwt`
 * (`createClientAssertionVerifier`). Resolves when the assertion authenticates the client;
 * rejects with `InvalidClientError` (401) otherwise, `TemporarilyUnavailableError` (503) when
 * the replay check cannot be made.
 */
export interface ClientAssertionVerifier {
  verify(assertion: string, client: ClientRecord): Promise<void>;
}

/**
 * Logs users in with a username and password form served by core
 * (`DevIdentityProvider` is the embedded one).
 */
export interface LocalIdentityProvider {
  readonly kind: 'local';
  /**
   * The identity for these credentials, or `undefined` when they are wrong. May reject with
   * `TooManyRequestsError` (429, e.g. from a `createLoginThrottle` throttle) to refuse an
   * attempt without checking it.
   */
  authenticate(
    username: string,
    password: string,
    context?: LoginContext,
  ): Promise<Identity | undefined>;
}

/** What core knows about a login attempt besides the credentials. */
export interface LoginContext {
  /** The caller's address (trusted-proxy aware), when known: for per-address throttling. */
  readonly remoteAddress?: string | undefined;
}

/**
 * Sends the browser to an upstream IdP and maps its answer to an {@link Identity}
 * (`UpstreamOAuthProvider`). Core owns `state`; the provider owns the upstream protocol.
 */
export interface RedirectIdentityProvider {
  readonly kind: 'redirect';
  /**
   * Starts an upstream login. `state` is an opaque, single-use value core generated and will
   * check on the callback; `redirectUri` is core's callback URL. Returns where to send the
   * browser and provider-private data (e.g. the upstream PKCE verifier) core keeps server-side
   * with the state.
   */
  startLogin(input: { state: string; redirectUri: string; scopes: readonly string[] }): Promise<{
    url: URL;
    data: StoreValue;
  }>;
  /**
   * Completes the login from the callback's query parameters (`state` already checked by
   * core) and the `data` returned by `startLogin`.
   */
  completeLogin(input: {
    params: URLSearchParams;
    redirectUri: string;
    data: StoreValue;
  }): Promise<{
    identity: Identity;
    upstreamTokens?: UpstreamTokens;
  }>;
  /**
   * Optional: redeems the upstream refresh token for new tokens (the token service calls it when
   * a tool asks for tokens near expiry). Rejects with an `invalid_grant` `OAuthError` when the
   * IdP refused the refresh token.
   */
  refreshTokens?(tokens: UpstreamTokens): Promise<UpstreamTokens>;
  /** Optional: revokes upstream tokens at the IdP (RFC 7009) when our grant is revoked. */
  revokeTokens?(tokens: UpstreamTokens): Promise<void>;
}

/** One of the identity provider kinds. */
export type IdentityProvider = LocalIdentityProvider | RedirectIdentityProvider;
