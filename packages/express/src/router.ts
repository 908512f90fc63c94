import {
  createNodeAuthorizationHandler,
  type NodeAuthorizationHandler,
  type NodeAuthorizationHandlerOptions,
  type NodeAuthorizationServer,
} from '@mcp-auth/core/node-http';
import type { RequestHandler } from 'express';

/** Options of {@link mcpAuthRouter}. */
export type McpAuthRouterOptions = NodeAuthorizationHandlerOptions;

/** The Express glue around core's Node route handler. */
export function toRouter(handler: NodeAuthorizationHandler): RequestHandler {
  return (req, res, next) => {
    if (!handler.matches(req)) {
      next();
      return;
    }
    void handler.handle(req, res);
  };
}

/**
 * Express middleware serving every endpoint of an mcp-auth authorization server (authorize,
 * token, registration, revocation, introspection, JWKS, login/consent) and both well-known
 * documents (RFC 8414, RFC 9728) at the paths `server.routes` lists. Other paths go to `next()`.
 *
 * Mount it at the application root and **before** body parsers (`express.json()`,
 * `express.urlencoded()`): core reads and parses the raw body itself. Works with Express 4 and 5.
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
): RequestHandler {
  return toRouter(createNodeAuthorizationHandler(server, options));
}
