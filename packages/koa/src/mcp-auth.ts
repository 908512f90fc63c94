import type { AuthorizationServer, PolicyEngine } from '@mcp-auth/core';
import type { Middleware } from 'koa';
import { type McpAuthState, mcpGuard, requireAuth } from './auth.js';
import { mcpAuthRoutes } from './router.js';

/** Options of {@link mcpAuth}. */
export interface McpAuthOptions {
  /** The authorization server (`createAuthorizationServer()`); its verifier and URLs are used. */
  server: AuthorizationServer;
  /** The tool policy; when given, the MCP endpoint is guarded with {@link mcpGuard}. */
  policy?: PolicyEngine;
  /** Scopes every MCP request needs (and that 401 challenges advertise). */
  requiredScopes?: readonly string[];
}

/** Everything {@link mcpAuth} wires from one authorization server. */
export interface McpAuth {
  /** {@link mcpAuthRoutes} for the server. */
  readonly routes: Middleware;
  /** {@link requireAuth} with the server's verifier and metadata URL. */
  readonly requireAuth: Middleware<McpAuthState>;
  /** {@link mcpGuard} when a policy was given, else {@link McpAuth.requireAuth}. */
  readonly protect: Middleware<McpAuthState>;
  /** The MCP endpoint's path: the path of the server's `resource` URL (e.g. `/mcp`). */
  readonly path: string;
  /**
   * Uses the routes on `app`, and `protect` then `handler` for requests to `path` (default
   * {@link McpAuth.path}, every method). Call it before any body parser.
   */
  mount(
    app: { use(middleware: Middleware<McpAuthState>): unknown },
    handler: Middleware<McpAuthState>,
    path?: string,
  ): void;
}

/**
 * Wires a Koa app from one authorization server: the OAuth endpoints, and the protection of
 * the MCP endpoint.
 *
 * @example
 * ```ts
 * const auth = mcpAuth({ server, policy });
 * auth.mount(app, async (ctx) => {
 *   ctx.respond = false;
 *   await transport.handleRequest(ctx.req, ctx.res, ctx.state.body);
 * });
 * ```
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function mcpAuth(options: McpAuthOptions): McpAuth {
  const server = options?.server;
  if (typeof server?.resource !== 'string' || typeof server.resourceMetadataUrl !== 'string') {
    throw new TypeError('mcpAuth: server must be the result of createAuthorizationServer()');
  }
  const base = { verifier: server.tokenVerifier, resourceMetadataUrl: server.resourceMetadataUrl };
  const routes = mcpAuthRoutes(server);
  const bearer = requireAuth({ ...base, requiredScopes: options.requiredScopes ?? [] });
  const protect = options.policy
    ? mcpGuard({ ...base, policy: options.policy, challengeScopes: options.requiredScopes ?? [] })
    : bearer;
  const path = new URL(server.resource).pathname;
  return {
    routes,
    requireAuth: bearer,
    protect,
    path,
    mount(app, handler, at = path) {
      app.use(routes);
      app.use((ctx, next) => (ctx.path === at ? protect(ctx, () => handler(ctx, next)) : next()));
    },
  };
}
