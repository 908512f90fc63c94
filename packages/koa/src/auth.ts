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
import type { Middleware } from 'koa';

/**
 * `ctx.state` after {@link requireAuth} or {@link mcpGuard}: `auth` is the MCP SDK's `AuthInfo`
 * (`token`, `clientId`, `scopes`, `expiresAt`, `resource`, `extra.auth` = the `AuthContext`).
 * The same object is put on `ctx.req.auth`, where the SDK's
 * `StreamableHTTPServerTransport.handleRequest(ctx.req, …)` looks for it.
 */
export interface McpAuthState {
  auth?: McpAuthInfo;
  /**
   * The parsed JSON-RPC body after {@link mcpGuard} (also in `ctx.request.body`), for
   * `transport.handleRequest(ctx.req, ctx.res, ctx.state.body)`.
   */
  body?: unknown;
}

/** Options of {@link requireAuth}. */
export type RequireAuthOptions = NodeBearerAuthOptions;

/** Options of {@link mcpGuard}. */
export type McpGuardOptions = NodeMcpGuardOptions;

// Koa's own request body slots, filled by koa-bodyparser / @koa/bodyparser when they ran.
interface ParsedRequest {
  body?: unknown;
  rawBody?: unknown;
}

/** The Koa glue around one of core's Node checks: write the refusal, or attach and go on. */
export function toMiddleware(
  check: (
    request: NodeRequestLike,
    options: NodeGuardCallOptions,
  ) => Promise<NodeAuthOutcome & { body?: unknown }>,
): Middleware<McpAuthState> {
  return async (ctx, next) => {
    const request = ctx.request as ParsedRequest;
    const outcome = await check(ctx.req, { preread: request.body, response: ctx.res });
    if (!outcome.ok) {
      ctx.respond = false; // core's answer is written as it is
      writeNodeResponse(ctx.res, outcome.response);
      return;
    }
    ctx.state.auth = outcome.authInfo;
    (ctx.req as { auth?: McpAuthInfo }).auth = outcome.authInfo;
    if (outcome.body !== undefined) {
      request.body = outcome.body;
      ctx.state.body = outcome.body;
    }
    await next();
  };
}

/**
 * Koa middleware that requires a valid bearer token (from the `Authorization` header only) and
 * sets `ctx.state.auth`. Refusals are core's: 401 with
 * `WWW-Authenticate: Bearer resource_metadata="…", scope="…"`, 403 `insufficient_scope` when
 * `requiredScopes` are missing, 503 when the token store is unavailable.
 *
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function requireAuth(options: RequireAuthOptions): Middleware<McpAuthState> {
  return toMiddleware(createNodeBearerAuth(options));
}

/**
 * Koa middleware for the MCP endpoint: core's MCP guard. It authenticates from the
 * `Authorization` header before reading the body (an unauthenticated body is never read), then
 * decides every `tools/call` at the HTTP edge: 403 `insufficient_scope` step-up when scopes
 * would help, otherwise the JSON-RPC denied result written here — a refused call never reaches
 * the MCP server. Answers preflights and refuses foreign `Origin`s (see `cors`).
 *
 * It reads the JSON body itself (4 MiB cap) unless a body parser already ran, and leaves the
 * parsed body in `ctx.state.body` and `ctx.request.body`: call
 * `transport.handleRequest(ctx.req, ctx.res, ctx.state.body)` with `ctx.respond = false`.
 *
 * @throws TypeError at mount time when an option is missing or malformed.
 */
export function mcpGuard(options: McpGuardOptions): Middleware<McpAuthState> {
  return toMiddleware(createNodeMcpGuard(options));
}
