import type { Identity } from '../domain/identity.js';
import type { HttpRequest } from '../http/messages.js';
import { clientAddress } from '../http/messages.js';
import { isHttpsOrExactLoopbackUrl } from '../net/host.js';
import { checkScopes } from '../policy/scopes.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { instrumentStore } from '../store/instrumented-store.js';
import type { AuditRecorder } from '../observability/audit.js';
import type { Instrumentation } from '../observability/instrumentation.js';
import type { TokenService } from '../tokens/types.js';
import { checkUpstreamEncryptionKey } from '../tokens/upstream-crypto.js';
import type { JwtKey } from '../jwt/types.js';
import type { KeyRingSource } from '../jwt/key-ring.js';
import {
  type ClientIdMetadataDocumentOptions,
  ClientMetadataDocumentResolver,
} from './client-metadata-document.js';
import { ServerClientRegistry, type StaticClientConfig } from './client-registry.js';
import { type ClientAssertionOptions, createClientAssertionVerifier } from './client-assertion.js';
import type { ClientCredentialsOptions } from './grants/client-credentials.js';
import {
  type CompiledAudience,
  compileTokenExchange,
  type TokenExchangeOptions,
} from './grants/token-exchange.js';
import {
  type CompiledIdentityProvider,
  compileTrustedIdentityProviders,
  type TrustedIdentityProvider,
} from './identity-assertion.js';
import { createSigner, type Signer } from './cookies.js';
import { StoreRateLimiter } from './rate-limit.js';
import { type PageOptions, PageRenderer } from './ui/template.js';
import type { RegistrationHook } from './registration-endpoint.js';
import type { DpopOptions } from '../tokens/dpop.js';
import { createServerDpop, type ServerDpop } from './token-dpop.js';
import type { IdentityProvider } from './types.js';

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
        key?: (request: HttpRequest) => string | undefined;
        globalMax?: number | false;
      };
}

/**
 * Options of the login/consent pages and remembered consent. The pages' own template,
 * branding and languages are {@link PageOptions} (`template`, `branding`, `language`; see
 * docs/customizing-pages.md).
 */
export interface ConsentOptions extends PageOptions {
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
  /**
   * The protected resource: the MCP endpoint URL (e.g. `https://host/mcp`), the tokens' `aud`.
   * The one-resource shorthand of `resources`; give exactly one of the two.
   */
  resource?: string;
  /**
   * Several protected resources behind this one issuer (docs/multi-service.md), each with its
   * own URL (the tokens' `aud`), scopes, policy and RFC 9728 metadata. The RFC 8707 `resource`
   * parameter of an authorization request picks one (required when more than one is listed,
   * else `invalid_target`); a token for one is refused by the others. Give exactly one of
   * `resource` and `resources`.
   */
  resources?: readonly ProtectedResourceOptions[];
  /**
   * The access-token signing key: an HMAC secret (≥ 32 bytes; HS256) for one service, or an
   * asymmetric private `JwtKey` (ES256, EdDSA, …) whose public key is published as a JWKS.
   * Required unless `signingKeys` is given.
   */
  signingKey?: JwtKey | string | Uint8Array;
  /** Older public keys still accepted and published in the JWKS during `kid` rotation. */
  verificationKeys?: readonly JwtKey[];
  /**
   * Signing keys for rotation without downtime, instead of `signingKey` (docs/key-rotation.md):
   * a `SigningKeyRing` `{ current, next?, retired? }`, or a loader (e.g. reading the file
   * `mcp-auth keys rotate` writes, through `importKeyRing`) re-read every
   * `keyRingReloadSeconds`, so that every instance switches keys without a restart.
   */
  signingKeys?: KeyRingSource;
  /** How often a `signingKeys` loader is re-read, in seconds. Default 60. */
  keyRingReloadSeconds?: number;
  /** Where codes, clients, interactions and tokens live. Default a new {@link MemoryStore}. */
  store?: Store;
  /**
   * Tracing and metrics (`@mcp-auth/otel`'s `createOpenTelemetryInstrumentation()`): a span per
   * endpoint, token issuance and store call; issuance and store metrics. Default: none.
   */
  instrumentation?: Instrumentation;
  /**
   * The audit trail (`createAuditTrail()` from `@mcp-auth/core/observability`): one event per
   * grant lifecycle step (issued, refreshed, reuse detected, revoked, consent given/withdrawn)
   * and, with `policy`, per decision. Default: none.
   */
  audit?: AuditRecorder;
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
  /**
   * Accept URL `client_id`s (Client ID Metadata Documents), advertised as
   * `client_id_metadata_document_supported`. The MCP 2026-07-28 spec prefers them to dynamic
   * registration (kept for older clients): turn this on for new deployments. Off by default
   * because it makes the server fetch client-chosen URLs (with SSRF guards).
   */
  clientIdMetadataDocuments?: boolean | ClientIdMetadataDocumentOptions;
  /**
   * `private_key_jwt` client authentication (docs/private-key-jwt.md): the lifetime and clock
   * bounds of client assertions and how a client's `jwks_uri` is fetched. Clients use it when
   * they registered it (static `jwks`/`jwksUri`, registration or a metadata document).
   */
  privateKeyJwt?: ClientAssertionOptions;
  /**
   * The client credentials grant (docs/client-credentials.md): served when a static client
   * lists `client_credentials` in its `grantTypes`, or when `allowDynamicClients` is set.
   */
  clientCredentials?: ClientCredentialsOptions;
  /**
   * Enterprise-managed authorization (docs/enterprise-managed-authorization.md): the enterprise
   * IdPs whose Identity Assertion JWT Authorization Grants (ID-JAG, `typ: oauth-id-jag+jwt`)
   * the token endpoint accepts with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`.
   * The grant is served (and advertised) only when this lists at least one IdP; a client also
   * needs that grant type in its `grantTypes`.
   */
  trustedIdentityProviders?: readonly TrustedIdentityProvider[];
  /**
   * RFC 8693 token exchange for downstream APIs (docs/token-exchange.md): which audiences a
   * user's access token may be exchanged for, and by which clients (your MCP servers). Served
   * (and advertised) only when set; nothing is exchangeable unless declared here.
   */
  tokenExchange?: TokenExchangeOptions;
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
   * (`HttpRequest.remoteAddress`) is used.
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
   * With an identity provider that can refresh (`UpstreamOAuthProvider`), upstream tokens
   * expiring within this many seconds are refreshed at the IdP when a tool asks for them
   * (`getUpstreamTokens`). Default 60.
   */
  upstreamRefreshSkewSeconds?: number;
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
  /**
   * DPoP (RFC 9449, MCP SEP-1932): `true` or options turn it on. The token endpoint then binds
   * the tokens of a request carrying a `DPoP` proof to its key (`token_type: DPoP`, `cnf.jkt`;
   * a public client's refresh token too), the metadata lists `dpop_signing_alg_values_supported`,
   * and resource guards wired from this server (`mcpAuth`, `server.dpop`) check proofs. Default
   * off. See docs/dpop.md.
   */
  dpop?: boolean | DpopOptions;
  /** A token service to use instead of the one built from these options (advanced). */
  tokenService?: TokenService;
  /** Clock in milliseconds since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
}

/** One protected resource of {@link AuthorizationServerOptions.resources}. */
export interface ProtectedResourceOptions {
  /** The MCP endpoint URL (e.g. `https://notes.example.com/mcp`): the RFC 8707 `resource`, the tokens' `aud`. */
  url: string;
  /**
   * Scopes offered and accepted for this resource. Default: this entry's `policy`, else the
   * server's `scopesSupported`, else the server's `policy`.
   */
  scopes?: readonly string[];
  /** This resource's policy: its `scopesSupported()` and scope coverage. Default the server's `policy`. */
  policy?: AuthorizationServerOptions['policy'];
  /**
   * Scopes requested when an authorization request for this resource has no `scope` and the
   * client registered none. Default the server's `defaultScopes`, else every scope of this resource.
   */
  defaultScopes?: readonly string[];
  /** `resource_name` of its metadata; the login and consent pages name the resource with it. */
  name?: string;
  /** `resource_documentation` of its metadata. */
  documentation?: string;
}

/** One protected resource as checked: what the authorization flow and the metadata need. */
export interface ResourceSettings {
  readonly url: string;
  readonly name: string | undefined;
  readonly documentation: string | undefined;
  readonly scopesSupported: () => readonly string[];
  readonly defaultScopes: readonly string[] | undefined;
  readonly coversScope: ((granted: readonly string[], scope: string) => boolean) | undefined;
}

const DAY = 86_400;

/** The options of {@link createAuthorizationServer}, checked, with what follows from them. */
export interface ServerSettings {
  readonly issuer: string;
  /** The first (with `resource`, the only) protected resource's URL. */
  readonly resource: string;
  /** Every protected resource, in the configured order; one with the `resource` shorthand. */
  readonly resources: readonly ResourceSettings[];
  /** The issuer's path ('' for an origin-only issuer): every endpoint path starts with it. */
  readonly base: string;
  readonly origin: string;
  readonly now: () => number;
  readonly store: Store;
  readonly provider: IdentityProvider;
  readonly scopesSupported: () => readonly string[];
  readonly defaultScopes: readonly string[] | undefined;
  readonly interactionTtlSeconds: number;
  readonly consent: ConsentOptions;
  /** The login, consent and error pages (template, branding, languages checked). */
  readonly pages: PageRenderer;
  readonly rememberForSeconds: number;
  readonly maxLoginAttempts: number;
  readonly introspectionCallers: 'resource-servers' | 'own-tokens';
  readonly signer: Signer;
  /** Cookies get `Secure` (an https issuer). */
  readonly secure: boolean;
  /** The caller's address for per-address limits. */
  readonly addressOf: (request: HttpRequest) => string | undefined;
  readonly interactionCaps: { readonly perClient?: number; readonly perAddress?: number };
  readonly registration: RegistrationSettings;
  /** The trusted enterprise IdPs (ID-JAG), by issuer; `undefined`: the grant is not served. */
  readonly trustedIdps: ReadonlyMap<string, CompiledIdentityProvider> | undefined;
  /** The declared token-exchange audiences; `undefined`: token exchange is not served. */
  readonly exchangeAudiences: ReadonlyMap<string, CompiledAudience> | undefined;
  /** DPoP, when on: proof verifier, replay store, nonces. */
  readonly dpop: ServerDpop | undefined;
}

/** Client registration as configured: the registry, and RFC 7591 registration with its limits. */
export interface RegistrationSettings {
  /** Dynamic registration is on. */
  readonly enabled: boolean;
  /** `options.registration` when it is an object, else `{}`. */
  readonly options: ClientRegistrationOptions;
  /** Its rate limit, with the default filled in. */
  readonly rateLimit: NonNullable<ClientRegistrationOptions['rateLimit']>;
  readonly documents: ClientMetadataDocumentResolver | undefined;
  readonly clients: ServerClientRegistry;
  readonly limiter: StoreRateLimiter | undefined;
  readonly globalLimiter: StoreRateLimiter | undefined;
}

/**
 * Checks every option of {@link createAuthorizationServer} but the keys, in a fixed order: the
 * first mistake is a `TypeError` naming the option and what to fix.
 */
export function checkServerOptions(options: AuthorizationServerOptions): ServerSettings {
  const where = 'createAuthorizationServer';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options are required`);
  }
  const issuer = checkIssuer(options.issuer);
  const issuerUrl = new URL(issuer);
  const now = options.now ?? Date.now;
  const ownStore = options.store ?? new MemoryStore();
  checkStore(ownStore);
  const store = instrumentStore(ownStore, options.instrumentation);
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
  const serverScopes = (): readonly string[] =>
    fixedScopes ?? [...new Set(options.policy?.scopesSupported() ?? [])];
  const defaultScopes =
    options.defaultScopes === undefined
      ? undefined
      : checkScopeOption(options.defaultScopes, 'defaultScopes');
  const resources = checkResources(options, serverScopes, defaultScopes);
  const resource = resources[0]!.url;
  // Registration, metadata documents and RFC 8414 `scopes_supported`: every resource's scopes.
  const scopesSupported = (): readonly string[] =>
    resources.length === 1
      ? resources[0]!.scopesSupported()
      : [...new Set(resources.flatMap((r) => r.scopesSupported()))];
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
  checkTokenOptions(options);
  const introspectionCallers = options.introspectionCallers ?? 'resource-servers';
  if (introspectionCallers !== 'resource-servers' && introspectionCallers !== 'own-tokens') {
    throw new TypeError(
      `${where}: introspectionCallers must be 'resource-servers' or 'own-tokens'`,
    );
  }
  const signer = createSigner(consent.cookieSecret, `${where}: consent.cookieSecret`);
  const pages = new PageRenderer(consent, where);
  const { registration, addressOf } = registrationSettings(options, store, scopesSupported, now);
  const interactionLimits = options.interactionLimits ?? {};
  const capOf = (value: number | false | undefined, fallback: number, name: string) =>
    value === false ? undefined : positiveInteger(value ?? fallback, `interactionLimits.${name}`);
  return {
    issuer,
    resource,
    resources,
    base: issuerUrl.pathname === '/' ? '' : issuerUrl.pathname,
    origin: issuerUrl.origin,
    now,
    store,
    provider,
    scopesSupported,
    defaultScopes,
    interactionTtlSeconds: interactionTtl,
    consent,
    pages,
    rememberForSeconds: rememberFor,
    maxLoginAttempts,
    introspectionCallers,
    signer,
    secure: issuerUrl.protocol === 'https:',
    addressOf,
    interactionCaps: {
      perClient: capOf(interactionLimits.perClient, 10_000, 'perClient'),
      perAddress: capOf(interactionLimits.perAddress, 100, 'perAddress'),
    },
    registration,
    trustedIdps:
      options.trustedIdentityProviders === undefined ||
      options.trustedIdentityProviders.length === 0
        ? undefined
        : compileTrustedIdentityProviders(options.trustedIdentityProviders, provider),
    exchangeAudiences:
      options.tokenExchange === undefined
        ? undefined
        : compileTokenExchange(options.tokenExchange, [issuer, ...resources.map((r) => r.url)]),
    dpop: createServerDpop(options.dpop, store, now),
  };
}

// The introspection secret, and the upstream encryption key (required with an upstream IdP).
function checkTokenOptions(options: AuthorizationServerOptions): void {
  const where = 'createAuthorizationServer';
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
}

// The client registry (static, registered, metadata documents) and registration's rate limits.
function registrationSettings(
  options: AuthorizationServerOptions,
  store: Store,
  scopesSupported: () => readonly string[],
  now: () => number,
): {
  registration: RegistrationSettings;
  addressOf: (request: HttpRequest) => string | undefined;
} {
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
    {
      assertions: createClientAssertionVerifier(
        { issuer: options.issuer, tokenEndpoint: `${options.issuer}/token`, store, now },
        options.privateKeyJwt ?? {},
      ),
      keyRules: { allowInsecureLoopback: options.privateKeyJwt?.allowInsecureLoopback === true },
    },
  );
  const trustedProxyHops = options.trustedProxyHops ?? 0;
  if (!Number.isInteger(trustedProxyHops) || trustedProxyHops < 0 || trustedProxyHops > 10) {
    throw new TypeError(
      'createAuthorizationServer: trustedProxyHops must be an integer from 0 to 10',
    );
  }
  const addressOf = (request: HttpRequest) => clientAddress(request, trustedProxyHops);
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
  return {
    registration: {
      enabled: Boolean(registration),
      options: registrationOptions,
      rateLimit,
      documents,
      clients,
      limiter,
      globalLimiter,
    },
    addressOf,
  };
}

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
  if (!isHttpsOrExactLoopbackUrl(url)) {
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

// `resource` (the one-resource shorthand) or `resources`: exactly one of them, each URL valid and
// distinct, each entry's scopes and policy defaulting to the server's.
function checkResources(
  options: AuthorizationServerOptions,
  serverScopes: () => readonly string[],
  serverDefaults: readonly string[] | undefined,
): readonly ResourceSettings[] {
  const where = 'createAuthorizationServer';
  const list = options.resources;
  if (list === undefined && options.resource === undefined) {
    throw new TypeError(
      `${where}: resource is required (the MCP endpoint URL), or resources for several`,
    );
  }
  if (list === undefined) {
    return [
      {
        url: checkResource(options.resource, `${where}: resource`),
        name: options.resourceName,
        documentation: options.resourceDocumentation,
        scopesSupported: serverScopes,
        defaultScopes: serverDefaults,
        coversScope: options.policy?.coversScope?.bind(options.policy),
      },
    ];
  }
  if (options.resource !== undefined) {
    throw new TypeError(`${where}: give either resource or resources, not both`);
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`${where}: resources must list at least one { url } (or use resource)`);
  }
  if (options.resourceName !== undefined || options.resourceDocumentation !== undefined) {
    throw new TypeError(
      `${where}: with resources, give each resource its name and documentation (resources[].name, resources[].documentation)`,
    );
  }
  const seen = new Set<string>();
  return list.map((entry: ProtectedResourceOptions, i) => {
    const at = `${where}: resources[${i}]`;
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(
        `${at} must be an object { url, scopes?, policy?, name?, documentation? }`,
      );
    }
    const url = checkResource(entry.url, `${at}.url`);
    if (seen.has(url)) throw new TypeError(`${at}.url is listed twice (${url})`);
    seen.add(url);
    for (const name of ['name', 'documentation'] as const) {
      if (entry[name] !== undefined && typeof entry[name] !== 'string') {
        throw new TypeError(`${at}.${name} must be a string`);
      }
    }
    const policy = entry.policy;
    if (policy !== undefined && typeof policy?.scopesSupported !== 'function') {
      throw new TypeError(`${at}.policy must have a scopesSupported() method`);
    }
    const fixed =
      entry.scopes === undefined
        ? undefined
        : checkScopeOption(entry.scopes, `resources[${i}].scopes`);
    const defaults =
      entry.defaultScopes === undefined
        ? serverDefaults
        : checkScopeOption(entry.defaultScopes, `resources[${i}].defaultScopes`);
    const coverer = policy ?? options.policy;
    return {
      url,
      name: entry.name,
      documentation: entry.documentation,
      scopesSupported:
        fixed !== undefined
          ? () => fixed
          : policy !== undefined
            ? () => [...new Set(policy.scopesSupported())]
            : serverScopes,
      defaultScopes: defaults,
      coversScope: coverer?.coversScope?.bind(coverer),
    };
  });
}

function checkResource(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new TypeError(`${where} must be the MCP endpoint URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${where} must be an absolute URL such as https://host/mcp`);
  }
  if (url.hash || value.includes('#'))
    throw new TypeError(`${where} must not have a fragment (RFC 8707 §2)`);
  if (!isHttpsOrExactLoopbackUrl(url)) {
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
