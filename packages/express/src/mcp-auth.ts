import { createNodeMcpAuth, type NodeMcpAuthOptions } from '@mcp-auth/core/node-http';
import type { Application, RequestHandler } from 'express';
import { toMiddleware } from './auth.js';
import { toRouter } from './router.js';

/** Options of {@link mcpAuth}: `server` (`createAuthorizationServer()`), `policy` (required), `requiredScopes?`, `cors?`, `maxJsonDepth?`, `dpopRequired?` (DPoP: docs/dpop.md), `forwardAuthorization?` (keep the verified `Authorization` header on the request). */
export type McpAuthOptions = NodeMcpAuthOptions;

/** Everything {@link mcpAuth} wires from one authorization server. */
export interface McpAuth {
  /** `mcpAuthRouter(server)`. */
  readonly router: RequestHandler;
  /** `requireAuth()` with the server's verifier and metadata URL. */
  readonly requireAuth: RequestHandler;
  /** `mcpGuard()` with the server's verifier and URLs: every `tools/call` is decided here. */
  readonly protect: RequestHandler;
  /** The MCP endpoint's path: the path of the server's `resource` URL (e.g. `/mcp`). */
  readonly path: string;
  /**
   * Mounts the router on `app` and `protect` + `handler` on every method of `path` (default
   * {@link McpAuth.path}). Call it before any body parser.
   */
  mount(app: Pick<Application, 'use' | 'all'>, handler: RequestHandler, path?: string): void;
}

/**
 * Wires an Express app from one authorization server: the OAuth endpoints, and the protection
 * of the MCP endpoint.
 *
 * @example
 * ```ts
 * const auth = mcpAuth({ server, policy });
 * auth.mount(app, (req, res, next) => {
 *   transport.handleRequest(req, res, req.body).catch(next);
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
      // The MCP endpoint first: its requests then skip the router's layer (~10 µs of Express
      // dispatch each). Unless the path is one of the server's own endpoints, which must win.
      if (wired.router.routes.some((route) => route.path === path)) {
        app.use(router);
        app.all(path, protect, handler);
        return;
      }
      app.all(path, protect, handler);
      app.use(router);
    },
  };
}
