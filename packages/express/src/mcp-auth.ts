import type { AuthorizationServer, PolicyEngine } from '@mcp-auth/core';
import type { Application, RequestHandler } from 'express';
import { mcpGuard, requireAuth } from './auth.js';
import { mcpAuthRouter } from './router.js';

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
  /** {@link mcpAuthRouter} for the server. */
  readonly router: RequestHandler;
  /** {@link requireAuth} with the server's verifier and metadata URL. */
  readonly requireAuth: RequestHandler;
  /** {@link mcpGuard} when a policy was given, else {@link McpAuth.requireAuth}. */
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
 * auth.mount(app, (req, res) => { void transport.handleRequest(req, res, req.body); });
 * ```
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function mcpAuth(options: McpAuthOptions): McpAuth {
  const server = options?.server;
  if (typeof server?.resource !== 'string' || typeof server.resourceMetadataUrl !== 'string') {
    throw new TypeError('mcpAuth: server must be the result of createAuthorizationServer()');
  }
  const base = {
    verifier: server.tokenVerifier,
    resourceMetadataUrl: server.resourceMetadataUrl,
  };
  const router = mcpAuthRouter(server);
  const bearer = requireAuth({ ...base, requiredScopes: options.requiredScopes ?? [] });
  const protect = options.policy
    ? mcpGuard({ ...base, policy: options.policy, challengeScopes: options.requiredScopes ?? [] })
    : bearer;
  const path = new URL(server.resource).pathname;
  return {
    router,
    requireAuth: bearer,
    protect,
    path,
    mount(app, handler, at = path) {
      app.use(router);
      app.all(at, protect, handler);
    },
  };
}
