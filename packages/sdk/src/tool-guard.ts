import { type AuthContext, authContextFromAuthInfo, PolicyEngine } from '@mcp-auth/core';
import {
  authorizeMcpToolCall,
  countInServerToolCall,
  filterToolList,
  isAllowedAtEdge,
} from '@mcp-auth/core/mcp';
import {
  type BeforeToolRuns,
  type HandlerGuard,
  handlerGuardsOf,
  hookToolExecution,
  interceptHandlerMap,
  type StoredHandler,
  type ToolExecutionHookHandle,
} from './sdk-internals.js';

/**
 * The guard both SDK generations share: `tools/call` authorized, `tools/list` filtered, with the
 * caller read from the request's extra/context by `authOf`. SDK-free (structural types).
 * @internal
 */
export interface ToolGuardTarget {
  /** The protocol-level server whose request handlers are guarded. */
  readonly server: object;
  /** The McpServer around it, when there is one: argument conditions then see parsed arguments. */
  readonly mcpServer: object | undefined;
  /** The `AuthInfo` of a request, from the extra/context the SDK hands handlers. */
  readonly authInfoOf: (extra: unknown) => unknown;
  /** The SDK package name, for error messages. */
  readonly sdk: string;
}

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/**
 * What guarding needs that does not depend on the server instance: the policy, how to read the
 * caller, and the decision taken right before a tool runs. Made once per (policy, SDK) and
 * shared by every instance a per-request factory protects.
 */
interface GuardKit {
  readonly policy: PolicyEngine;
  readonly authInfoOf: (extra: unknown) => unknown;
  readonly authOf: (extra: unknown) => AuthContext | undefined;
  readonly beforeToolRuns: BeforeToolRuns;
}

const kits = new WeakMap<PolicyEngine, Map<(extra: unknown) => unknown, GuardKit>>();

function guardKit(policy: PolicyEngine, authInfoOf: (extra: unknown) => unknown): GuardKit {
  let byReader = kits.get(policy);
  if (byReader === undefined) {
    byReader = new Map();
    kits.set(policy, byReader);
  }
  let kit = byReader.get(authInfoOf);
  if (kit === undefined) {
    const authOf = (extra: unknown): AuthContext | undefined =>
      authContextFromAuthInfo(authInfoOf(extra));
    kit = {
      policy,
      authInfoOf,
      authOf,
      beforeToolRuns: (tool, args, extra) => {
        if (tool === undefined) {
          // Never run a tool that cannot be named against the policy.
          throw new Error('Access denied: @mcp-auth/sdk could not identify the called tool');
        }
        const authInfo = authInfoOf(extra);
        const outcome = authorizeMcpToolCall(
          policy,
          authContextFromAuthInfo(authInfo),
          tool,
          args,
          { authInfo },
        );
        return outcome.allowed ? undefined : outcome.result;
      },
    };
    byReader.set(authInfoOf, kit);
  }
  return kit;
}

/**
 * Guards `target` with `policy`. Idempotent per server and policy.
 * @throws TypeError when the server is already guarded with another policy.
 */
export function guardServer(policy: PolicyEngine, target: ToolGuardTarget): void {
  for (const guard of handlerGuardsOf(target.server, target.sdk)) {
    if (!(guard instanceof ServerGuard)) continue;
    if (guard.kit.policy === policy) return;
    throw new TypeError(
      'protectMcpServer(server, { policy }): this server is already protected with another policy; protect each server instance once',
    );
  }
  const kit = guardKit(policy, target.authInfoOf);
  const hook =
    target.mcpServer === undefined
      ? undefined
      : hookToolExecution(target.mcpServer, kit.beforeToolRuns, target.sdk);
  const guard = new ServerGuard(kit, hook, target.server);
  // The guard on the handler map is what marks the server protected: a TypeError above leaves
  // nothing marked.
  interceptHandlerMap(target.server, guard, target.sdk);
  guard.storingExisting = false;
}

/** Most sessions one server instance keeps a binding for; past it, new sessions are refused. */
const MAX_BOUND_SESSIONS = 10_000;

/**
 * One protected server's guard over its request-handler map, its state in one object (a
 * per-request factory protects a server per call, and whatever is kept per server — each
 * closure, each property added to an SDK object — is copied by the garbage collector): every
 * stored handler is wrapped once, in a closure over this guard and the handler.
 *
 * A legacy (2025-era) stateful session stays bound to the caller that opened it: a request that
 * carries the session id (`extra.sessionId`) with another user's or client's token is refused
 * as if the session did not exist. Requests without a session (stateless, 2026-07-28) are
 * verified on their own and bind nothing. Bindings are never evicted: past
 * {@link MAX_BOUND_SESSIONS} per server instance, new sessions are refused.
 *
 * `fallbackRequestHandler` (public in both SDKs) answers methods without a stored handler —
 * `tools/call` and `tools/list` too, when nothing else registered them. Whatever is assigned to
 * it, before or after protection, answers those two through the same guards (arguments as
 * sent: no schema known): {@link ServerGuard.missing} hands the protocol a guard around the
 * current fallback instead of letting it fall back.
 */
class ServerGuard implements HandlerGuard {
  /** True while the handlers stored before protection are being wrapped. */
  storingExisting = true;
  private owners: Map<string, string> | undefined; // created with the first session
  // The guards of the last fallback seen, rebuilt only when another one is assigned.
  private fallback: unknown;
  private fallbackCall: Handler | undefined;
  private fallbackList: Handler | undefined;

  constructor(
    readonly kit: GuardKit,
    private readonly hook: ToolExecutionHookHandle | undefined,
    private readonly server: object,
  ) {}

  wrap(method: string, handler: StoredHandler): StoredHandler {
    const raw = handler as unknown as Handler;
    if (method === 'tools/call') {
      // McpServer's own handler parses the arguments with the tool's schema (decided then).
      const hook = this.hook;
      const parses =
        hook !== undefined &&
        (hook.installingToolHandlers || (this.storingExisting && hook.toolHandlersInstalledBefore));
      return guardToolCall(this, raw, parses) as unknown as StoredHandler;
    }
    if (method === 'tools/list') return guardToolList(this, raw) as unknown as StoredHandler;
    return bindSession(this, raw) as unknown as StoredHandler;
  }

  missing(method: string): StoredHandler | undefined {
    if (method !== 'tools/call' && method !== 'tools/list') return undefined;
    const fallback = (this.server as { fallbackRequestHandler?: unknown }).fallbackRequestHandler;
    if (typeof fallback !== 'function') return undefined;
    if (fallback !== this.fallback || this.fallbackCall === undefined) {
      this.fallback = fallback;
      this.fallbackCall = guardToolCall(this, fallback as Handler, false);
      this.fallbackList = guardToolList(this, fallback as Handler);
    }
    const handler = method === 'tools/call' ? this.fallbackCall : this.fallbackList;
    return handler as unknown as StoredHandler;
  }

  /** A refusal when `extra`'s legacy session belongs to another caller, else `undefined`. */
  refuseSession(extra: unknown): Promise<never> | undefined {
    const sessionId = (extra as { sessionId?: unknown } | null | undefined)?.sessionId;
    if (typeof sessionId !== 'string') return undefined;
    const auth = this.kit.authOf(extra);
    if (auth === undefined) return undefined;
    const caller = `${auth.userId}\n${auth.clientId}`;
    this.owners ??= new Map();
    const owner = this.owners.get(sessionId);
    if (owner === undefined) {
      if (this.owners.size >= MAX_BOUND_SESSIONS) return refuse('Too many sessions');
      this.owners.set(sessionId, caller);
    } else if (owner !== caller) return refuse('Session not found');
    return undefined;
  }
}

function refuse(message: string): Promise<never> {
  return Promise.reject(Object.assign(new Error(message), { code: -32001 }));
}

/** Any other method: the session binding only. */
function bindSession(guard: ServerGuard, handler: Handler): Handler {
  return (request, extra) => guard.refuseSession(extra) ?? handler(request, extra);
}

/**
 * `tools/call` at the protocol layer. Without a caller → the `unauthenticated` denied result.
 * When McpServer's own handler follows (`deferArguments`), a call the caller may make for some
 * arguments goes on, and the decision with the arguments is taken after the input schema parsed
 * them ({@link hookToolExecution}); a call refused whatever the arguments is refused here,
 * before any argument is parsed. Any other handler (a low-level `Server`'s own) gets the
 * decision on the arguments as sent.
 */
function guardToolCall(guard: ServerGuard, handler: Handler, deferArguments: boolean): Handler {
  // Not `async`: an allowed call hands back the tool handler's own promise (no extra promise
  // and microtask hops per call). A throw still becomes a rejection, never a pass.
  return (request, extra) => {
    try {
      return (
        guard.refuseSession(extra) ?? callTool(guard.kit, handler, deferArguments, request, extra)
      );
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** The decision of a `tools/call` at the protocol layer ({@link guardToolCall}). */
function callTool(
  kit: GuardKit,
  handler: Handler,
  deferArguments: boolean,
  request: unknown,
  extra: unknown,
): Promise<unknown> {
  const { policy } = kit;
  const params = (request as { params?: { name?: unknown; arguments?: unknown } }).params;
  // A non-string name is checked as '' (an invalid tool name, which the policy refuses).
  const tool = typeof params?.name === 'string' ? params.name : '';
  const authInfo = kit.authInfoOf(extra);
  const auth = authContextFromAuthInfo(authInfo);
  const run = () => {
    // The edge guard allowed this very tool with this policy, or the caller may call it for
    // some arguments: McpServer's handler goes on and the decision on the parsed arguments
    // is taken right before the tool runs.
    if (
      deferArguments &&
      auth !== undefined &&
      (isAllowedAtEdge(authInfo, policy, tool) || policy.isVisible(tool, auth))
    ) {
      return handler(request, extra);
    }
    const outcome = authorizeMcpToolCall(policy, auth, tool, params?.arguments, { authInfo });
    return outcome.allowed ? handler(request, extra) : Promise.resolve(outcome.result);
  };
  // Rate limits: counted here only when no edge guard counted this call already.
  const counting = countInServerToolCall(policy, auth, tool, authInfo);
  if (counting === undefined) return run();
  return counting.then((limited) => (limited !== undefined ? limited.result : run()));
}

function guardToolList(guard: ServerGuard, handler: Handler): Handler {
  return async (request, extra) => {
    await guard.refuseSession(extra);
    const { policy, authOf } = guard.kit;
    const result = await handler(request, extra);
    const fields = typeof result === 'object' && result !== null ? result : {};
    const tools = (fields as { tools?: unknown }).tools;
    // A result of another shape lists nothing: fail closed.
    const listed = Array.isArray(tools) ? tools.filter(hasName) : [];
    const filtered = { ...fields, tools: filterToolList(listed, authOf(extra), policy) };
    // A filtered list is this caller's: never for shared caches (protocol 2026-07-28
    // `cacheScope`). A field on the result wins over the cache hint SDK 2.x attaches under a
    // symbol (a server-level `cacheHints['tools/list']` of `public`), so set it when either is
    // there; a plain 2025-era answer stays as it was.
    if ('cacheScope' in fields || Object.getOwnPropertySymbols(fields).length > 0)
      return { ...filtered, cacheScope: 'private' };
    return filtered;
  };
}

function hasName(tool: unknown): tool is { readonly name: string } {
  return typeof (tool as { name?: unknown } | null)?.name === 'string';
}

/**
 * `protectMcpServer` of both SDK generations: checks the options, finds the protocol-level
 * server (an McpServer's `.server`, or a low-level Server itself) and guards it.
 * @throws TypeError with `notAServer` when `server` is neither, or naming the bad policy.
 * @internal
 */
export function protectServer(
  server: object,
  options: unknown,
  sdk: Pick<ToolGuardTarget, 'authInfoOf' | 'sdk'> & { readonly notAServer: string },
): void {
  const policy = validatePolicy(options, 'protectMcpServer(server, { policy })');
  const candidate = server as { server?: unknown };
  const isMcpServer = isLowLevelServer(candidate.server);
  const target = isMcpServer ? candidate.server : server;
  if (!isLowLevelServer(target)) throw new TypeError(sdk.notAServer);
  guardServer(policy, {
    server: target,
    mcpServer: isMcpServer ? server : undefined,
    authInfoOf: sdk.authInfoOf,
    sdk: sdk.sdk,
  });
}

// A protocol-level server of either SDK generation (structural: no SDK import here).
function isLowLevelServer(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { setRequestHandler?: unknown }).setRequestHandler === 'function' &&
    typeof (value as { connect?: unknown }).connect === 'function'
  );
}

/** The policy of `protectMcpServer`'s options, or a TypeError naming what to fix. */
export function validatePolicy(options: unknown, where: string): PolicyEngine {
  const policy = (options as { policy?: unknown } | null | undefined)?.policy;
  if (!(policy instanceof PolicyEngine)) {
    throw new TypeError(
      `${where}: policy must be a PolicyEngine from @mcp-auth/core (e.g. createDefaultPolicies())`,
    );
  }
  return policy;
}
