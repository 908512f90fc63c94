import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  DevIdentityProvider,
  type DevUser,
  type IdentityProvider,
  MemoryStore,
  type PolicyEngine,
  protectedResourceMetadataUrl,
  UpstreamOAuthProvider,
  type UpstreamOAuthProviderOptions,
  wellKnownPath,
} from '@mcp-auth/core';
import type { Jwks } from '@mcp-auth/core/jwt';
import { withDpopRequiredMetadata } from '@mcp-auth/core/mcp';
import type { AuditRecorder, Instrumentation } from '@mcp-auth/core/observability';
import type { Store } from '@mcp-auth/core/store';
import { mcpAuthRouter, mcpGuard } from '@mcp-auth/express';
import { RedisStore } from '@mcp-auth/redis';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import express, { type Express, type RequestHandler } from 'express';
import { readDemoSettings, type TrustedIdpSettings, type UpstreamSettings } from './env.js';
import { startDemoObservability } from './observability.js';
import { isLoopbackOrigin, loopbackAliases, PrefixedStore, requestHost } from './loopback.js';
import { type AuthorizeGuide, createDemoMcpServer } from './mcp-server.js';
import {
  createDemoPolicy,
  formatDecision,
  formatRateLimited,
  SCOPE_DESCRIPTIONS,
} from './policy.js';
import { DEMO_USERS, ROLE_SCOPES } from './users.js';
import {
  DEMO_AGENT_ID,
  type DemoMachineClients,
  machineClientConfigs,
  removeAgentSecretFile,
  resolveMachineClients,
} from './machine-clients.js';

/**
 * Node's limits on a slow client (issue 12 item 1): the request's headers must arrive within
 * 10 s and the whole request (headers and body) within 30 s, so a client trickling bytes cannot
 * hold a connection open. Responses are not limited (an SSE stream may stay open).
 */
export const SERVER_TIMEOUTS = Object.freeze({
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  /** How often Node looks for requests past those limits (its default is 30 s). */
  connectionsCheckingInterval: 2_000,
});

/** Node server limits, as `http.createServer()` takes them. */
export type ServerTimeouts = {
  readonly [K in keyof typeof SERVER_TIMEOUTS]: number;
};

/** Options of {@link createDemoApp}. */
export interface DemoAppOptions {
  /**
   * The public origin clients use (`http://localhost:3000`, or `https://…` behind a proxy):
   * the issuer; the MCP endpoint is `<issuer>/mcp`.
   */
  issuer: string;
  /**
   * Other loopback origins served as well, each as its own issuer and resource (development:
   * `http://127.0.0.1:3000` next to `http://localhost:3000`, so both URLs work with MCP
   * clients). Only `http://localhost|127.0.0.1|[::1]:<port>` origins; a request whose `Host`
   * is none of them is served by `issuer`. Not in proxy mode (the IdP knows one callback URL).
   */
  loopbackAliases?: readonly string[];
  /** HS256 secret (≥ 32 bytes). Default: a random per-process secret. */
  jwtSecret?: string;
  /** The store. Default: a `RedisStore` when `redisUrl` is given, else a `MemoryStore`. */
  store?: Store;
  /** `redis://…`: keep codes, clients, grants and revocations in Redis. */
  redisUrl?: string;
  /** Local users (default: alice, bob, carol). Ignored in proxy mode. */
  users?: readonly DevUser[];
  /** PBKDF2 iterations of the local users' password hashes (tests lower it). */
  passwordIterations?: number;
  /** Proxy mode: log users in at this upstream IdP instead of the local users. */
  upstream?: UpstreamSettings;
  /** Extra options of the upstream provider (tests: `allowInsecureLoopback` for a local IdP). */
  upstreamProviderOptions?: Partial<
    Pick<UpstreamOAuthProviderOptions, 'allowInsecureLoopback' | 'fetch' | 'timeoutMs'>
  >;
  /** Where log lines go (one per authorization decision). Default `console.log`. */
  log?: (line: string) => void;
  /** Access-token lifetime in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** How long consent is remembered, in seconds (0: always ask). Default 30 days. */
  rememberConsentSeconds?: number;
  /** Called with the tool's name each time a tool body runs (tests count side effects). */
  onToolRun?: (tool: string) => void;
  /** Clock in milliseconds (tests). Default `Date.now`. */
  now?: () => number;
  /** Traces and metrics (`@mcp-auth/otel`). Default: from `OTEL_*` in `startDemo`. */
  instrumentation?: Instrumentation;
  /** The audit trail. Default: from `MCP_AUTH_AUDIT_FILE` in `startDemo`. */
  audit?: AuditRecorder;
  /** `demo-agent`'s secret (`DEMO_AGENT_SECRET`). Default: generated, printed by the banner. */
  agentSecret?: string;
  /** `demo-agent-jwt`'s public keys (`DEMO_AGENT_JWKS`). Default: no such client. */
  agentJwks?: Jwks;
  /**
   * A trusted enterprise IdP (`MCP_AUTH_TRUSTED_IDP_*`): `demo-agent` may present its ID-JAGs,
   * whose `sub` names a demo user. Not in proxy mode. Default: none.
   */
  trustedIdp?: TrustedIdpSettings;
  /**
   * Require DPoP (RFC 9449) of every client at `/mcp` (`MCP_AUTH_DPOP_REQUIRED`). Default
   * `false`: DPoP and Bearer are both accepted (a client with a DPoP key gets bound tokens).
   */
  dpopRequired?: boolean;
}

/** One origin the demo serves: its authorization server and its MCP endpoint. */
export interface DemoOrigin {
  /** The origin, which is the issuer (`http://localhost:3000`). */
  readonly issuer: string;
  /** `<issuer>/mcp`: the MCP endpoint and the audience of this origin's tokens. */
  readonly mcpUrl: string;
  /** This origin's authorization server. */
  readonly authServer: AuthorizationServer;
}

/** The demo application, not yet listening. */
export interface DemoApp {
  /** The Express app: OAuth endpoints, metadata, `/mcp`, `/` and `/healthz`. */
  readonly app: Express;
  /** The issuer (= the public origin). */
  readonly issuer: string;
  /** The MCP endpoint URL (= the tokens' audience): the URL clients must use. */
  readonly mcpUrl: string;
  /** The embedded authorization server (of `issuer`). */
  readonly authServer: AuthorizationServer;
  /** Every origin served: `issuer` first, then the loopback aliases. */
  readonly origins: readonly DemoOrigin[];
  /** The tool policy. */
  readonly policy: PolicyEngine;
  /** How tokens are signed: from `JWT_SECRET`, or a random secret that dies with the process. */
  readonly signing: 'jwt-secret' | 'random';
  /** Which store is in use. */
  readonly storeKind: 'memory' | 'redis';
  /** Who logs users in. */
  readonly identity: 'dev-users' | 'upstream';
  /** The pre-registered machine clients (`demo-agent`, and `demo-agent-jwt` with its keys). */
  readonly machineClients: DemoMachineClients;
  /** The trusted enterprise IdP's issuer (ID-JAG), when `MCP_AUTH_TRUSTED_IDP_*` set one. */
  readonly trustedIdpIssuer: string | undefined;
  /** DPoP is required of every client at `/mcp` (else accepted next to Bearer). */
  readonly dpopRequired: boolean;
  /** Stops the MCP handlers and closes the store (when the demo created it). */
  close(): Promise<void>;
}

/** What every origin of one demo shares. */
interface Shared {
  readonly options: DemoAppOptions;
  readonly policy: PolicyEngine;
  /** The configured audit trail, plus a log line for each rate-limited call. */
  readonly audit: AuditRecorder;
  readonly advertised: readonly string[];
  readonly identityProvider: IdentityProvider;
  readonly jwtSecret: string;
  readonly derive: (label: string) => Buffer;
  readonly machineClients: DemoMachineClients;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// With a trusted enterprise IdP, demo-agent also holds the jwt-bearer (ID-JAG) grant type.
function withIdJag<T extends { clientId: string; grantTypes?: readonly string[] }>(
  configs: T[],
  trustedIdp: TrustedIdpSettings | undefined,
): T[] {
  if (trustedIdp === undefined) return configs;
  return configs.map((config) =>
    config.clientId === DEMO_AGENT_ID
      ? { ...config, grantTypes: [...(config.grantTypes ?? []), JWT_BEARER] }
      : config,
  );
}

interface Site extends DemoOrigin {
  readonly router: RequestHandler;
  readonly handler: McpHttpHandler;
}

/**
 * Builds the demo: authorization server, policy, MCP server factory and the Express app. The
 * MCP endpoint is MCP SDK v2's `createMcpHandler`: protocol 2026-07-28 and the 2025-era
 * fallback, stateless — one `McpServer` per request, no MCP session holds any authorization
 * state; every request is authenticated and every tool call decided on its own token.
 */
export async function createDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const issuer = options.issuer.replace(/\/+$/, '');
  const log = options.log ?? ((line: string) => console.log(line));
  const policy = createDemoPolicy({ onDecision: (event) => log(formatDecision(event)) });
  // Every audit event goes to the configured trail (MCP_AUTH_AUDIT_FILE); a rate-limited call
  // also gets a log line (the decision line before it says allowed=true: the policy allowed it).
  const audit: AuditRecorder = {
    record(event) {
      if (event.type === 'rate_limited') log(formatRateLimited(event));
      options.audit?.record(event);
    },
  };
  const aliases = options.loopbackAliases ?? [];
  for (const alias of aliases) {
    if (!isLoopbackOrigin(alias)) {
      throw new TypeError(
        `createDemoApp: loopbackAliases must be http://localhost|127.0.0.1|[::1]:<port> origins, not ${JSON.stringify(alias)}`,
      );
    }
  }
  if (options.trustedIdp && options.upstream) {
    throw new TypeError('createDemoApp: trustedIdp maps ID-JAGs to local users: not in proxy mode');
  }
  if (aliases.length > 0 && options.upstream) {
    throw new TypeError('createDemoApp: loopbackAliases cannot be used in proxy mode');
  }

  const signing = options.jwtSecret ? 'jwt-secret' : 'random';
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  // The consent pages' cookies are signed with a key derived from the JWT secret, so that
  // several instances sharing JWT_SECRET (and Redis) accept each other's forms.
  const derive = (label: string) => createHmac('sha256', jwtSecret).update(label).digest();

  const ownsStore = options.store === undefined;
  const store: Store =
    options.store ??
    (options.redisUrl
      ? new RedisStore({ url: options.redisUrl, keyPrefix: 'mcp-auth-demo:' })
      : new MemoryStore());
  const storeKind = store instanceof RedisStore ? 'redis' : 'memory';
  // Rate-limit counters live in the demo's store: with Redis, every instance counts together.
  policy.useRateLimitStore(store);

  const shared: Shared = {
    options,
    policy,
    audit,
    // The policy's scopes, without wildcards: clients request every advertised scope (SEP-835),
    // and no demo user may be granted `mcp:tools:*` (the default rules' catch-all).
    advertised: policy.scopesSupported().filter((scope) => !scope.endsWith('*')),
    identityProvider: options.upstream
      ? createUpstreamProvider(options.upstream, options.upstreamProviderOptions ?? {})
      : new DevIdentityProvider({
          users: options.users ?? DEMO_USERS,
          ...(options.passwordIterations ? { iterations: options.passwordIterations } : {}),
        }),
    jwtSecret,
    derive,
    machineClients: resolveMachineClients(options.agentSecret, options.agentJwks),
  };
  // The configured origin keeps the store's keys as they are; each alias gets its own keyspace.
  const sites: Site[] = [];
  try {
    sites.push(await createSite(issuer, store, shared));
    for (const alias of aliases) {
      const host = new URL(alias).host;
      sites.push(await createSite(alias, new PrefixedStore(store, `origin:${host}:`), shared));
    }
  } catch (error) {
    removeAgentSecretFile(shared.machineClients);
    await Promise.all(sites.map((site) => site.handler.close()));
    if (ownsStore && store instanceof RedisStore) await store.close();
    throw error;
  }
  const primary = sites[0]!;
  const byHost = new Map(sites.map((site) => [new URL(site.issuer).host, site]));

  const app = express();
  app.disable('x-powered-by');
  // Each loopback spelling to its own origin; any other Host to the configured one.
  app.use((req, res, next) => {
    const site = byHost.get(requestHost(req.headers.host) ?? '') ?? primary;
    site.router(req, res, next);
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  return {
    app,
    issuer,
    mcpUrl: primary.mcpUrl,
    authServer: primary.authServer,
    origins: sites.map(({ issuer, mcpUrl, authServer }) => ({ issuer, mcpUrl, authServer })),
    policy,
    signing,
    storeKind,
    identity: options.upstream ? 'upstream' : 'dev-users',
    machineClients: shared.machineClients,
    trustedIdpIssuer: options.trustedIdp?.issuer,
    dpopRequired: options.dpopRequired === true,
    async close() {
      removeAgentSecretFile(shared.machineClients);
      await Promise.all(sites.map((site) => site.handler.close()));
      if (ownsStore && store instanceof RedisStore) await store.close();
    },
  };
}

/** One origin: its authorization server, its `/mcp` (guard + SDK v2 handler) and `/`. */
async function createSite(origin: string, store: Store, shared: Shared): Promise<Site> {
  const { options, policy, advertised, audit } = shared;
  const mcpUrl = `${new URL(origin).origin}/mcp`;
  const authServer = createAuthorizationServer({
    issuer: origin,
    resource: mcpUrl,
    signingKey: shared.jwtSecret,
    store,
    identityProvider: shared.identityProvider,
    scopesSupported: advertised,
    // Client ID Metadata Documents (the 2026-07-28 spec's preferred registration): an https
    // URL as client_id. Nothing is fetched until a client uses one.
    clientIdMetadataDocuments: true,
    consent: {
      cookieSecret: shared.derive('mcp-auth-demo cookies'),
      scopeDescriptions: SCOPE_DESCRIPTIONS,
      ...(options.rememberConsentSeconds !== undefined
        ? { rememberForSeconds: options.rememberConsentSeconds }
        : {}),
    },
    resourceName: 'mcp-auth demo',
    // DPoP (RFC 9449): a client with a key gets tokens bound to it (token_type DPoP); Bearer
    // clients keep working unless MCP_AUTH_DPOP_REQUIRED. Replay markers live in the store.
    dpop: true,
    // Machine clients (client credentials): demo-agent, and demo-agent-jwt with DEMO_AGENT_JWKS.
    clients: withIdJag(machineClientConfigs(shared.machineClients), options.trustedIdp),
    // Enterprise-managed authorization: demo-agent presents ID-JAGs naming alice, bob or carol.
    ...(options.trustedIdp
      ? {
          trustedIdentityProviders: [
            {
              issuer: options.trustedIdp.issuer,
              jwks: options.trustedIdp.jwks,
              clients: [DEMO_AGENT_ID],
            },
          ],
        }
      : {}),
    // Proxy mode: the IdP's tokens are kept server-side, encrypted with a key derived from the secret.
    ...(options.upstream
      ? {
          upstreamEncryptionKey: shared
            .derive('mcp-auth-demo upstream tokens')
            .toString('base64url'),
        }
      : {}),
    ...(options.accessTokenTtlSeconds !== undefined
      ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
      : {}),
    ...(options.now ? { now: options.now } : {}),
    instrumentation: options.instrumentation,
    audit,
  });
  await authServer.ready();

  const metadata = authServer.metadata();
  const guide: AuthorizeGuide = {
    issuer: origin,
    resource: mcpUrl,
    protectedResourceMetadata: protectedResourceMetadataUrl(mcpUrl),
    authorizationServerMetadata:
      new URL(origin).origin + wellKnownPath('oauth-authorization-server', origin),
    authorizationEndpoint: metadata.authorization_endpoint,
    tokenEndpoint: metadata.token_endpoint,
    registrationEndpoint: metadata.registration_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    introspectionEndpoint: metadata.introspection_endpoint,
    scopesSupported: metadata.scopes_supported ?? [],
  };
  // MCP SDK v2: one McpServer per request, for 2026-07-28 and the stateless 2025 fallback.
  const handler = createMcpHandler(() =>
    createDemoMcpServer({
      policy,
      guide,
      ...(options.onToolRun ? { onToolRun: options.onToolRun } : {}),
    }),
  );
  const serve = toNodeHandler(handler);

  const router = express.Router();
  // The OAuth endpoints and metadata (before any body parser: core reads the raw body).
  // With DPoP required, the protected-resource metadata says so (dpop_bound_access_tokens_required).
  const dpopRequired = options.dpopRequired === true;
  router.use(mcpAuthRouter(dpopRequired ? withDpopRequiredMetadata(authServer) : authServer));
  // /mcp behind the guard: 401 with resource_metadata and the scopes a client should ask for
  // (the user narrows them on the consent page); every tools/call decided here — 403 step-up
  // when scopes would help, the denied tool result when they cannot — before the MCP server.
  const guard = mcpGuard({
    verifier: authServer.tokenVerifier,
    resourceMetadataUrl: authServer.resourceMetadataUrl,
    policy,
    challengeScopes: advertised,
    ...(authServer.dpop
      ? { dpop: dpopRequired ? { ...authServer.dpop, required: true } : authServer.dpop }
      : {}),
    instrumentation: options.instrumentation,
    audit,
  });
  // The handler returns nothing: Express 5 awaits returned promises through `is-promise`, which
  // breaks under the root vitest config's `import` condition (it loads the ESM build).
  // `req.auth` (set by the guard) is the caller; `req.body` the body the guard parsed.
  router.all(new URL(mcpUrl).pathname, guard, (req, res, next) => {
    serve(req, res, req.body).catch(next);
  });
  router.get('/', (_req, res) => {
    res.type('text/plain').send(describeEndpoints(guide));
  });
  return { issuer: origin, mcpUrl, authServer, router, handler };
}

function createUpstreamProvider(
  settings: UpstreamSettings,
  extra: DemoAppOptions['upstreamProviderOptions'] & object,
): UpstreamOAuthProvider {
  return new UpstreamOAuthProvider({
    ...extra,
    clientId: settings.clientId,
    ...(settings.clientSecret !== undefined ? { clientSecret: settings.clientSecret } : {}),
    ...(settings.issuer !== undefined ? { issuer: settings.issuer } : {}),
    ...(settings.authorizationEndpoint !== undefined
      ? { authorizationEndpoint: settings.authorizationEndpoint }
      : {}),
    ...(settings.tokenEndpoint !== undefined ? { tokenEndpoint: settings.tokenEndpoint } : {}),
    ...(settings.userinfoEndpoint !== undefined
      ? { userinfoEndpoint: settings.userinfoEndpoint }
      : {}),
    ...(settings.jwksUri !== undefined ? { jwksUri: settings.jwksUri } : {}),
    ...(settings.scopes !== undefined ? { scopes: settings.scopes } : {}),
    // The upstream user's role (a claim, else the default role) decides the grantable scopes,
    // exactly as for the local demo users.
    mapIdentity: (user) => {
      const role = roleFrom(user.claims[settings.roleClaim]) ?? settings.defaultRole;
      const name =
        user.claims['preferred_username'] ?? user.claims['login'] ?? user.claims['email'];
      const sub = user.subject ?? String(user.claims['id'] ?? '');
      if (!sub) throw new Error('The upstream IdP did not identify the user');
      return {
        sub,
        attributes: { role },
        grantableScopes: [...(ROLE_SCOPES[role] ?? [])],
        ...(typeof name === 'string' ? { displayName: name } : {}),
      };
    },
  });
}

const ROLE_ORDER = ['admin', 'editor', 'viewer'];

/** The demo role in a claim: a string, or the highest known role in an array of strings. */
export function roleFrom(claim: unknown): string | undefined {
  const values = Array.isArray(claim) ? claim : [claim];
  return ROLE_ORDER.find((role) => values.includes(role));
}

function describeEndpoints(guide: AuthorizeGuide): string {
  return [
    'mcp-auth demo — an MCP server protected by OAuth 2.1 + PKCE',
    '',
    `MCP endpoint (Streamable HTTP): ${guide.resource}`,
    `Protected resource metadata:    ${guide.protectedResourceMetadata}`,
    `Authorization server metadata:  ${guide.authorizationServerMetadata}`,
    `Authorize:                      ${guide.authorizationEndpoint}`,
    `Token:                          ${guide.tokenEndpoint}`,
    '',
    'Connect an MCP client to the MCP endpoint; it discovers the rest.',
    '',
  ].join('\n');
}

/** Options of {@link startDemo}: the app's options, plus where to listen. */
export interface StartDemoOptions extends Partial<DemoAppOptions> {
  /** Default `PORT` or 3000; `0` picks a free port. */
  port?: number;
  /** Default `HOST` or `127.0.0.1`. */
  host?: string;
  /** The environment to read settings from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Limits on slow clients. Default {@link SERVER_TIMEOUTS}. */
  serverTimeouts?: ServerTimeouts;
}

/** A listening demo. */
export interface RunningDemo extends DemoApp {
  /** The public origin (= issuer), e.g. `http://localhost:3000`. */
  readonly url: string;
  /** The port actually listened on. */
  readonly port: number;
  /** The address listened on. */
  readonly host: string;
  /** What `OTEL_*` and `MCP_AUTH_AUDIT_FILE` turned on, one line each (for the banner). */
  readonly observability: readonly string[];
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Starts the demo: reads the environment (options win), listens, then builds the app for the
 * origin it really listens on (so `port: 0` works). The default issuer is
 * `http://localhost:<port>`; on the default host the demo also listens on `[::1]` when it can,
 * so `localhost` works whichever address it resolves to. With the default issuer (no
 * `MCP_AUTH_ISSUER`, not in proxy mode) `http://127.0.0.1:<port>` and `http://[::1]:<port>` are
 * served as their own origins too, so every loopback spelling of the MCP URL works.
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const settings = readDemoSettings(options.env ?? process.env);
  const observability = await startDemoObservability(options.env ?? process.env);
  const host = options.host ?? settings.host;
  const port = options.port ?? settings.port;
  const timeouts = { ...(options.serverTimeouts ?? SERVER_TIMEOUTS) };
  const servers = [createServer(timeouts)];
  await listen(servers[0]!, port, host);
  const actualPort = (servers[0]!.address() as AddressInfo).port;
  if (options.host === undefined && host === '127.0.0.1') {
    const v6 = createServer(timeouts);
    try {
      await listen(v6, actualPort, '::1');
      servers.push(v6);
    } catch {
      // No IPv6 loopback here: 127.0.0.1 alone serves localhost.
    }
  }
  const configuredIssuer = options.issuer ?? settings.issuer;
  const upstream = options.upstream ?? settings.upstream;
  const issuer = configuredIssuer ?? `http://localhost:${actualPort}`;
  let demo: DemoApp;
  try {
    demo = await createDemoApp({
      ...options,
      instrumentation: options.instrumentation ?? observability.instrumentation,
      audit: options.audit ?? observability.audit,
      issuer,
      ...(configuredIssuer === undefined && upstream === undefined && isLoopbackOrigin(issuer)
        ? { loopbackAliases: options.loopbackAliases ?? loopbackAliases(issuer) }
        : {}),
      ...(options.jwtSecret === undefined && settings.jwtSecret
        ? { jwtSecret: settings.jwtSecret }
        : {}),
      ...(options.redisUrl === undefined && settings.redisUrl
        ? { redisUrl: settings.redisUrl }
        : {}),
      ...(upstream ? { upstream } : {}),
      ...(options.agentSecret === undefined && settings.agentSecret !== undefined
        ? { agentSecret: settings.agentSecret }
        : {}),
      ...(options.agentJwks === undefined && settings.agentJwks !== undefined
        ? { agentJwks: settings.agentJwks }
        : {}),
      ...(options.trustedIdp === undefined && settings.trustedIdp !== undefined
        ? { trustedIdp: settings.trustedIdp }
        : {}),
      ...(options.dpopRequired === undefined && settings.dpopRequired
        ? { dpopRequired: true }
        : {}),
    });
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    await observability.close();
    throw error;
  }
  for (const server of servers) server.on('request', demo.app);
  return {
    ...demo,
    url: demo.issuer,
    port: actualPort,
    host,
    observability: observability.summary,
    async close() {
      await Promise.all(servers.map(closeServer));
      await demo.close();
      await observability.close();
    },
  };
}
