import type { IncomingMessage } from 'node:http';
import {
  type AuthContext,
  type AuthResponse,
  canSeeMcpTool,
  decideMcpToolCall,
  errorResponse,
  McpAuthMiddleware,
  type McpToolPolicy,
  type TokenVerifier,
} from '@mcp-auth/core';
import { FastMCP, type ServerOptions, type Tool, type ToolParameters, UserError } from 'fastmcp';

/**
 * The session object fastmcp keeps for an authenticated caller (`context.session` in a tool's
 * `execute`): the caller's core `AuthContext` (`userId`, `clientId`, `scopes`, `claims`, …).
 */
export type FastMCPAuthSession = AuthContext & Record<string, unknown>;

/** A fastmcp server whose sessions are {@link FastMCPAuthSession}s. */
export type AuthenticatedFastMCP = FastMCP<FastMCPAuthSession>;

/**
 * What a core authorization server offers for mounting: `createAuthorizationServer()`'s
 * result satisfies it.
 */
export interface FastMCPAuthorizationServer {
  /** The RFC 8414 metadata; its `issuer` names the authorization server. */
  metadata(): { readonly issuer: string };
  /** Every endpoint it answers (OAuth endpoints and well-known metadata). */
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  /** A Fetch handler answering those routes. */
  toFetchHandler(): (request: Request) => Promise<Response>;
}

/** Options of {@link FastMCPAuthWrapper}. */
export interface FastMCPAuthWrapperOptions {
  /** Verifies bearer tokens: e.g. `createAccessTokenVerifier({ key, issuer, audience })`. */
  verifier: TokenVerifier;
  /** The tool policy: a core `PolicyEngine` (e.g. `createDefaultPolicies()`). */
  policy: McpToolPolicy;
  /**
   * The MCP endpoint's public URL (the protected resource, the tokens' audience), e.g.
   * `https://mcp.example.com/mcp`. Its protected-resource metadata URL goes into every 401.
   */
  resource: string | URL;
  /**
   * An embedded authorization server (`createAuthorizationServer(…)`): its endpoints and
   * metadata are served on fastmcp's HTTP app by {@link FastMCPAuthWrapper.protect}. Omit it
   * when the authorization server runs elsewhere.
   */
  authorizationServer?: FastMCPAuthorizationServer;
  /**
   * Issuer URLs of the authorization servers that issue tokens for this resource (RFC 9728
   * `authorization_servers`). Default: the embedded `authorizationServer`'s issuer; required
   * without one.
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
 * const auth = new FastMCPAuthWrapper({ verifier, policy, resource, authorizationServer });
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
  readonly #policy: McpToolPolicy;
  readonly #middleware: McpAuthMiddleware;
  readonly #resource: string;
  readonly #authorizationServer: FastMCPAuthorizationServer | undefined;
  readonly #authorizationServers: string[];
  readonly #authenticate: FastMCPAuthServerOptions['authenticate'];

  /** @throws TypeError naming the option to fix. */
  constructor(options: FastMCPAuthWrapperOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('new FastMCPAuthWrapper(options): options are required');
    }
    const { verifier, policy, resource, authorizationServer, authorizationServers } = options;
    if (typeof verifier?.verify !== 'function') {
      throw new TypeError(
        'FastMCPAuthWrapper: verifier must be a TokenVerifier from @mcp-auth/core (e.g. createAccessTokenVerifier(…))',
      );
    }
    if (typeof policy?.evaluate !== 'function' || typeof policy.isVisible !== 'function') {
      throw new TypeError(
        'FastMCPAuthWrapper: policy must be a PolicyEngine from @mcp-auth/core (e.g. createDefaultPolicies())',
      );
    }
    this.#resource = parseResource(resource);
    if (
      authorizationServer !== undefined &&
      (!Array.isArray(authorizationServer?.routes) ||
        typeof authorizationServer.toFetchHandler !== 'function' ||
        typeof authorizationServer.metadata !== 'function')
    ) {
      throw new TypeError(
        'FastMCPAuthWrapper: authorizationServer must be the result of createAuthorizationServer(…) (routes, metadata() and toFetchHandler())',
      );
    }
    this.#authorizationServers = parseIssuers(
      authorizationServers ??
        (authorizationServer ? [authorizationServer.metadata().issuer] : undefined),
    );
    this.#policy = policy;
    this.#authorizationServer = authorizationServer;
    this.#middleware = new McpAuthMiddleware({ verifier, policy, resource: this.#resource });
    this.#authenticate = async (request) => {
      try {
        const auth = await this.#middleware.authenticateRequest(request?.headers.authorization);
        return { ...auth };
      } catch (error) {
        // mcp-proxy passes a thrown Response through verbatim: core's 401 / 503, as is.
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
      oauth: {
        enabled: true,
        // fastmcp serves this (snake_cased) only when no mounted route answers the well-known
        // path, and names it in the 401s mcp-proxy writes itself.
        protectedResource: {
          resource: this.#resource,
          authorizationServers: [...this.#authorizationServers],
          scopesSupported: this.#policy.scopesSupported(),
          bearerMethodsSupported: ['header'],
        },
      },
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
    const handle = authorizationServer.toFetchHandler();
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
        canSeeMcpTool(policy, auth, name) && (ownCanAccess === undefined || ownCanAccess(auth)),
      execute: async (args, context) => {
        const outcome = decideMcpToolCall(policy, { auth: context.session, tool: name, args });
        if (outcome.outcome === 'allow') return execute(args, context);
        if (outcome.outcome === 'deny') return outcome.result;
        throw new UserError(outcome.error.message);
      },
    };
  }
}

function parseResource(value: unknown): string {
  if (value instanceof URL || (typeof value === 'string' && URL.canParse(value))) {
    const url = new URL(value);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '') return url.href;
  }
  throw new TypeError(
    'FastMCPAuthWrapper: resource must be the MCP endpoint URL without fragment, e.g. "https://mcp.example.com/mcp"',
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

function toFetchResponse(response: AuthResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const item of typeof value === 'string' ? [value] : value) headers.append(name, item);
  }
  return new Response(response.body ?? null, { status: response.status, headers });
}
