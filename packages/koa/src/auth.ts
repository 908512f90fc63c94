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
    readOptions: { preread?: unknown },
  ) => Promise<NodeAuthOutcome & { body?: unknown }>,
): Middleware<McpAuthState> {
  return async (ctx, next) => {
    const request = ctx.request as ParsedRequest;
    const outcome = await check(ctx.req, { preread: request.body });
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
 * Koa middleware for the MCP endpoint: authenticates like {@link requireAuth} and authorizes
 * every `tools/call` in the body at the HTTP edge, so a call that lacks scopes gets a real 403
 * `insufficient_scope` step-up challenge (scope = granted ∪ missing). A denial that scopes
 * cannot fix passes on, to be answered inside MCP with the policy's reason (use
 * `protectMcpServer` from `@mcp-auth/sdk` on the MCP server).
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
