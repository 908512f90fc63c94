import type { TokenVerifier } from '../domain/auth-context.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { jsonResponse } from '../http/responses.js';
import type { Jwks } from '../jwt/keys.js';
import { scopeCovers } from '../policy/scopes.js';
import type { TokenService } from '../tokens/types.js';
import {
  type AuthorizationServerOptions,
  checkServerOptions,
  type ServerSettings,
} from './authorization-server-options.js';
import { startTokenService } from './authorization-server-keys.js';
import {
  type AuthorizationServerRoute,
  type Handler,
  RouteTable,
} from './authorization-server-routes.js';
import { AuthorizationFlow } from './authorize.js';
import { handleIntrospectionRequest } from './introspection-endpoint.js';
import {
  type AuthorizationServerMetadata,
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  protectedResourceMetadataUrl,
  wellKnownPath,
} from './metadata.js';
import { handleRegistrationRequest } from './registration-endpoint.js';
import { handleRevocationRequest } from './revocation-endpoint.js';
import type { GrantHandlers } from './grants/types.js';
import { defaultGrants, handleTokenRequest } from './token-endpoint.js';
import type { ClientRegistry } from './types.js';

export type {
  AuthorizationServerOptions,
  ClientRegistrationOptions,
  ConsentOptions,
} from './authorization-server-options.js';
export type { AuthorizationServerRoute } from './authorization-server-routes.js';

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
  handle(request: HttpRequest): Promise<HttpResponse>;
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
  const settings = checkServerOptions(options);
  const { issuer, resource, base, origin, store, scopesSupported, defaultScopes } = settings;
  const { clients } = settings.registration;
  const internals = startTokenService(options, settings);
  internals.catch(() => {});
  const tokenService = async () => (await internals).tokens;

  const paths = {
    authorize: `${base}/authorize`,
    login: `${base}/authorize/login`,
  /**
   * Re-reads a `signingKeys` loader now instead of waiting for `keyRingReloadSeconds` (e.g. on
   * SIGHUP after `mcp-auth keys rotate`); a no-op with fixed keys. Rejects when the new ring is
   * unusable (the last good one stays in use).
   */
  reloadSigningKeys(): Promise<void>;
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
    identityProvider: settings.provider,
    tokens: tokenService,
    signer: settings.signer,
    cookie: { secure: settings.secure },
    scopesSupported,
    coversScope: (granted, scope) =>
      options.policy?.coversScope !== undefined
        ? options.policy.coversScope(granted, scope)
        : scopeCovers(granted, scope),
    defaultScopes: defaultScopes ? () => defaultScopes : undefined,
    scopeDescriptions: settings.consent.scopeDescriptions ?? {},
    interactionTtlMs: settings.interactionTtlSeconds * 1000,
    consentTtlMs: settings.rememberForSeconds * 1000,
    maxLoginAttempts: settings.maxLoginAttempts,
    interactionCaps: settings.interactionCaps,
    clientAddress: settings.addressOf,
    now: settings.now,
  });

  const asymmetric =
    options.signingKeys !== undefined ||
    (typeof options.signingKey === 'object' &&
      !(options.signingKey instanceof Uint8Array) &&
      options.signingKey.type !== 'secret');
  const metadata = (): AuthorizationServerMetadata => serverMetadata(settings, paths, asymmetric);
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

  const table = new RouteTable(options.cors ?? true);
  const serveMetadata: Handler = async () => jsonResponse(200, metadata(), cacheable);
  for (const path of new Set([
    wellKnownPath('oauth-authorization-server', issuer),
    wellKnownPath('openid-configuration', issuer),
    `${base}/.well-known/openid-configuration`,
    `${base}/.well-known/oauth-authorization-server`,
  ])) {
    table.add('GET', path, serveMetadata, true);
  }
  const servePrm: Handler = async () => jsonResponse(200, protectedResourceMetadata(), cacheable);
  for (const path of new Set([
    wellKnownPath('oauth-protected-resource', resource),
    '/.well-known/oauth-protected-resource',
  ])) {
    table.add('GET', path, servePrm, true);
  }
  if (asymmetric) {
    table.add(
      'GET',
      paths.jwks,
      async () => jsonResponse(200, (await internals).jwks, cacheable),
      true,
    );
  }
  addEndpoints(table, paths, flow, { options, settings, tokenService });
  const routes = table.routes();

  return {
    issuer,
    resource,
    resourceMetadataUrl: protectedResourceMetadataUrl(resource),
    routes,
    tokenVerifier: { verify: async (token) => (await internals).verifier.verify(token) },
    clients,
    handle: (request) => table.handle(request),
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

    reloadSigningKeys: async () => {
      await (await internals).ring?.reload();
    },
// Metadata may be cached briefly; everything else is no-store.
const cacheable = { 'cache-control': 'public, max-age=300' };

type Paths = Readonly<
  Record<
    | 'authorize'
    | 'login'
    | 'consent'
    | 'callback'
    | 'token'
    | 'revoke'
    | 'introspect'
    | 'register'
    | 'jwks',
    string
  >
>;

// The RFC 8414 metadata document.
function serverMetadata(
  settings: ServerSettings,
  paths: Paths,
  asymmetric: boolean,
): AuthorizationServerMetadata {
  const { issuer, origin } = settings;
  const scopes = settings.scopesSupported();
  return {
    issuer,
    authorization_endpoint: origin + paths.authorize,
    token_endpoint: origin + paths.token,
    ...(settings.registration.enabled ? { registration_endpoint: origin + paths.register } : {}),
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
    ...(settings.registration.documents
      ? { client_id_metadata_document_supported: true as const }
      : {}),
  };
}

// The grant types this server's token endpoint serves, by `grant_type`.
function serverGrants(tokens: TokenService): GrantHandlers {
  return defaultGrants(tokens);
}

// The authorization flow's pages and the token, revocation, introspection and registration
// endpoints (after the metadata and JWKS routes, in this order).
function addEndpoints(
  table: RouteTable,
  paths: Paths,
  flow: AuthorizationFlow,
  context: {
    options: AuthorizationServerOptions;
    settings: ServerSettings;
    tokenService: () => Promise<TokenService>;
  },
): void {
  const { options, settings, tokenService } = context;
  const { provider, registration } = settings;
  const { clients } = registration;
  const authorize: Handler = (request) => flow.authorize(request);
  table.add('GET', paths.authorize, authorize);
  table.add('POST', paths.authorize, authorize);
  if (provider.kind === 'local') table.add('POST', paths.login, (request) => flow.login(request));
  table.add('POST', paths.consent, (request) => flow.consent(request));
  if (provider.kind === 'redirect')
    table.add('GET', paths.callback, (request) => flow.callback(request));
  table.add(
    'POST',
    paths.token,
    async (request) => {
      const tokens = await tokenService();
      return handleTokenRequest(request, { tokens, clients, grants: serverGrants(tokens) });
    },
    true,
  );
  table.add(
    'POST',
    paths.revoke,
    async (request) => handleRevocationRequest(request, { tokens: await tokenService(), clients }),
    true,
  );
  table.add('POST', paths.introspect, async (request) =>
    handleIntrospectionRequest(request, {
      tokens: await tokenService(),
      clients,
      ...(options.introspectionSecret !== undefined
        ? { resourceServerSecret: options.introspectionSecret }
        : {}),
      callers: settings.introspectionCallers,
    }),
  );
  if (registration.enabled) {
    table.add(
      'POST',
      paths.register,
      (request) =>
        handleRegistrationRequest(request, {
          clients,
          scopesSupported: settings.scopesSupported,
          onRegister: registration.options.onRegister,
          limiter: registration.limiter,
          rateLimitKey:
            registration.rateLimit === false
              ? undefined
              : (registration.rateLimit.key ?? settings.addressOf),
          globalLimiter: registration.globalLimiter,
        }),
      true,
    );
  }
}
