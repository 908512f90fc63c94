import {
  createNodeAuthorizationHandler,
  type NodeAuthorizationHandler,
  type NodeAuthorizationHandlerOptions,
  type NodeAuthorizationServer,
} from '@mcp-auth/core/node-http';
import type { Middleware } from 'koa';

/** Options of {@link mcpAuthRouter}. */
export type McpAuthRouterOptions = NodeAuthorizationHandlerOptions;

/** The Koa glue around core's Node route handler. */
export function toRouter(handler: NodeAuthorizationHandler): Middleware {
  return async (ctx, next) => {
    if (!handler.matches(ctx.req)) return next();
    const request = ctx.request as { rawBody?: unknown; body?: unknown };
    ctx.respond = false; // core writes the whole response on ctx.res
    await handler.handle(ctx.req, ctx.res, { preread: request.rawBody ?? request.body });
  };
}

/**
 * Koa middleware serving every endpoint of an mcp-auth authorization server (authorize,
 * token, registration, revocation, introspection, JWKS, login/consent) and both well-known
 * documents (RFC 8414, RFC 9728) at the paths `server.routes` lists. Other paths go to `next()`.
 *
 * Use it on the application itself (not under `koa-mount` or a router prefix), before body
 * parsers; if a parser ran first, its `ctx.request.rawBody` is used. Works with Koa 2 and 3.
 *
 * @example
 * ```ts
 * app.use(mcpAuthRouter(server));
 * ```
 * @throws TypeError when `server` is not a `createAuthorizationServer()` result or the base URL
 * (default: the issuer) is not an absolute http(s) URL.
 */
export function mcpAuthRouter(
  server: NodeAuthorizationServer,
  options: McpAuthRouterOptions = {},
): Middleware {
  return toRouter(createNodeAuthorizationHandler(server, options));
}
