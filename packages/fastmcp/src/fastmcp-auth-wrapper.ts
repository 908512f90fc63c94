import type { IncomingMessage } from 'node:http';
import {
  type AuthContext,
  type AuthorizationServer,
  authorizeMcpToolCall,
  errorResponse,
  filterToolList,
  McpAuthMiddleware,
  PolicyEngine,
  protectedResourceMetadataUrl,
  type TokenVerifier,
  toFetchHandler,
  toFetchResponse,
} from '@mcp-auth/core';
import { FastMCP, type ServerOptions, type Tool, type ToolParameters } from 'fastmcp';

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
}

/** The options {@link FastMCPAuthWrapper.serverOptions} contributes to `new FastMCP({…})`. */
export interface FastMCPAuthServerOptions {
  authenticate: (request: IncomingMessage | undefined) => Promise<FastMCPAuthSession>;
  oauth: NonNullable<ServerOptions<FastMCPAuthSession>['oauth']>;
}

type AnyTool = Tool<FastMCPAuthSession, ToolParameters, ToolParameters>;

const protectedServers = new WeakSet<object>();

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
  readonly #authenticate: FastMCPAuthServerOptions['authenticate'];
  readonly #oauth: FastMCPAuthServerOptions['oauth'];

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
    const verifier = options.verifier ?? authorizationServer?.tokenVerifier;
    if (typeof verifier?.verify !== 'function') {
      throw new TypeError(
        'FastMCPAuthWrapper: pass verifier (a TokenVerifier, e.g. createAccessTokenVerifier(…)) or authorizationServer',
      );
    }
    const resource = parseResource(options.resource ?? authorizationServer?.resource);
    const authorizationServers = parseIssuers(
      options.authorizationServers ??
        (authorizationServer ? [authorizationServer.issuer] : undefined),
    );
    this.#policy = policy;
    this.#authorizationServer = authorizationServer;
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
    const middleware = new McpAuthMiddleware({
      verifier,
      policy,
      resourceMetadataUrl: protectedResourceMetadataUrl(resource),
    });
    this.#authenticate = async (request) => {
      try {
        return { ...(await middleware.authenticateRequest(request?.headers.authorization)) };
      } catch (error) {
        // mcp-proxy writes a thrown Response verbatim: core's 401 challenge / 503, as is.
        throw toFetchResponse(errorResponse(error));
      }
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
    this.addAuthEndpoints(server);
    return server;
  }

  /**
   * Serves the authorization server's endpoints and well-known metadata on fastmcp's Hono
   * app (`server.getApp()`); fastmcp answers its own routes only when these do not match.
   * Called by {@link FastMCPAuthWrapper.protect}; does nothing without an authorization server.
   */
  addAuthEndpoints(server: AuthenticatedFastMCP): void {
    const authorizationServer = this.#authorizationServer;
    if (authorizationServer === undefined) return;
    const handle = toFetchHandler(authorizationServer);
    const app = server.getApp();
    const paths = new Set(authorizationServer.routes.map((route) => route.path));
    // Every method goes to core, which answers a wrong one with 405 and `Allow`.
    for (const path of paths) app.all(path, (c) => handle(c.req.raw));
  }

  /**
   * One tool made to follow the policy: `canAccess` hides it from callers the policy refuses
   * (and keeps the tool's own `canAccess`, if any, as a further condition); `execute` checks
   * the call again with its arguments and answers a refusal with core's denied result.
   */
  protectTool<T extends AnyTool>(tool: T): T {
    const policy = this.#policy;
    const name = tool.name;
    const ownCanAccess = tool.canAccess;
    const execute = tool.execute;
    return {
      ...tool,
      canAccess: (auth: FastMCPAuthSession) =>
        filterToolList([tool], auth, policy).length === 1 &&
        (ownCanAccess === undefined || ownCanAccess(auth)),
      execute: async (args, context) => {
        const outcome = authorizeMcpToolCall(policy, context.session, name, args);
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
