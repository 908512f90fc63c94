import {
  createNodeBearerAuth,
  createNodeMcpGuard,
  type McpAuthInfo,
  type NodeAuthOutcome,
  type NodeBearerAuthOptions,
  type NodeMcpGuardOptions,
  type NodeRequestLike,
  writeNodeResponse,
} from '@mcp-auth/core';
import type { Request, RequestHandler } from 'express';

/**
 * An Express request after {@link requireAuth} or {@link mcpGuard}: `req.auth` is the MCP
 * SDK's `AuthInfo` (`token`, `clientId`, `scopes`, `expiresAt`, `resource`, `extra.auth` = the
 * `AuthContext`), which `StreamableHTTPServerTransport.handleRequest(req, …)` hands to tools
 * as `extra.authInfo`.
 */
export type McpAuthRequest = Request & { auth?: McpAuthInfo };

/** Options of {@link requireAuth}. */
export type RequireAuthOptions = NodeBearerAuthOptions;

/** Options of {@link mcpGuard}. */
export type McpGuardOptions = NodeMcpGuardOptions;

/** The Express glue around one of core's Node checks: write the refusal, or attach and go on. */
export function toMiddleware(
  check: (request: NodeRequestLike) => Promise<NodeAuthOutcome & { body?: unknown }>,
): RequestHandler {
  return (req, res, next) => {
    check(req).then((outcome) => {
      if (!outcome.ok) return writeNodeResponse(res, outcome.response);
      (req as McpAuthRequest).auth = outcome.authInfo;
      if (outcome.body !== undefined) req.body = outcome.body;
      next();
    }, next);
  };
}

/**
 * Express middleware that requires a valid bearer token (from the `Authorization` header only)
 * and sets `req.auth`. Refusals are core's: 401 with
 * `WWW-Authenticate: Bearer resource_metadata="…", scope="…"`, 403 `insufficient_scope` when
 * `requiredScopes` are missing, 503 when the token store is unavailable.
 *
 * @example
 * ```ts
 * app.post('/mcp', requireAuth({ verifier: server.tokenVerifier,
 *   resourceMetadataUrl: server.resourceMetadataUrl }), mcpHandler);
 * ```
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function requireAuth(options: RequireAuthOptions): RequestHandler {
  return toMiddleware(createNodeBearerAuth(options));
}

/**
 * Express middleware for the MCP endpoint: authenticates like {@link requireAuth} and
 * authorizes every `tools/call` in the body at the HTTP edge, so a call that lacks scopes gets
 * a real 403 `insufficient_scope` step-up challenge (scope = granted ∪ missing). A denial that
 * scopes cannot fix passes on, to be answered inside MCP with the policy's reason (use
 * `protectMcpServer` from `@mcp-auth/sdk` on the MCP server).
 *
 * It reads the JSON body itself (4 MiB cap) unless `express.json()` already ran, and leaves the
 * parsed body in `req.body`: call `transport.handleRequest(req, res, req.body)`.
 *
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function mcpGuard(options: McpGuardOptions): RequestHandler {
  return toMiddleware(createNodeMcpGuard(options));
}
