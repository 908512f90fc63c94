import {
  type AuthContext,
  authContextFromAuthInfo,
  authorizeMcpToolCall,
  filterToolList,
  PolicyEngine,
} from '@mcp-auth/core';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
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
  policy: PolicyEngine;
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
 * A call the policy refuses gets core's denied `CallToolResult` (`createDeniedToolResult`:
 * `isError: true`, text `Access denied (<code>): <reason>`). A request without an `authInfo`
 * made by core (`toAuthInfo`) is refused the same way (code `unauthenticated`) and sees an
 * empty `tools/list`: the server fails closed when no mcp-auth authentication ran in front.
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

function guardToolCall(policy: PolicyEngine, handler: RawRequestHandler): RawRequestHandler {
  // Not `async`: an allowed call hands back the tool handler's own promise (no extra promise
  // and microtask hops per call). A throw still becomes a rejection, never a pass.
  return (request, extra) => {
    try {
      const params = request.params as { name?: unknown; arguments?: unknown } | undefined;
      // A non-string name is checked as '' (an invalid tool name, which the policy refuses).
      const tool = typeof params?.name === 'string' ? params.name : '';
      const outcome = authorizeMcpToolCall(policy, authOf(extra), tool, params?.arguments);
      return outcome.allowed ? handler(request, extra) : Promise.resolve(outcome.result);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function guardToolList(policy: PolicyEngine, handler: RawRequestHandler): RawRequestHandler {
  return async (request, extra) => {
    const result = await handler(request, extra);
    const fields = typeof result === 'object' && result !== null ? result : {};
    const tools = (fields as { tools?: unknown }).tools;
    // A result of another shape lists nothing: fail closed.
    const listed = Array.isArray(tools) ? tools.filter(hasName) : [];
    return { ...fields, tools: filterToolList(listed, authOf(extra), policy) };
  };
}

function hasName(tool: unknown): tool is { readonly name: string } {
  return typeof (tool as { name?: unknown } | null)?.name === 'string';
}

function authOf(extra: RequestExtra): AuthContext | undefined {
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

function validatePolicy(options: ProtectMcpServerOptions | undefined): PolicyEngine {
  const policy = (options as { policy?: unknown } | undefined)?.policy;
  if (!(policy instanceof PolicyEngine)) {
    throw new TypeError(
      'protectMcpServer(server, { policy }): policy must be a PolicyEngine from @mcp-auth/core (e.g. createDefaultPolicies())',
    );
  }
  return policy;
}
