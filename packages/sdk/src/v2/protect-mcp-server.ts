import { type AuthContext, authContextFromAuthInfo, type PolicyEngine } from '@mcp-auth/core';
import type { McpServer, Server } from '@modelcontextprotocol/server';
import { protectServer } from '../tool-guard.js';

// One reader for every protected instance (the guard's shared parts are cached per reader).
const authInfoOfContext = (ctx: unknown): unknown =>
  (ctx as { http?: { authInfo?: unknown } } | null | undefined)?.http?.authInfo;

/** Options of {@link protectMcpServer}. */
export interface ProtectMcpServerOptions {
  /**
   * The policy every tool call and every `tools/list` answer is checked against: a core
   * `PolicyEngine` (e.g. `createDefaultPolicies()` or `PolicyEngine.fromJSON(…)`).
   */
  policy: PolicyEngine;
}

/**
 * Protects an `McpServer` (or a low-level `Server`) from `@modelcontextprotocol/server` 2.x —
 * the instances a `createMcpHandler(factory)` factory returns, on both legs it serves (protocol
 * 2026-07-28 per-request, and the stateless 2025-era fallback), or a `serveStdio` /
 * transport-connected server:
 *
 * - every `tools/call` is authorized against `policy` for the caller in `ctx.http.authInfo` —
 *   the `authInfo` passed to `handler.fetch(request, { authInfo })` (or `req.auth` under
 *   `toNodeHandler`), made by core's `toAuthInfo()` (the mcp-auth guards,
 *   {@link createTokenVerifier} with the SDK's `requireBearerAuth`);
 * - argument conditions are decided on the arguments the tool receives: for an `McpServer`
 *   tool, after its input schema parsed them, right before the tool runs; a call the caller may
 *   not make whatever its arguments is refused before anything is parsed. A low-level
 *   `Server`'s own `tools/call` handler has no schema the guard knows: there the arguments are
 *   checked as sent;
 * - `tools/list` answers only the tools the caller may call;
 * - tools registered before or after this call are covered alike.
 *
 * A refused call gets core's denied `CallToolResult` (`isError: true`, text
 * `Access denied (<code>): <reason>`), and the tool does not run. Without an mcp-auth
 * `authInfo` a call is refused with code `unauthenticated` and `tools/list` is empty: the
 * server fails closed when nothing authenticated the request in front.
 *
 * Call it on every instance the factory builds (`createMcpHandler(() =>
 * protectMcpServer(buildServer(), { policy }))`); it is cheap.
 *
 * @returns the same server, for chaining.
 * @throws TypeError when `server` is not an SDK 2.x server, `options.policy` is not a policy,
 *   the server is already protected with another policy, or the SDK's internals this relies on
 *   moved (see the package README).
 */
export function protectMcpServer<T extends McpServer | Server>(
  server: T,
  options: ProtectMcpServerOptions,
): T {
  protectServer(server, options, {
    authInfoOf: authInfoOfContext,
    sdk: '@modelcontextprotocol/server',
    notAServer:
      'protectMcpServer(server, options): server must be an McpServer or Server from @modelcontextprotocol/server (for @modelcontextprotocol/sdk 1.x, import protectMcpServer from @mcp-auth/sdk)',
  });
  return server;
}

/**
 * The caller's {@link AuthContext} in a v2 handler context (`ctx.http.authInfo.extra.auth`, as
 * core's `toAuthInfo()` builds it), or `undefined` when no mcp-auth authentication ran:
 *
 * ```ts
 * server.registerTool('whoami', {}, async (ctx) => ({
 *   content: [{ type: 'text', text: getAuthContext(ctx)?.userId ?? 'nobody' }],
 * }));
 * ```
 */
export function getAuthContext(ctx: unknown): AuthContext | undefined {
  const http = (ctx as { http?: { authInfo?: unknown } } | null | undefined)?.http;
  return authContextFromAuthInfo(http?.authInfo);
}
