import { createNodeMcpAuth, type NodeMcpAuthOptions } from '@mcp-auth/core/node-http';
import type { Middleware } from 'koa';
import { type McpAuthState, toMiddleware } from './auth.js';
import { toRouter } from './router.js';

/** Options of {@link mcpAuth}: `server` (`createAuthorizationServer()`), `policy` (required), `requiredScopes?`, `cors?`, `maxJsonDepth?`, `dpopRequired?` (DPoP: docs/dpop.md), `forwardAuthorization?` (keep the verified `Authorization` header on the request). */
export type McpAuthOptions = NodeMcpAuthOptions;

/** Everything {@link mcpAuth} wires from one authorization server. */
export interface McpAuth {
  /** `mcpAuthRouter(server)`. */
  readonly router: Middleware;
  /** `requireAuth()` with the server's verifier and metadata URL. */
  readonly requireAuth: Middleware<McpAuthState>;
  /** `mcpGuard()` with the server's verifier and URLs: every `tools/call` is decided here. */
  readonly protect: Middleware<McpAuthState>;
  /** The MCP endpoint's path: the path of the server's `resource` URL (e.g. `/mcp`). */
  readonly path: string;
  /**
   * Uses the router on `app`, and `protect` then `handler` for requests to `path` (default
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
  const wired = createNodeMcpAuth(options);
  const router = toRouter(wired.router);
  const protect = toMiddleware(wired.protect);
  return {
    router,
    requireAuth: toMiddleware(wired.authenticate),
    protect,
    path: wired.path,
    mount(app, handler, path = wired.path) {
      app.use(router);
      app.use((ctx, next) => (ctx.path === path ? protect(ctx, () => handler(ctx, next)) : next()));
    },
  };
}
