import {
  createNodeBearerAuth,
  createNodeMcpGuard,
  type NodeAuthOutcome,
  type NodeBearerAuthOptions,
  type NodeGuardCallOptions,
  type NodeMcpGuardOptions,
  type NodeRequestLike,
  writeNodeResponse,
} from '@mcp-auth/core/node-http';
import type { McpAuthInfo } from '@mcp-auth/core/mcp';
import type { Request, RequestHandler } from 'express';
import { setRequestAuth, setRequestBody } from './request-auth.js';

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
  check: (
    request: NodeRequestLike,
    options: NodeGuardCallOptions,
  ) => Promise<NodeAuthOutcome & { body?: unknown }>,
): RequestHandler {
  return (req, res, next) => {
    check(req, { response: res }).then((outcome) => {
      if (!outcome.ok) return writeNodeResponse(res, outcome.response);
      setRequestAuth(req, outcome.authInfo);
      if (outcome.body !== undefined) setRequestBody(req, outcome.body);
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
 * Express middleware for the MCP endpoint: core's MCP guard. It authenticates from the
 * `Authorization` header before reading the body (an unauthenticated body is never read), then
 * decides every `tools/call` at the HTTP edge: 403 `insufficient_scope` step-up when scopes
 * would help, otherwise the JSON-RPC denied result written here — a refused call never reaches
 * the MCP server. Answers preflights and refuses foreign `Origin`s (see `cors`).
 *
 * It reads the JSON body itself (4 MiB cap; mount it before `express.json()`) and leaves the
 * parsed body in `req.body`: call `transport.handleRequest(req, res, req.body)`.
 *
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function mcpGuard(options: McpGuardOptions): RequestHandler {
  return toMiddleware(createNodeMcpGuard(options));
}
