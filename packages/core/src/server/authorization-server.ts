import type { TokenVerifier } from '../domain/auth-context.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { jsonResponse } from '../http/responses.js';
import type { Jwks } from '../jwt/keys.js';
import type { TokenService } from '../tokens/types.js';
import type { Store } from '../store/store.js';
import type { GrantManager } from '../tokens/grants.js';
import { createGrantsPage } from './grants-page.js';
import { createSessionCookies, type SessionCookies } from './session.js';
import type { PageRenderer } from './ui/template.js';
import type { ResourceDpopOptions } from '../tokens/dpop.js';
import {
  type AuthorizationServerOptions,
  checkServerOptions,
  type ServerSettings,
} from './authorization-server-options.js';
import { startTokenService } from './authorization-server-keys.js';
import {
  addResourceMetadataRoutes,
  findResource,
  flowResources,
  resourceMetadata,
  resourceVerifiers,
} from './authorization-server-resources.js';
import {
  type AuthorizationServerRoute,
  type Handler,
  RouteTable,
} from './authorization-server-routes.js';
import { AuthorizationFlow } from './authorize.js';
import { PolicyEngine } from '../policy/engine.js';
import { observePolicyDecisions } from '../policy/observe.js';
import type { AuditRecorder } from '../observability/audit.js';
import type { Instrumentation } from '../observability/instrumentation.js';
import { handleIntrospectionRequest } from './introspection-endpoint.js';
import {
  type AuthorizationServerMetadata,
  type ProtectedResourceMetadata,
  protectedResourceMetadataUrl,
  wellKnownPath,
} from './metadata.js';
import { handleRegistrationRequest } from './registration-endpoint.js';
import { handleRevocationRequest } from './revocation-endpoint.js';
import type { GrantHandler, GrantHandlers } from './grants/types.js';
import { clientCredentialsEnabled, clientCredentialsGrant } from './grants/client-credentials.js';
import { jwtBearerGrant } from './grants/jwt-bearer.js';
import { TOKEN_EXCHANGE_GRANT_TYPE, tokenExchangeGrant } from './grants/token-exchange.js';
import { ID_JAG_GRANT_PROFILE, JWT_BEARER_GRANT_TYPE } from './identity-assertion.js';
import { scopeCovers } from '../policy/scopes.js';
import { DEFAULT_ASSERTION_ALGORITHMS } from '../jwt/assertion.js';
import { defaultGrants, handleTokenRequest } from './token-endpoint.js';
import type { ClientRegistry } from './types.js';

export type {
  AuthorizationServerOptions,
  ClientRegistrationOptions,
  ConsentOptions,
  ProtectedResourceOptions,
} from './authorization-server-options.js';
export type { AuthorizationServerRoute } from './authorization-server-routes.js';

/** The OAuth 2.1 authorization server: handlers for every endpoint, as one object. */
export interface AuthorizationServer {
  /** The issuer identifier, exactly as configured. */
  readonly issuer: string;
  /**
   * The protected resource (MCP endpoint URL). With `resources`, the first one; a
   * {@link AuthorizationServer.forResource} view answers for another.
   */
  readonly resource: string;
  /** The URL of `resource`'s protected resource metadata, for `WWW-Authenticate` challenges. */
  readonly resourceMetadataUrl: string;
  /** The URLs of every protected resource this server issues tokens for, in configured order. */
  readonly resources: readonly string[];
  /** Every route `handle` answers; adapters mount exactly these. */
  readonly routes: readonly AuthorizationServerRoute[];
  /**
   * A revocation-aware verifier of the access tokens this server issues for `resource`: a token
   * whose `aud` is another resource is refused.
   */
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
  /** The RFC 9728 protected resource metadata document of `resource`. */
  protectedResourceMetadata(): ProtectedResourceMetadata;
  /**
   * This server as seen by one of its resources: the same endpoints and state, with `resource`,
   * `resourceMetadataUrl`, `tokenVerifier` and `protectedResourceMetadata()` of `url`, so any
   * adapter mounts that resource with it (`mcpAuth({ server: server.forResource(url), policy })`).
   *
   * @throws TypeError when `url` is not one of {@link AuthorizationServer.resources}.
   */
  forResource(url: string): AuthorizationServer;
  /**
   * DPoP for the resource guards wired from this server (`mcpAuth`, or the guard's `dpop`
   * option): its store, algorithms and nonce secret, with `resourceUrl` = `resource`.
   * `undefined` when the server's `dpop` option is off.
   */
  readonly dpop: ResourceDpopOptions | undefined;
  /** The public JWKS, or `undefined` with an HMAC key. */
  jwks(): Promise<Jwks | undefined>;
  /** The token service (for `revokeGrant`, `getUpstreamTokens`, …). */
  tokenService(): Promise<TokenService>;
  /** Forgets a user's remembered consent for a client. */
  revokeConsent(userId: string, clientId: string): Promise<void>;
  /**
   * Grant management (docs/grant-management.md): `list(userId)` what a user granted (client,
   * scopes, resource, created, last used); `revoke(userId, grantId)` and `revokeAll(userId)`
   * kill the grants' access and refresh tokens at once on every instance sharing the store, and
   * forget the remembered consent; `deleteClient(clientId)` removes a client and everything it
   * holds. The same as the signed-in user's page at `<base>/grants`.
   */
  readonly grants: GrantManager;
  /** Resolves once keys are imported; rejects when the key configuration is unusable. */
  ready(): Promise<void>;
  /** `options.instrumentation`: mounts (`mcpAuth({ server })`) trace the MCP endpoint with it. */
  readonly instrumentation: Instrumentation | undefined;
  /** `options.audit`: mounts record their decisions in it. */
  readonly audit: AuditRecorder | undefined;
  /**
   * Re-reads a `signingKeys` loader now instead of waiting for `keyRingReloadSeconds` (e.g. on
   * SIGHUP after `mcp-auth keys rotate`); a no-op with fixed keys. Rejects when the new ring is
   * unusable (the last good one stays in use).
   */
  reloadSigningKeys(): Promise<void>;
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
  bindRateLimitStore(options.policy, settings.store);
  const { issuer, resource, base, origin, store } = settings;
  const { clients } = settings.registration;
  const internals = startTokenService(options, settings);
  // Once started, the verifier is called directly: no await of `internals` on every request.
  // (A start-up failure is handled: `ready()` and every request that needs the service report it.)
  let started: Awaited<typeof internals> | undefined;
  internals.then(
    (value) => {
      started = value;
    },
    () => {},
  );
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
    grants: `${base}/grants`,
  };
  const session = createSessionCookies({
    signer: settings.signer,
    cookie: { secure: settings.secure },
    now: settings.now,
    store: settings.store,
  });
  const flow = new AuthorizationFlow({
    issuer,
    audit: options.audit,
    resources: flowResources(settings),
    origin,
    paths,
    store,
    clients,
    identityProvider: settings.provider,
    tokens: tokenService,
    signer: settings.signer,
    cookie: { secure: settings.secure },
    pages: settings.pages,
    scopeDescriptions: settings.consent.scopeDescriptions ?? {},
    interactionTtlMs: settings.interactionTtlSeconds * 1000,
    consentTtlMs: settings.rememberForSeconds * 1000,
    maxLoginAttempts: settings.maxLoginAttempts,
    interactionCaps: settings.interactionCaps,
    clientAddress: settings.addressOf,
    now: settings.now,
    session,
    dpop: settings.dpop !== undefined,
  });

  const asymmetric =
    options.signingKeys !== undefined ||
    (typeof options.signingKey === 'object' &&
      !(options.signingKey instanceof Uint8Array) &&
      options.signingKey.type !== 'secret');
  const grantTypes = Object.keys(serverGrantFactories(settings, options));
  const metadata = (): AuthorizationServerMetadata =>
    serverMetadata(settings, paths, asymmetric, grantTypes);
  const protectedResourceMetadata = (): ProtectedResourceMetadata =>
    resourceMetadata(issuer, findResource(settings, resource), settings.dpop);

  const table = new RouteTable(options.cors ?? true, options.instrumentation);
  if (options.policy instanceof PolicyEngine) observePolicyDecisions(options.policy, options); // decisions: audit events and metrics
  const serveMetadata: Handler = async () => jsonResponse(200, metadata(), cacheable);
  for (const path of new Set([
    wellKnownPath('oauth-authorization-server', issuer),
    wellKnownPath('openid-configuration', issuer),
    `${base}/.well-known/openid-configuration`,
    `${base}/.well-known/oauth-authorization-server`,
  ])) {
    table.add('GET', path, serveMetadata, true);
  }
  addResourceMetadataRoutes(table, settings, cacheable);
  if (asymmetric) {
    table.add(
      'GET',
      paths.jwks,
      async () => jsonResponse(200, (await internals).jwks, cacheable),
      true,
    );
  }
  addEndpoints(table, paths, flow, { options, settings, tokenService });
  const grants = addGrantManagement(table, {
    path: paths.grants,
    origin,
    session,
    pages: settings.pages,
    serviceName: options.resourceName ?? new URL(resource).host,
    tokenService,
    forgetConsent: (userId, clientId) => flow.revokeConsent(userId, clientId),
  });
  const routes = table.routes();

  const verifierFor = resourceVerifiers(settings, tokenService);
  const server: AuthorizationServer = {
    issuer,
    resource,
    resourceMetadataUrl: protectedResourceMetadataUrl(resource),
    resources: settings.resources.map((r) => r.url),
    routes,
    tokenVerifier: {
      verify: (token) =>
        started !== undefined
          ? started.verifier.verify(token)
          : internals.then((value) => value.verifier.verify(token)),
    },
    dpop: resourceDpop(settings, resource),
    clients,
    handle: (request) => table.handle(request),
    metadata,
    protectedResourceMetadata,
    jwks: async () => (await internals).jwks,
    tokenService,
    revokeConsent: (userId, clientId) => flow.revokeConsent(userId, clientId),
    grants,
    ready: async () => {
      await internals;
    },
    instrumentation: options.instrumentation,
    audit: options.audit,
    reloadSigningKeys: async () => {
      await (await internals).ring?.reload();
    },
    forResource: (url) => {
      const r = findResource(settings, url);
      if (r.url === resource) return server;
      return {
        ...server,
        resource: r.url,
        resourceMetadataUrl: protectedResourceMetadataUrl(r.url),
        tokenVerifier: verifierFor(r.url),
        dpop: resourceDpop(settings, r.url),
        protectedResourceMetadata: () => resourceMetadata(issuer, r, settings.dpop),
      };
    },
  };
  return server;
}

// What a resource guard of `resourceUrl` needs to check proofs like this server does.
function resourceDpop(
  settings: ServerSettings,
  resourceUrl: string,
): ResourceDpopOptions | undefined {
  if (settings.dpop === undefined) return undefined;
  return Object.freeze({
    ...settings.dpop.options,
    store: settings.store,
    now: settings.now,
    resourceUrl,
  });
}

// A PolicyEngine's rate limits count in this server's store (shared by its instances) unless
// the policy was given its own (`rateLimitStore`).
function bindRateLimitStore(policy: unknown, store: Store): void {
  const engine = policy as
    | { rateLimitStore?: unknown; useRateLimitStore?: (store: Store) => void }
    | undefined;
  if (typeof engine?.useRateLimitStore === 'function' && engine.rateLimitStore === undefined)
    engine.useRateLimitStore(store);
}

// Grant management: the server's manager (revoking also forgets the remembered consent, so the
// client must ask again) and the signed-in user's page at `<base>/grants`.
function addGrantManagement(
  table: RouteTable,
  deps: {
    path: string;
    origin: string;
    session: SessionCookies;
    pages: PageRenderer;
    serviceName: string;
    tokenService: () => Promise<TokenService>;
    forgetConsent: (userId: string, clientId: string) => Promise<void>;
  },
): GrantManager {
  const manager = async () => (await deps.tokenService()).grants;
  const grants: GrantManager = {
    list: async (userId) => (await manager()).list(userId),
    async revoke(userId, grantId) {
      const m = await manager();
      const grant = (await m.list(userId)).find((g) => g.grantId === grantId);
      const revoked = await m.revoke(userId, grantId);
      if (revoked && grant !== undefined) await deps.forgetConsent(userId, grant.clientId);
      return revoked;
    },
    async revokeAll(userId) {
      const m = await manager();
      const clients = new Set((await m.list(userId)).map((g) => g.clientId));
      const count = await m.revokeAll(userId);
      for (const clientId of clients) await deps.forgetConsent(userId, clientId);
      return count;
    },
    deleteClient: async (clientId) => (await manager()).deleteClient(clientId),
  };
  const page = createGrantsPage({ ...deps, grants });
  table.add('GET', deps.path, (request) => page.get(request));
  table.add('POST', deps.path, (request) => page.post(request));
  return grants;
}

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
  grantTypes: readonly string[],
): AuthorizationServerMetadata {
  const { issuer, origin } = settings;
  const confidential = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
  const signingAlgs = [...DEFAULT_ASSERTION_ALGORITHMS];
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
    grant_types_supported: [...grantTypes],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', ...confidential],
    token_endpoint_auth_signing_alg_values_supported: signingAlgs,
    revocation_endpoint_auth_methods_supported: ['none', ...confidential],
    revocation_endpoint_auth_signing_alg_values_supported: signingAlgs,
    introspection_endpoint_auth_methods_supported: [...confidential],
    introspection_endpoint_auth_signing_alg_values_supported: signingAlgs,
    authorization_response_iss_parameter_supported: true,
    ...(settings.dpop === undefined
      ? {}
      : { dpop_signing_alg_values_supported: [...settings.dpop.context.verifier.algorithms] }),
    ...(settings.registration.documents
      ? { client_id_metadata_document_supported: true as const }
      : {}),
    // draft-ietf-oauth-identity-assertion-authz-grant §6.2 (never the list of trusted issuers).
    ...(grantTypes.includes(JWT_BEARER_GRANT_TYPE)
      ? { authorization_grant_profiles_supported: [ID_JAG_GRANT_PROFILE] }
      : {}),
  };
}

// The grant types this server's token endpoint serves, by `grant_type`: a factory each, so
// the metadata's `grant_types_supported` is exactly what the token endpoint serves.
function serverGrantFactories(
  settings: ServerSettings,
  options: AuthorizationServerOptions,
): Readonly<Record<string, (tokens: TokenService) => GrantHandler>> {
  const factories: Record<string, (tokens: TokenService) => GrantHandler> = {
    authorization_code: (tokens) => defaultGrants(tokens)['authorization_code']!,
    refresh_token: (tokens) => defaultGrants(tokens)['refresh_token']!,
  };
  const staticGrants = (options.clients ?? []).map((c) => c.grantTypes);
  if (clientCredentialsEnabled(staticGrants, options.clientCredentials)) {
    factories['client_credentials'] = (tokens) =>
      clientCredentialsGrant(tokens, {
        resources: settings.resources,
        options: options.clientCredentials ?? {},
      });
  }
  const { trustedIdps, exchangeAudiences } = settings;
  if (trustedIdps !== undefined) {
    const resources = settings.resources.map((r) => ({
      url: r.url,
      scopesSupported: r.scopesSupported,
      defaultScopes: r.defaultScopes,
      coversScope:
        r.coversScope ?? ((granted: readonly string[], s: string) => scopeCovers(granted, s)),
    }));
    factories[JWT_BEARER_GRANT_TYPE] = (tokens) =>
      jwtBearerGrant(tokens, {
        issuer: settings.issuer,
        idps: trustedIdps,
        resources,
        store: settings.store,
        now: settings.now,
      });
  }
  if (exchangeAudiences !== undefined) {
    const covers = options.policy?.coversScope?.bind(options.policy) ?? scopeCovers;
    factories[TOKEN_EXCHANGE_GRANT_TYPE] = (tokens) =>
      tokenExchangeGrant(
        tokens,
        exchangeAudiences,
        (granted, s) => covers(granted, s),
        settings.resources.map((r) => r.url),
      );
  }
  return factories;
}

// The grant handlers of `serverGrantFactories`, for one token service.
function serverGrants(
  tokens: TokenService,
  factories: Readonly<Record<string, (tokens: TokenService) => GrantHandler>>,
): GrantHandlers {
  return Object.fromEntries(Object.entries(factories).map(([type, make]) => [type, make(tokens)]));
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
      return handleTokenRequest(request, {
        tokens,
        clients,
        instrumentation: options.instrumentation,
        audit: options.audit,
        grants: serverGrants(tokens, serverGrantFactories(settings, options)),
        ...(settings.dpop === undefined
          ? {}
          : { dpop: { context: settings.dpop.context, url: settings.origin + paths.token } }),
      });
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
      exchangeAudiences: [...(settings.exchangeAudiences?.keys() ?? [])].filter((a) =>
        URL.canParse(a),
      ),
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
          allowClientCredentials: options.clientCredentials?.allowDynamicClients !== undefined,
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
