import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { PolicyEngine } from '@mcp-auth/core';
import { protectServer } from './tool-guard.js';

// One reader for every protected instance (the guard's shared parts are cached per reader).
const authInfoOfExtra = (extra: unknown): unknown =>
  (extra as { authInfo?: unknown } | null | undefined)?.authInfo;

/** Options of {@link protectMcpServer}. */
export interface ProtectMcpServerOptions {
  /**
   * The policy every tool call and every `tools/list` answer is checked against: a core
   * `PolicyEngine` (e.g. `createDefaultPolicies()` or `PolicyEngine.fromJSON(…)`).
   */
  policy: PolicyEngine;
}

/**
 * Protects an `McpServer` (or a low-level SDK `Server`) from `@modelcontextprotocol/sdk` 1.x
 * (for SDK 2.x, `@modelcontextprotocol/server`, use `@mcp-auth/sdk/v2`):
 *
 * - every `tools/call` is authorized against `policy` from `extra.authInfo` (set by
 *   `requireBearerAuth` with {@link createTokenVerifier}, `@mcp-auth/express`'s `requireAuth()`
 *   or any transport given an `authInfo`);
 * - argument conditions are decided on the arguments the tool receives: for an `McpServer`
 *   tool, after its input schema parsed them (`z.string().trim().toLowerCase()` turns
 *   `" Carol"` into `"carol"` before the policy sees it), right before the tool runs; a call
 *   the caller may not make whatever its arguments is refused before anything is parsed. A
 *   low-level `Server`'s own `tools/call` handler has no schema the guard knows: there the
 *   arguments are checked as sent;
 * - `tools/list` answers only the tools the caller may call;
 * - tools registered before or after this call are covered alike: the guard sits on the
 *   server's request handlers, not on individual tools.
 *
 * A call the policy refuses gets core's denied `CallToolResult` (`createDeniedToolResult`:
 * `isError: true`, text `Access denied (<code>): <reason>`) and the tool does not run. A request
 * without an `authInfo` made by core (`toAuthInfo`) is refused the same way (code
 * `unauthenticated`) and sees an empty `tools/list`: the server fails closed when no mcp-auth
 * authentication ran in front.
 *
 * Works the same for stateless and stateful Streamable HTTP, SSE and stdio transports, since
 * it guards the server, not a transport. Call it once per server instance, before `connect()`
 * (a stateless setup that creates a server per request calls it per request; it is cheap).
 *
 * @returns the same server, for chaining.
 * @throws TypeError when `server` is not an SDK server or `options.policy` is not a policy.
 */
export function protectMcpServer<T extends McpServer | Server>(
  server: T,
  options: ProtectMcpServerOptions,
): T {
  protectServer(server, options, {
    authInfoOf: authInfoOfExtra,
    sdk: '@modelcontextprotocol/sdk',
    notAServer:
      'protectMcpServer(server, options): server must be an McpServer or Server from @modelcontextprotocol/sdk',
  });
  return server;
}
