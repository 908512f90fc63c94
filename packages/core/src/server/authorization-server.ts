import { MethodNotAllowedError } from '../errors/oauth-error.js';
import { createLocalKeySet } from '../jwt/key-set.js';
import { createSecretKey, type Jwks, toPublicKey } from '../jwt/keys.js';
import type { JwtKey } from '../jwt/types.js';
import type { TokenVerifier } from '../domain/auth-context.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { createTokenService } from '../tokens/token-service.js';
import { checkUpstreamEncryptionKey } from '../tokens/upstream-crypto.js';
import type { TokenService } from '../tokens/types.js';
import { AuthorizationFlow } from './authorize.js';
import {
  type ClientIdMetadataDocumentOptions,
  ClientMetadataDocumentResolver,
} from './client-metadata-document.js';
import { ServerClientRegistry, type StaticClientConfig } from './client-registry.js';
import { createSigner } from './cookies.js';
import type { AuthRequest, AuthResponse } from '../http/messages.js';
import { handleIntrospectionRequest } from './introspection-endpoint.js';
import {
  type AuthorizationServerMetadata,
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  protectedResourceMetadataUrl,
  wellKnownPath,
} from './metadata.js';
import { checkScopes, scopeCovers } from '../policy/scopes.js';
import { clientAddress } from '../http/messages.js';
import { StoreRateLimiter } from './rate-limit.js';
import { isExactLoopbackHost } from '../net/host.js';
import { handleRegistrationRequest, type RegistrationHook } from './registration-endpoint.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import { handleRevocationRequest } from './revocation-endpoint.js';
import { handleTokenRequest } from './token-endpoint.js';
import type { ClientRegistry, IdentityProvider } from './types.js';
import type { Identity } from '../domain/identity.js';

/** Options of RFC 7591 dynamic client registration. */
export interface ClientRegistrationOptions {
  /**
   * Called with the validated metadata before a client is stored; return `false` to refuse
   * the registration (403 `access_denied`).
   */
  onRegister?: RegistrationHook;
  /** A registration never used for an authorization expires after this. Default 86,400 (1 day). */
  unusedTtlSeconds?: number;
  /** A used registration expires this long after its last authorization. Default 180 days. */
  usedTtlSeconds?: number;
  /**
   * At most `max` registrations per `windowSeconds` per caller (`key(request)`, default the
   * caller's address — see `trustedProxyHops`; callers whose address is unknown share one
   * bucket), and at most `globalMax` per window from everyone together as a last resort;
   * over either → 429 with `Retry-After`. Counted in the store, so instances sharing a
   * `RedisStore` share the counts. `false` turns both off.
   * Default `{ max: 20, windowSeconds: 60, globalMax: 120 }`.
   */
  rateLimit?:
    | false
    | {
        max: number;
        windowSeconds: number;
        key?: (request: AuthRequest) => string | undefined;
        globalMax?: number | false;
      };
}

/** Options of the login/consent pages and remembered consent. */
export interface ConsentOptions {
  /**
   * The HMAC secret (≥ 32 bytes) signing interaction cookies and CSRF tokens. Default: random
   * per process — set it when several instances serve the same issuer.
   */
  cookieSecret?: string | Uint8Array;
  /**
   * How long an approval is remembered per user + client + scopes, in seconds (the consent
   * page is skipped while the requested scopes stay within it). `0` turns it off.
   * Default 2,592,000 (30 days). Revoke with {@link AuthorizationServer.revokeConsent}.
   */
  rememberForSeconds?: number;
  /** Human descriptions of scopes for the consent page (`{ 'weather:read': 'Read the weather' }`). */
  scopeDescriptions?: Readonly<Record<string, string>>;
}

/** Options of {@link createAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /**
   * The issuer identifier (RFC 8414 §2): `https://…` (or `http://` on a loopback host for
   * development), no query, no fragment, no trailing slash. Endpoint URLs derive from it;
   * it is never taken from a request's `Host` header.
   */
  issuer: string;
  /** The protected resource: the MCP endpoint URL (e.g. `https://host/mcp`), the tokens' `aud`. */
  resource: string;
  /**
   * The access-token signing key: an HMAC secret (≥ 32 bytes; HS256) for one service, or an
   * asymmetric private `JwtKey` (ES256, EdDSA, …) whose public key is published as a JWKS.
   */
  signingKey: JwtKey | string | Uint8Array;
  /** Older public keys still accepted and published in the JWKS during `kid` rotation. */
  verificationKeys?: readonly JwtKey[];
  /** Where codes, clients, interactions and tokens live. Default a new {@link MemoryStore}. */
  store?: Store;
  /** Who the user is: `DevIdentityProvider` (local users) or an upstream OAuth provider. */
  identityProvider: IdentityProvider;
  /** The policy engine; its `scopesSupported()` fills `scopes_supported`. */
  policy?: {
    scopesSupported(): readonly string[];
    /** The policy's coverage rule (scope hierarchy, wildcards); default exact and `:*` matches. */
    coversScope?(granted: readonly string[], scope: string): boolean;
  };
  /** Scopes advertised and accepted, instead of (or without) a policy. */
  scopesSupported?: readonly string[];
  /**
   * Scopes requested when an authorization request has no `scope` and the client registered
   * none. Default: every supported scope (the user can untick them on the consent page).
   */
  defaultScopes?: readonly string[];
  /** Clients configured in code. */
  clients?: readonly StaticClientConfig[];
  /** RFC 7591 dynamic registration: on by default; `false` turns it off. */
  registration?: boolean | ClientRegistrationOptions;
  /** Accept URL `client_id`s (Client ID Metadata Documents). Off by default. */
  clientIdMetadataDocuments?: boolean | ClientIdMetadataDocumentOptions;
  /** Login/consent pages and remembered consent. */
  consent?: ConsentOptions;
  /** How long a user has to complete login and consent, in seconds. Default 600. */
  interactionTtlSeconds?: number;
  /** Failed password attempts per authorization before it is abandoned. Default 5. */
  maxLoginAttempts?: number;
  /**
   * Caps on authorizations started per window of `interactionTtlSeconds`: per client
   * (default 10,000) and per caller address (default 100); over either → a 429 page. They keep
   * one caller from filling the store with pending sign-ins. `false` turns one off.
   */
  interactionLimits?: { perClient?: number | false; perAddress?: number | false };
  /**
   * How many reverse proxies in front of the server append to `X-Forwarded-For`: the caller's
   * address for per-address limits is then read that many entries from the right. Default 0:
   * `X-Forwarded-For` is ignored (any client can send it) and the connection's address
   * (`AuthRequest.remoteAddress`) is used.
   */
  trustedProxyHops?: number;
  /** Access-token lifetime in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token lifetime in seconds. Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Authorization-code lifetime in seconds. Default 60. */
  codeTtlSeconds?: number;
  /** Maps an identity to extra access-token claims. Default: its attributes. */
  claims?: (identity: Identity) => Record<string, unknown>;
  /**
   * Encrypts upstream IdP tokens at rest (see the token service): at least 32 random bytes,
   * base64url (≥ 43 characters, `mcp-auth keys generate`) or hex (≥ 64 characters).
   */
  upstreamEncryptionKey?: string;
  /**
   * A shared secret resource servers present at the introspection endpoint (≥ 32 chars).
   * Introspection is open only to resource servers: callers with this secret, and static
   * clients configured with `resourceServer: true`. Other clients get 401 `invalid_client`.
   */
  introspectionSecret?: string;
  /**
   * `'own-tokens'` also lets any confidential client introspect, seeing `{"active": false}`
   * for every token issued to another client. Default `'resource-servers'` (see
   * `introspectionSecret`).
   */
  introspectionCallers?: 'resource-servers' | 'own-tokens';
  /**
   * After a refresh token is rotated, the same client presenting it again within this many
   * seconds (e.g. two parallel refreshes) gets `invalid_grant` without the grant being revoked,
   * so the winner's new tokens stay valid; later, or from another client, it is reuse and
   * revokes the grant (RFC 9700 §4.14.2). `0` treats every repeat as reuse. Default 10.
   */
  refreshTokenReuseGraceSeconds?: number;
  /** `resource_name` of the protected resource metadata. */
  resourceName?: string;
  /** `resource_documentation` of the protected resource metadata. */
  resourceDocumentation?: string;
  /**
   * CORS (`Access-Control-Allow-Origin: *`) on metadata, JWKS, registration, token and
   * revocation, for browser-based MCP clients. Never on the authorization pages or
   * introspection. Default `true`.
   */
  cors?: boolean;
  /** A token service to use instead of the one built from these options (advanced). */
  tokenService?: TokenService;
  /** Clock in milliseconds since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
}

/** One route an adapter mounts. */
export interface AuthorizationServerRoute {
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  /** The absolute path on the issuer's origin. */
  readonly path: string;
}

/** The OAuth 2.1 authorization server: handlers for every endpoint, as one object. */
export interface AuthorizationServer {
  /** The issuer identifier, exactly as configured. */
  readonly issuer: string;
  /** The protected resource (MCP endpoint URL). */
  readonly resource: string;
  /** The URL of the protected resource metadata, for `WWW-Authenticate` challenges. */
  readonly resourceMetadataUrl: string;
  /** Every route `handle` answers; adapters mount exactly these. */
  readonly routes: readonly AuthorizationServerRoute[];
  /** A revocation-aware verifier of the access tokens this server issues. */
  readonly tokenVerifier: TokenVerifier;
  /** The clients: static, registered and metadata-document ones. */
  readonly clients: ClientRegistry;
  /**
   * Handles one request: routes by path and method (unknown path → 404 JSON, wrong method →
   * 405 with `Allow`). Never rejects: every failure is a response.
   */
  handle(request: AuthRequest): Promise<AuthResponse>;
  /** The RFC 8414 metadata document. */
  metadata(): AuthorizationServerMetadata;
  /** The RFC 9728 protected resource metadata document. */
  protectedResourceMetadata(): ProtectedResourceMetadata;
  /** The public JWKS, or `undefined` with an HMAC key. */
  jwks(): Promise<Jwks | undefined>;
  /** The token service (for `revokeGrant`, `getUpstreamTokens`, …). */
  tokenService(): Promise<TokenService>;
  /** Forgets a user's remembered consent for a client. */
  revokeConsent(userId: string, clientId: string): Promise<void>;
  /** Resolves once keys are imported; rejects when the key configuration is unusable. */
  ready(): Promise<void>;
}

type Handler = (request: AuthRequest) => Promise<AuthResponse>;

const DAY = 86_400;

/**
 * Creates the OAuth 2.1 authorization server for an MCP resource: RFC 8414 / RFC 9728
 * metadata, RFC 7591 registration, Client ID Metadata Documents, the authorization endpoint
 * with login and consent pages, token, revocation and introspection. Options are checked here
 * (a `TypeError` says what to fix); keys are imported in the background ({@link
 * AuthorizationServer.ready}).
 */
export function createAuthorizationServer(
  options: AuthorizationServerOptions,
): AuthorizationServer {
  const where = 'createAuthorizationServer';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options are required`);
  }
  const issuer = checkIssuer(options.issuer);
  const resource = checkResource(options.resource);
  const issuerUrl = new URL(issuer);
  const base = issuerUrl.pathname === '/' ? '' : issuerUrl.pathname;
  const origin = issuerUrl.origin;
  const now = options.now ?? Date.now;
  const store = options.store ?? new MemoryStore();
  checkStore(store);
  const provider = options.identityProvider;
  if (!provider || (provider.kind !== 'local' && provider.kind !== 'redirect')) {
    throw new TypeError(
      `${where}: identityProvider is required (e.g. new DevIdentityProvider({ users: [...] }))`,
    );
  }
  if (options.policy !== undefined && typeof options.policy.scopesSupported !== 'function') {
    throw new TypeError(`${where}: policy must have a scopesSupported() method`);
  }
  const fixedScopes =
    options.scopesSupported === undefined
      ? undefined
      : checkScopeOption(options.scopesSupported, 'scopesSupported');
  const scopesSupported = (): readonly string[] =>
    fixedScopes ?? [...new Set(options.policy?.scopesSupported() ?? [])];
  const defaultScopes =
    options.defaultScopes === undefined
      ? undefined
      : checkScopeOption(options.defaultScopes, 'defaultScopes');
  const interactionTtl = seconds(options.interactionTtlSeconds ?? 600, 'interactionTtlSeconds');
  const consent = options.consent ?? {};
  const rememberFor = consent.rememberForSeconds ?? 30 * DAY;
  if (!Number.isFinite(rememberFor) || rememberFor < 0) {
    throw new TypeError(`${where}: consent.rememberForSeconds must be 0 or a positive number`);
  }
  const maxLoginAttempts = options.maxLoginAttempts ?? 5;
  if (!Number.isInteger(maxLoginAttempts) || maxLoginAttempts < 1) {
    throw new TypeError(`${where}: maxLoginAttempts must be a positive integer`);
  }
  if (
    options.introspectionSecret !== undefined &&
    (typeof options.introspectionSecret !== 'string' || options.introspectionSecret.length < 32)
  ) {
    throw new TypeError(`${where}: introspectionSecret must be a string of at least 32 characters`);
  }
  if (
    options.identityProvider?.kind === 'redirect' &&
    options.upstreamEncryptionKey === undefined &&
    options.tokenService === undefined
  ) {
    // Upstream IdP tokens are kept server-side; never at rest in clear (ARCHITECTURE: Tokens).
    throw new TypeError(
      `${where}: upstreamEncryptionKey is required with an upstream identity provider (≥ 32 random bytes, base64url or hex; generate one with \`mcp-auth keys generate\`)`,
    );
  }
  if (options.upstreamEncryptionKey !== undefined) {
    checkUpstreamEncryptionKey(options.upstreamEncryptionKey, where);
  }
  const introspectionCallers = options.introspectionCallers ?? 'resource-servers';
  if (introspectionCallers !== 'resource-servers' && introspectionCallers !== 'own-tokens') {
    throw new TypeError(
      `${where}: introspectionCallers must be 'resource-servers' or 'own-tokens'`,
    );
  }
  const signer = createSigner(consent.cookieSecret, `${where}: consent.cookieSecret`);
  const secure = issuerUrl.protocol === 'https:';

  const registration = options.registration ?? true;
  const registrationOptions: ClientRegistrationOptions =
    typeof registration === 'object' ? registration : {};
  const cimd = options.clientIdMetadataDocuments ?? false;
  const documents = cimd
    ? new ClientMetadataDocumentResolver(store, cimd === true ? {} : cimd, scopesSupported)
    : undefined;
  const clients = new ServerClientRegistry(
    store,
    options.clients ?? [],
    documents,
    {
      unusedTtlMs:
        seconds(registrationOptions.unusedTtlSeconds ?? DAY, 'registration.unusedTtlSeconds') *
        1000,
      usedTtlMs:
        seconds(registrationOptions.usedTtlSeconds ?? 180 * DAY, 'registration.usedTtlSeconds') *
        1000,
    },
    now,
  );
  const trustedProxyHops = options.trustedProxyHops ?? 0;
  if (!Number.isInteger(trustedProxyHops) || trustedProxyHops < 0 || trustedProxyHops > 10) {
    throw new TypeError(`${where}: trustedProxyHops must be an integer from 0 to 10`);
  }
  const addressOf = (request: AuthRequest) => clientAddress(request, trustedProxyHops);
  const rateLimit = registrationOptions.rateLimit ?? { max: 20, windowSeconds: 60 };
  const rateWindowMs =
    rateLimit === false
      ? 0
      : seconds(rateLimit.windowSeconds, 'registration.rateLimit.windowSeconds') * 1000;
  const limiter =
    rateLimit === false
      ? undefined
      : new StoreRateLimiter(
          store,
          'register',
          positiveInteger(rateLimit.max, 'registration.rateLimit.max'),
          rateWindowMs,
        );
  const globalMax = rateLimit === false ? false : (rateLimit.globalMax ?? 120);
  const globalLimiter =
    globalMax === false
      ? undefined
      : new StoreRateLimiter(
          store,
          'register-all',
          positiveInteger(globalMax, 'registration.rateLimit.globalMax'),
          rateWindowMs,
        );
  const interactionLimits = options.interactionLimits ?? {};
  const capOf = (value: number | false | undefined, fallback: number, name: string) =>
    value === false ? undefined : positiveInteger(value ?? fallback, `interactionLimits.${name}`);
  const interactionCaps = {
    perClient: capOf(interactionLimits.perClient, 10_000, 'perClient'),
    perAddress: capOf(interactionLimits.perAddress, 100, 'perAddress'),
  };

  // Keys: validated now, imported asynchronously.
  const keys = prepareKeys(options.signingKey, options.verificationKeys);
  const internals = keys.then(async ({ signingKey, verificationKey, jwks }) => {
    const tokens =
      options.tokenService ??
      createTokenService({
        store,
        issuer,
        signingKey,
        ...(verificationKey ? { verificationKey } : {}),
        resource,
        ...(options.accessTokenTtlSeconds !== undefined
          ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
          : {}),
        ...(options.refreshTokenTtlSeconds !== undefined
          ? { refreshTokenTtlSeconds: options.refreshTokenTtlSeconds }
          : {}),
        ...(options.codeTtlSeconds !== undefined ? { codeTtlSeconds: options.codeTtlSeconds } : {}),
        ...(options.claims ? { claims: options.claims } : {}),
        ...(options.upstreamEncryptionKey !== undefined
          ? { upstreamEncryptionKey: options.upstreamEncryptionKey }
          : {}),
        ...(options.refreshTokenReuseGraceSeconds !== undefined
          ? { refreshReuseGraceSeconds: options.refreshTokenReuseGraceSeconds }
          : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    return { tokens, verifier: tokens.createAccessTokenVerifier(), jwks };
  });
  internals.catch(() => {});
  const tokenService = async () => (await internals).tokens;

  const paths = {
    authorize: `${base}/authorize`,
    login: `${base}/authorize/login`,
    consent: `${base}/authorize/consent`,
    callback: `${base}/oauth/callback`,
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    introspect: `${base}/introspect`,
    register: `${base}/register`,
    jwks: `${base}/jwks.json`,
  };
  const flow = new AuthorizationFlow({
    issuer,
    resource,
    serviceName: options.resourceName ?? new URL(resource).host,
    origin,
    paths,
    store,
    clients,
    identityProvider: provider,
    tokens: tokenService,
    signer,
    cookie: { secure },
    scopesSupported,
    coversScope: (granted, scope) =>
      options.policy?.coversScope !== undefined
        ? options.policy.coversScope(granted, scope)
        : scopeCovers(granted, scope),
    defaultScopes: defaultScopes ? () => defaultScopes : undefined,
    scopeDescriptions: consent.scopeDescriptions ?? {},
    interactionTtlMs: interactionTtl * 1000,
    consentTtlMs: rememberFor * 1000,
    maxLoginAttempts,
    interactionCaps,
    clientAddress: addressOf,
    now,
  });

  const asymmetric =
    typeof options.signingKey === 'object' &&
    !(options.signingKey instanceof Uint8Array) &&
    options.signingKey.type !== 'secret';
  const metadata = (): AuthorizationServerMetadata => {
    const scopes = scopesSupported();
    const doc: AuthorizationServerMetadata = {
      issuer,
      authorization_endpoint: origin + paths.authorize,
      token_endpoint: origin + paths.token,
      ...(registration ? { registration_endpoint: origin + paths.register } : {}),
      revocation_endpoint: origin + paths.revoke,
      introspection_endpoint: origin + paths.introspect,
      ...(asymmetric ? { jwks_uri: origin + paths.jwks } : {}),
      ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: [
        'none',
        'client_secret_basic',
        'client_secret_post',
      ],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      authorization_response_iss_parameter_supported: true,
      ...(documents ? { client_id_metadata_document_supported: true as const } : {}),
    };
    return doc;
  };
  const protectedResourceMetadata = (): ProtectedResourceMetadata =>
    createProtectedResourceMetadata({
      resource,
      authorizationServers: [issuer],
      scopesSupported: scopesSupported(),
      ...(options.resourceName !== undefined ? { resourceName: options.resourceName } : {}),
      ...(options.resourceDocumentation !== undefined
        ? { resourceDocumentation: options.resourceDocumentation }
        : {}),
    });

  const cors = options.cors ?? true;
  const table = new Map<string, Map<string, Handler>>();
  const corsPaths = new Set<string>();
  const add = (method: 'GET' | 'POST', path: string, handler: Handler, withCors = false) => {
    let methods = table.get(path);
    if (!methods) {
      methods = new Map();
      table.set(path, methods);
    }
    methods.set(method, handler);
    if (withCors && cors) corsPaths.add(path);
  };
  const serveMetadata: Handler = async () => jsonResponse(200, metadata(), cacheable);
  for (const path of new Set([
    wellKnownPath('oauth-authorization-server', issuer),
    wellKnownPath('openid-configuration', issuer),
    `${base}/.well-known/openid-configuration`,
    `${base}/.well-known/oauth-authorization-server`,
  ])) {
    add('GET', path, serveMetadata, true);
  }
  const servePrm: Handler = async () => jsonResponse(200, protectedResourceMetadata(), cacheable);
  for (const path of new Set([
    wellKnownPath('oauth-protected-resource', resource),
    '/.well-known/oauth-protected-resource',
  ])) {
    add('GET', path, servePrm, true);
  }
  if (asymmetric) {
    add('GET', paths.jwks, async () => jsonResponse(200, (await internals).jwks, cacheable), true);
  }
  const authorize: Handler = (request) => flow.authorize(request);
  add('GET', paths.authorize, authorize);
  add('POST', paths.authorize, authorize);
  if (provider.kind === 'local') add('POST', paths.login, (request) => flow.login(request));
  add('POST', paths.consent, (request) => flow.consent(request));
  if (provider.kind === 'redirect') add('GET', paths.callback, (request) => flow.callback(request));
  add(
    'POST',
    paths.token,
    async (request) => handleTokenRequest(request, { tokens: await tokenService(), clients }),
    true,
  );
  add(
    'POST',
    paths.revoke,
    async (request) => handleRevocationRequest(request, { tokens: await tokenService(), clients }),
    true,
  );
  add('POST', paths.introspect, async (request) =>
    handleIntrospectionRequest(request, {
      tokens: await tokenService(),
      clients,
      ...(options.introspectionSecret !== undefined
        ? { resourceServerSecret: options.introspectionSecret }
        : {}),
      callers: introspectionCallers,
    }),
  );
  if (registration) {
    add(
      'POST',
      paths.register,
      (request) =>
        handleRegistrationRequest(request, {
          clients,
          scopesSupported,
          onRegister: registrationOptions.onRegister,
          limiter,
          rateLimitKey: rateLimit === false ? undefined : (rateLimit.key ?? addressOf),
          globalLimiter,
        }),
      true,
    );
  }

  const routes: AuthorizationServerRoute[] = [];
  for (const [path, methods] of table) {
    for (const method of methods.keys()) routes.push({ method: method as 'GET' | 'POST', path });
    if (corsPaths.has(path)) routes.push({ method: 'OPTIONS', path });
  }

  const handle = async (request: AuthRequest): Promise<AuthResponse> => {
    const path = request.url.pathname;
    const methods = table.get(path);
    if (!methods) {
      return jsonResponse(404, { error: 'not_found', error_description: 'No such endpoint' });
    }
    const withCors = corsPaths.has(path);
    const allowed = [...methods.keys()];
    if (request.method === 'OPTIONS' && withCors) {
      return {
        status: 204,
        headers: {
          allow: [...allowed, 'OPTIONS'].join(', '),
          'access-control-allow-origin': '*',
          'access-control-allow-methods': [...allowed, 'OPTIONS'].join(', '),
          'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version',
          'access-control-max-age': '600',
        },
      };
    }
    const handler = methods.get(request.method);
    let response: AuthResponse;
    if (!handler) {
      response = errorResponse(
        new MethodNotAllowedError(withCors ? [...allowed, 'OPTIONS'] : allowed),
      );
    } else {
      try {
        response = await handler(request);
      } catch (error) {
        response = errorResponse(error);
      }
    }
    if (!withCors) return response;
    return {
      ...response,
      headers: {
        ...response.headers,
        'access-control-allow-origin': '*',
        'access-control-expose-headers': 'www-authenticate',
      },
    };
  };

  return {
    issuer,
    resource,
    resourceMetadataUrl: protectedResourceMetadataUrl(resource),
    routes,
    tokenVerifier: { verify: async (token) => (await internals).verifier.verify(token) },
    clients,
    handle,
    metadata,
    protectedResourceMetadata,
    jwks: async () => (await internals).jwks,
    tokenService,
    revokeConsent: (userId, clientId) => flow.revokeConsent(userId, clientId),
    ready: async () => {
      await internals;
    },
  };
}

// Metadata may be cached briefly; everything else is no-store.
const cacheable = { 'cache-control': 'public, max-age=300' };

function checkIssuer(value: unknown): string {
  const where = 'createAuthorizationServer: issuer';
  if (typeof value !== 'string') throw new TypeError(`${where} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${where} must be an absolute URL such as https://auth.example.com`);
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    throw new TypeError(`${where} must not have a query or fragment (RFC 8414 §2)`);
  }
  if (url.username || url.password)
    throw new TypeError(`${where} must not contain user information`);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && isExactLoopbackHost(url.hostname))
  ) {
    throw new TypeError(
      `${where} must use https (http only on localhost/127.0.0.1 for development)`,
    );
  }
  if (value.endsWith('/')) throw new TypeError(`${where} must not end with a slash`);
  if (url.href !== value && url.href !== `${value}/`) {
    throw new TypeError(`${where} must be in normalized form (${url.href.replace(/\/$/, '')})`);
  }
  return value;
}

function checkResource(value: unknown): string {
  const where = 'createAuthorizationServer: resource';
  if (typeof value !== 'string') throw new TypeError(`${where} must be the MCP endpoint URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${where} must be an absolute URL such as https://host/mcp`);
  }
  if (url.hash || value.includes('#'))
    throw new TypeError(`${where} must not have a fragment (RFC 8707 §2)`);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && isExactLoopbackHost(url.hostname))
  ) {
    throw new TypeError(
      `${where} must use https (http only on localhost/127.0.0.1 for development)`,
    );
  }
  return value;
}

function checkStore(store: Store): void {
  for (const method of ['get', 'set', 'setIfAbsent', 'take', 'delete'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new TypeError(`createAuthorizationServer: store must implement ${method}()`);
    }
  }
}

function checkScopeOption(scopes: unknown, name: string): readonly string[] {
  return Object.freeze(checkScopes(scopes, `createAuthorizationServer: ${name}`));
}

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createAuthorizationServer: ${name} must be a positive number of seconds`);
  }
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createAuthorizationServer: ${name} must be a positive integer`);
  }
  return value;
}

interface PreparedKeys {
  signingKey: JwtKey;
  verificationKey: JwtKey | Awaited<ReturnType<typeof createLocalKeySet>> | undefined;
  jwks: Jwks | undefined;
}

function prepareKeys(
  key: JwtKey | string | Uint8Array,
  verificationKeys: readonly JwtKey[] | undefined,
): Promise<PreparedKeys> {
  const where = 'createAuthorizationServer: signingKey';
  if (typeof key === 'string' || key instanceof Uint8Array) {
    const length = typeof key === 'string' ? new TextEncoder().encode(key).length : key.length;
    if (length < 32) {
      throw new TypeError(
        `${where}: an HS256 secret must be at least 32 bytes (use generateSecret())`,
      );
    }
    if (verificationKeys?.length) {
      throw new TypeError(
        'createAuthorizationServer: verificationKeys need an asymmetric signingKey',
      );
    }
    const p = createSecretKey(key).then((signingKey) => ({
      signingKey,
      verificationKey: undefined,
      jwks: undefined,
    }));
    return p;
  }
  if (typeof key !== 'object' || key === null || typeof key.alg !== 'string') {
    throw new TypeError(`${where} must be a secret (≥ 32 bytes) or a JwtKey`);
  }
  if (key.type === 'public') {
    throw new TypeError(`${where} must be a private key or a secret, not a public key`);
  }
  if (key.type === 'secret') {
    return Promise.resolve({ signingKey: key, verificationKey: undefined, jwks: undefined });
  }
  for (const k of verificationKeys ?? []) {
    if (typeof k !== 'object' || k === null || k.type === 'secret') {
      throw new TypeError('createAuthorizationServer: verificationKeys must be asymmetric JwtKeys');
    }
  }
  return (async () => {
    const publicKeys = [await toPublicKey(key)];
    for (const k of verificationKeys ?? []) publicKeys.push(await toPublicKey(k));
    const set = await createLocalKeySet(publicKeys);
    return { signingKey: key, verificationKey: set, jwks: set.toJSON() };
  })();
}
