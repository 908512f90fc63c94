import {
  authContextFromAuthInfo,
  decideMcpToolCall,
  type McpToolPolicy,
  selectVisibleTools,
} from '@mcp-auth/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  interceptRequestHandlers,
  type RawRequestHandler,
  type RequestExtra,
} from './request-handlers.js';

/** Options of {@link protectMcpServer}. */
export interface ProtectMcpServerOptions {
  /**
   * The policy every tool call and every `tools/list` answer is checked against: a core
   * `PolicyEngine` (e.g. `createDefaultPolicies()` or `PolicyEngine.fromJSON(…)`).
   */
  policy: McpToolPolicy;
}

/**
 * Protects an `McpServer` (or a low-level SDK `Server`) from `@modelcontextprotocol/sdk`:
 *
 * - every `tools/call` is authorized against `policy` from `extra.authInfo` (set by
 *   `requireBearerAuth` with {@link createTokenVerifier}, `@mcp-auth/express`'s `requireAuth()`
 *   or any transport given an `authInfo`), with the call's arguments as sent by the client,
 *   before the tool's input schema or handler runs;
 * - `tools/list` answers only the tools the caller may call;
 * - tools registered before or after this call are covered alike: the guard sits on the
 *   server's request handlers, not on individual tools.
 *
 * A call the policy refuses gets core's denied `CallToolResult` (`isError: true`, the policy's
 * reason as text, the decision in `_meta`). A request without `authInfo` is answered with a
 * JSON-RPC error (`InvalidRequest`, "authentication required") for `tools/call` and an empty
 * list for `tools/list`: the server fails closed when no authentication ran in front of it.
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
  const target = lowLevelServer(server);
  const policy = validatePolicy(options);
  interceptRequestHandlers(target, (method, handler) => {
    if (method === 'tools/call') return guardToolCall(policy, handler);
    if (method === 'tools/list') return guardToolList(policy, handler);
    return handler;
  });
  return server;
}

function guardToolCall(policy: McpToolPolicy, handler: RawRequestHandler): RawRequestHandler {
  return async (request, extra) => {
    const params = request.params as { name?: unknown; arguments?: unknown } | undefined;
    const decision = decideMcpToolCall(policy, {
      auth: authContextOf(extra),
      tool: params?.name,
      args: params?.arguments,
    });
    if (decision.outcome === 'allow') return handler(request, extra);
    if (decision.outcome === 'deny') return decision.result;
    throw new McpError(ErrorCode.InvalidRequest, decision.error.message);
  };
}

function guardToolList(policy: McpToolPolicy, handler: RawRequestHandler): RawRequestHandler {
  return async (request, extra) => {
    const result = await handler(request, extra);
    return selectVisibleTools(policy, authContextOf(extra), result);
  };
}

function authContextOf(extra: RequestExtra) {
  return authContextFromAuthInfo(extra.authInfo);
}

function lowLevelServer(server: McpServer | Server): Server {
  const candidate = server as unknown as { server?: unknown; setRequestHandler?: unknown };
  if (isLowLevelServer(candidate.server)) return candidate.server;
  if (isLowLevelServer(candidate)) return candidate as unknown as Server;
  throw new TypeError(
    'protectMcpServer(server, options): server must be an McpServer or Server from @modelcontextprotocol/sdk',
  );
}

function isLowLevelServer(value: unknown): value is Server {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { setRequestHandler?: unknown }).setRequestHandler === 'function' &&
    typeof (value as { connect?: unknown }).connect === 'function'
  );
}

function validatePolicy(options: ProtectMcpServerOptions | undefined): McpToolPolicy {
  const policy = (options as { policy?: unknown } | undefined)?.policy as
    | Partial<McpToolPolicy>
    | undefined;
  if (
    typeof policy !== 'object' ||
    policy === null ||
    typeof policy.evaluate !== 'function' ||
    typeof policy.visibleTools !== 'function' ||
    typeof policy.isVisible !== 'function'
  ) {
    throw new TypeError(
      'protectMcpServer(server, { policy }): policy must be a PolicyEngine from @mcp-auth/core (e.g. createDefaultPolicies())',
    );
  }
  return policy as McpToolPolicy;
}
