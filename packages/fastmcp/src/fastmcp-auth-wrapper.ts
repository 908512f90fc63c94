import type { IncomingMessage } from 'node:http';
import {
  type AuthContext,
  type AuthorizationServer,
  type McpCorsOptions,
  PolicyEngine,
  protectedResourceMetadataUrl,
  type TokenVerifier,
  toFetchHandler,
  toFetchResponse,
} from '@mcp-auth/core';
import { endpointDpop } from '@mcp-auth/core/internal';
import { createNodeMcpGuard } from '@mcp-auth/core/node-http';
import {
  authorizeMcpToolCall,
  checkTokenVerifier,
  DEFAULT_MAX_MCP_BODY_BYTES,
  filterToolList,
  findToolCalls,
  withDpopRequiredMetadata,
} from '@mcp-auth/core/mcp';
import {
  FastMCP,
  type FastMCPSession,
  type ServerOptions,
  type Tool,
  type ToolParameters,
} from 'fastmcp';
import { interceptRequestHandlers } from '@mcp-auth/sdk';
import type { Server as SdkServer } from '@modelcontextprotocol/sdk/server/index.js';
import { EdgeGuard } from './edge-guard.js';

/**
 * The session object fastmcp keeps for an authenticated caller (`context.session` in a tool's
 * `execute`): the caller's core `AuthContext` (`userId`, `clientId`, `scopes`, `claims`, …).
 */
export type FastMCPAuthSession = AuthContext & Record<string, unknown>;

/** A fastmcp server whose sessions are {@link FastMCPAuthSession}s. */
export type AuthenticatedFastMCP = FastMCP<FastMCPAuthSession>;

/** Options of {@link FastMCPAuthWrapper}. */
export interface FastMCPAuthWrapperOptions {
  /** The tool policy: a core `PolicyEngine` (e.g. `createDefaultPolicies()`). */
  policy: PolicyEngine;
  /**
   * An embedded authorization server (`createAuthorizationServer(…)`). Its endpoints and
   * metadata are served on fastmcp's HTTP app, and `verifier`, `resource` and
   * `authorizationServers` default to its own.
   */
  authorizationServer?: AuthorizationServer;
  /**
   * Verifies bearer tokens, e.g. `createAccessTokenVerifier({ key, issuer, audience })`.
   * Default: the embedded authorization server's `tokenVerifier` (revocation-aware).
   */
  verifier?: TokenVerifier;
  /**
   * The MCP endpoint's public URL (the protected resource, the tokens' audience), e.g.
   * `https://mcp.example.com/mcp`. Default: the embedded authorization server's `resource`.
   */
  resource?: string | URL;
  /**
   * Issuer URLs of the authorization servers for this resource (RFC 9728
   * `authorization_servers`). Default: the embedded authorization server's issuer.
   */
  authorizationServers?: readonly string[];
  /**
   * Cap on MCP JSON-RPC bodies, in bytes; a larger one is answered 413. Default 4 MiB
   * (`DEFAULT_MAX_MCP_BODY_BYTES`, the MCP SDK's own limit).
   */
  maxBodyBytes?: number;
  /** Deepest JSON nesting accepted in an MCP body (default 64). */
  maxJsonDepth?: number;
  /** Browser access to the MCP endpoint: allowed `Origin`s and `Host`s (see core's `McpCorsOptions`). */
  cors?: McpCorsOptions;
  /**
   * Require DPoP at the MCP endpoint (the embedded `authorizationServer` must have `dpop` on):
   * `true` for every client, or a function of the caller. Default `false`.
   */
  dpopRequired?: boolean | ((auth: AuthContext) => boolean);
  /**
   * Leave the `Authorization` and `DPoP` headers on requests the MCP endpoint lets through.
   * Default `false`: removed once verified (tools get the caller as `context.session`).
   */
  forwardAuthorization?: boolean;
}

/** The options {@link FastMCPAuthWrapper.serverOptions} contributes to `new FastMCP({…})`. */
export interface FastMCPAuthServerOptions {
  authenticate: (request: IncomingMessage | undefined) => Promise<FastMCPAuthSession>;
  oauth: NonNullable<ServerOptions<FastMCPAuthSession>['oauth']>;
}

type AnyTool = Tool<FastMCPAuthSession, ToolParameters, ToolParameters>;

const protectedServers = new WeakSet<object>();

/**
 * Which tools a session holds besides those the policy shows the caller: `'all'` (a session
 * opened by `initialize`, whose list is filtered per request instead), or the tools the
 * request calls — so that a refused call reaches the tool and gets core's denied result
 * instead of fastmcp's "Unknown tool". Non-enumerable: tools never see it.
 */
const HELD_TOOLS = Symbol('mcp-auth: tools held by the session');

type HeldTools = 'all' | ReadonlySet<string>;

function heldTools(auth: FastMCPAuthSession): HeldTools | undefined {
  return (auth as { [HELD_TOOLS]?: HeldTools })[HELD_TOOLS];
}

function holdTools(auth: FastMCPAuthSession, held: HeldTools): FastMCPAuthSession {
  Object.defineProperty(auth, HELD_TOOLS, { value: held, writable: true, configurable: true });
  return auth;
}

function hasMethod(body: unknown, method: string): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      (message as { method?: unknown }).method === method,
  );
}

/**
 * The tools a request's session must hold: all for a lone `initialize` (the session of a
 * stateful client, whose `tools/list` is filtered per request), none next to a `tools/list`
 * (the list must stay filtered), else the tools it calls.
 */
function toolsToHold(body: unknown): HeldTools {
  if (!Array.isArray(body) && hasMethod(body, 'initialize')) return 'all';
  if (hasMethod(body, 'tools/list')) return new Set();
  return new Set(findToolCalls(body).map((call) => call.name));
}

/**
 * mcp-auth for a `fastmcp` server (the original design's name). Two lines:
 *
 * ```ts
 * const auth = new FastMCPAuthWrapper({ policy, authorizationServer }); // or { policy, verifier, resource, authorizationServers }
 * const server = auth.protect(new FastMCP({ ...auth.serverOptions(), name: 'demo', version: '1.0.0' }));
 * server.addTool({ … }); // after protect(): every tool follows the policy
 * ```
 *
 * - `serverOptions()` gives fastmcp its `authenticate` hook (bearer token → core verifier →
 *   the `AuthContext` as the session; a refused token becomes core's 401 with
 *   `WWW-Authenticate: Bearer resource_metadata="…"`) and its `oauth` settings;
 * - `protect(server)` makes every tool added afterwards follow the policy: `canAccess` hides
 *   the tools a caller may not call from `tools/list`, and each call is checked again with
 *   its arguments (a refusal is core's denied `CallToolResult`); it also mounts the
 *   authorization server's endpoints and metadata on fastmcp's Hono app.
 */
export class FastMCPAuthWrapper {
  readonly #policy: PolicyEngine;
  readonly #authorizationServer: AuthorizationServer | undefined;
  readonly #dpopRequiredForAll: boolean;
  readonly #authenticate: FastMCPAuthServerOptions['authenticate'];
  readonly #oauth: FastMCPAuthServerOptions['oauth'];
  readonly #edge: EdgeGuard;

  /** @throws TypeError naming the option to fix. */
  constructor(options: FastMCPAuthWrapperOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('new FastMCPAuthWrapper(options): options are required');
    }
    const { policy, authorizationServer } = options;
    if (!(policy instanceof PolicyEngine)) {
      throw new TypeError(
        'FastMCPAuthWrapper: policy must be a PolicyEngine from @mcp-auth/core (e.g. createDefaultPolicies())',
      );
    }
    if (
      authorizationServer !== undefined &&
      (typeof authorizationServer?.handle !== 'function' ||
        !Array.isArray(authorizationServer.routes))
    ) {
      throw new TypeError(
        'FastMCPAuthWrapper: authorizationServer must be the result of createAuthorizationServer(…)',
      );
    }
    const verifier = checkTokenVerifier(
      options.verifier ?? authorizationServer?.tokenVerifier,
      'FastMCPAuthWrapper: verifier (or authorizationServer)',
    );
    const resource = parseResource(options.resource ?? authorizationServer?.resource);
    const authorizationServers = parseIssuers(
      options.authorizationServers ??
        (authorizationServer ? [authorizationServer.issuer] : undefined),
    );
    this.#policy = policy;
    this.#authorizationServer = authorizationServer;
    this.#dpopRequiredForAll = options.dpopRequired === true;
    this.#oauth = {
      enabled: true,
      // fastmcp serves this (snake_cased) only when no mounted route answers the well-known
      // path, and names the resource in the 401s mcp-proxy writes itself.
      protectedResource: {
        resource,
        authorizationServers,
        scopesSupported: policy.scopesSupported(),
        bearerMethodsSupported: ['header'],
      },
    };
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_MCP_BODY_BYTES;
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
      throw new TypeError(
        'FastMCPAuthWrapper: maxBodyBytes must be a positive integer number of bytes',
      );
    }
    // Core's MCP endpoint guard decides every request, at the HTTP edge (see edge-guard.ts).
    const guard = createNodeMcpGuard({
      verifier,
      policy,
      resourceMetadataUrl: protectedResourceMetadataUrl(resource),
      maxBodyBytes,
      maxJsonDepth: options.maxJsonDepth,
      cors: options.cors,
      // The embedded server's tracing and audit trail cover its MCP endpoint too.
      instrumentation: authorizationServer?.instrumentation,
      audit: authorizationServer?.audit,
      // DPoP (RFC 9449) when the embedded authorization server has it on.
      ...endpointDpop(authorizationServer?.dpop, options.dpopRequired, 'FastMCPAuthWrapper'),
      forwardAuthorization: options.forwardAuthorization,
    });
    const edge = new EdgeGuard(guard);
    this.#edge = edge;
    this.#authenticate = async (request) => {
      // A request that did not pass the HTTP edge (no request, another path) is decided here
      // from its headers alone; it has no body to read.
      const outcome =
        (request === undefined ? undefined : edge.outcome(request)) ??
        guard({
          method: 'GET',
          url: request?.url,
          headers: request?.headers ?? {},
          readableEnded: true,
        });
      const result = await outcome;
      // mcp-proxy writes a thrown Response verbatim: core's answer, as is.
      if (!result.ok) throw toFetchResponse(result.response);
      return holdTools({ ...result.auth }, toolsToHold(result.body));
    };
  }

  /**
   * The options to spread into `new FastMCP({ ...auth.serverOptions(), name, version })`:
   * `authenticate` (every HTTP request must carry a valid bearer token) and `oauth` (so that
   * fastmcp's own 401s also point at the protected-resource metadata).
   */
  serverOptions(): FastMCPAuthServerOptions {
    return {
      authenticate: this.#authenticate,
      oauth: this.#oauth,
    };
  }

  /**
   * Protects `server`: every tool added after this call follows the policy, and the
   * authorization server's endpoints (when given) are mounted. Call it right after
   * `new FastMCP(…)`, before `addTool` — fastmcp keeps its tools private, so tools added
   * earlier cannot be reached (use {@link FastMCPAuthWrapper.protectTool} for those).
   *
   * @returns the same server.
   * @throws TypeError when `server` was not built with {@link FastMCPAuthWrapper.serverOptions}.
   */
  protect<S extends AuthenticatedFastMCP>(server: S): S {
    if (!(server instanceof FastMCP)) {
      throw new TypeError('FastMCPAuthWrapper.protect(server): server must be a FastMCP instance');
    }
    if (server.options.authenticate !== this.#authenticate) {
      throw new TypeError(
        'FastMCPAuthWrapper.protect(server): create the server with new FastMCP({ ...auth.serverOptions(), name, version }) so that every request is authenticated',
      );
    }
    if (protectedServers.has(server)) return server;
    protectedServers.add(server);
    const addTool = server.addTool.bind(server);
    const addTools = server.addTools.bind(server);
    server.addTool = (tool) => addTool(this.protectTool(tool as AnyTool) as typeof tool);
    server.addTools = (tools) =>
      addTools(tools.map((tool) => this.protectTool(tool as AnyTool) as typeof tool));
    // The HTTP edge: core's guard runs on every MCP request as it arrives (see edge-guard.ts).
    const start = server.start.bind(server);
    const stop = server.stop.bind(server);
    server.start = async (options) => {
      this.#edge.start(mcpEndpointPath(options));
      try {
        await start(options);
      } catch (error) {
        this.#edge.stop();
        throw error;
      }
    };
    server.stop = async () => {
      this.#edge.stop();
      await stop();
    };
    // Stateful sessions live across requests (and tokens): their tools/list is filtered per
    // request instead of once at `initialize`.
    server.on('connect', ({ session }) => this.#filterListPerRequest(session));
    this.addAuthEndpoints(server);
    return server;
  }

  /**
   * A long-lived session holds every tool (each call is authorized with the current token by
   * {@link FastMCPAuthWrapper.protectTool}); its `tools/list` answer is filtered for the
   * caller of each request. mcp-proxy hands every request's session object to `updateAuth`
   * before the request is handled.
   */
  #filterListPerRequest(session: FastMCPSession<FastMCPAuthSession>): void {
    const policy = this.#policy;
    let caller: FastMCPAuthSession | undefined;
    const updateAuth = session.updateAuth.bind(session);
    session.updateAuth = (auth) => {
      caller = auth === undefined ? undefined : holdTools(auth, 'all');
      updateAuth(auth);
    };
    // The SDK server's request-handler table, through @mcp-auth/sdk's one accessor: every
    // tools/list handler fastmcp installs (also after a tools change) is filtered.
    interceptRequestHandlers(session.server as unknown as SdkServer, (method, handler) =>
      method !== 'tools/list'
        ? handler
        : async (request, extra) => {
            const result = (await handler(request, extra)) as { tools?: { name: string }[] };
            return { ...result, tools: filterToolList(result.tools ?? [], caller, policy) };
          },
    );
  }

  /**
   * Serves the authorization server's endpoints and well-known metadata on fastmcp's Hono
   * app (`server.getApp()`); fastmcp answers its own routes only when these do not match.
   * Called by {@link FastMCPAuthWrapper.protect}; does nothing without an authorization server.
   */
  addAuthEndpoints(server: AuthenticatedFastMCP): void {
    const authorizationServer = this.#authorizationServer;
    if (authorizationServer === undefined) return;
    // Every client must use DPoP: the resource's metadata says so (RFC 9728 §2).
    const handle = toFetchHandler(
      this.#dpopRequiredForAll && authorizationServer.dpop !== undefined
        ? withDpopRequiredMetadata(authorizationServer)
        : authorizationServer,
    );
    const app = server.getApp();
    const paths = new Set(authorizationServer.routes.map((route) => route.path));
    // Every method goes to core, which answers a wrong one with 405 and `Allow`.
    // Hono on Node keeps the IncomingMessage in `c.env.incoming`: its peer address buckets
    // per-address limits (registration, login throttling).
    const remoteAddressOf = (env: unknown): string | undefined =>
      (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
        ?.remoteAddress;
    for (const path of paths)
      app.all(path, (c) => handle(c.req.raw, { remoteAddress: remoteAddressOf(c.env) }));
  }

  /**
   * One tool made to follow the policy: `canAccess` hides it from the `tools/list` of callers
   * the policy refuses (and keeps the tool's own `canAccess`, if any, as a further condition),
   * but keeps it in a session whose request calls it; `execute` checks every call with its
   * arguments (`authorizeMcpToolCall`) and answers a refusal with core's denied result
   * (`createDeniedToolResult`), never running the tool.
   */
  protectTool<T extends AnyTool>(tool: T): T {
    const policy = this.#policy;
    const name = tool.name;
    const ownCanAccess = tool.canAccess;
    const execute = tool.execute;
    return {
      ...tool,
      canAccess: (auth: FastMCPAuthSession) => {
        const held = heldTools(auth);
        const holds = held === 'all' || held?.has(name) === true;
        return (
          (holds || filterToolList([tool], auth, policy).length === 1) &&
          (ownCanAccess === undefined || ownCanAccess(auth))
        );
      },
      execute: async (args, context) => {
        // The request that opened this session called the tool: the edge guard decided (and
        // audited) it already; only a refusal on the parsed arguments is recorded again.
        const held = context.session === undefined ? undefined : heldTools(context.session);
        const decidedAtEdge = held !== undefined && held !== 'all' && held.has(name);
        const outcome = authorizeMcpToolCall(policy, context.session, name, args, {
          decidedAtEdge,
        });
        return outcome.allowed ? execute(args, context) : outcome.result;
      },
    };
  }
}

function parseResource(value: unknown): string {
  const text = value instanceof URL ? value.href : value;
  if (typeof text === 'string' && URL.canParse(text)) {
    const url = new URL(text);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '') return text;
  }
  throw new TypeError(
    'FastMCPAuthWrapper: resource must be the MCP endpoint URL without fragment, e.g. "https://mcp.example.com/mcp" (or pass authorizationServer)',
  );
}

function parseIssuers(value: unknown): string[] {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((issuer) => typeof issuer === 'string' && URL.canParse(issuer))
  ) {
    return [...value];
  }
  throw new TypeError(
    'FastMCPAuthWrapper: authorizationServers must list the issuer URL(s) of the authorization server (or pass authorizationServer)',
  );
}

/**
 * The path fastmcp 4 serves MCP on for these `start()` options, resolved as fastmcp does:
 * option, then `--endpoint` / `--base-path` arguments, then `FASTMCP_ENDPOINT` /
 * `FASTMCP_BASE_PATH`, then `/mcp`.
 */
function mcpEndpointPath(options: unknown): string {
  const httpStream = (options as { httpStream?: { endpoint?: unknown; basePath?: unknown } })
    ?.httpStream;
  const endpoint =
    nonEmpty(httpStream?.endpoint) ??
    argument('endpoint') ??
    nonEmpty(process.env['FASTMCP_ENDPOINT']) ??
    '/mcp';
  const basePath =
    nonEmpty(httpStream?.basePath) ??
    argument('base-path') ??
    nonEmpty(process.env['FASTMCP_BASE_PATH']) ??
    '';
  const base = (basePath.startsWith('/') ? basePath : `/${basePath}`).replace(/\/+$/, '');
  return `${base}${endpoint.startsWith('/') ? endpoint : `/${endpoint}`}`;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function argument(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : nonEmpty(args[index + 1]);
}
