/**
 * The one place that touches MCP SDK internals, for both SDK generations (`@modelcontextprotocol/sdk`
 * 1.x and `@modelcontextprotocol/server` 2.x keep the same private names). Everything here is
 * structural (no SDK import), checked when a server is protected (a `TypeError` naming the SDK
 * when a name moved) and pinned by the canary tests `test/request-handlers.test.ts` (v1) and
 * `test/v2/sdk-internals.test.ts` (v2), so an SDK upgrade cannot silently leave tools unguarded.
 *
 * What is touched and why (neither SDK offers a public seam for it):
 * - `Protocol#_requestHandlers` (a `Map` method → handler, guarded in place: its own `get` and
 *   `set` are replaced): guarding `tools/call` and
 *   `tools/list` handlers stored before or after protection, whichever path stored them; and,
 *   because both SDKs dispatch with `_requestHandlers.get(method) ?? this.fallbackRequestHandler`,
 *   answering a method nothing stored through a guard around the fallback (so the public
 *   `fallbackRequestHandler` field is never redefined: an accessor on the server instance cost
 *   every later property access on it, ~15 µs per protected instance).
 * - `McpServer#setToolRequestHandlers` (wrapped, behaviour unchanged) and
 *   `_toolHandlersInitialized`: to know that the `tools/call` handler being stored is
 *   McpServer's own, which parses the arguments with the tool's input schema and then calls
 *   `executeToolHandler`. A `tools/call` handler already stored when an McpServer is protected
 *   is taken for McpServer's when McpServer says it installed its handlers (a handler the user
 *   swapped in before protecting is not detected; the README says to protect first).
 * - `McpServer#executeToolHandler(tool, args, extra)` (wrapped): the point after the input
 *   schema parsed the arguments and right before the tool runs — the policy decides on the
 *   arguments the tool actually receives. `McpServer#_registeredTools` names the tool.
 * - v1 only, `McpServer#handleAutomaticTaskPolling` and `validateToolInput`: the task path of
 *   SDK 1.x tools (`taskSupport: 'optional'`) runs the tool without `executeToolHandler`.
 * @internal
 */

/** A request handler as both SDKs store it: the raw JSON-RPC request in, the result out. */
export type StoredHandler = (request: never, extra: never) => Promise<unknown>;

/** Returns the handler to store for `method`: the given one, or a guard around it. */
export type WrapStoredHandler = (method: string, handler: StoredHandler) => StoredHandler;

/**
 * A guard over the protocol's request-handler map, as one object (a per-server guard keeps its
 * state in its own fields instead of closures).
 */
export interface HandlerGuard {
  /** The handler to store for `method`: the given one, or a guard around it. */
  wrap(method: string, handler: StoredHandler): StoredHandler;
  /**
   * Answers `method` when no handler is stored for it (the protocol would fall back to
   * `fallbackRequestHandler`): a handler to use instead, or `undefined` to let it fall back.
   */
  missing?(method: string): StoredHandler | undefined;
}

/**
 * Makes the protocol's request-handler map pass every handler stored now or later through
 * `guard` (a {@link WrapStoredHandler} function, or a {@link HandlerGuard}). Guards compose: a
 * second one (another adapter, or `protectMcpServer` after `@mcp-auth/fastmcp`) goes around the
 * first. Returns false when this very guard was already applied to this server.
 *
 * The map is guarded in place — its `get` and `set` become {@link guardedGet} /
 * {@link guardedSet}, shared functions that read the guards from a symbol property, and the
 * handlers already stored are replaced by their wrapped forms — rather than copied into a new
 * map: `createMcpHandler` builds a server per request, and a copied map plus a closure per
 * wrap was most of what protecting one cost.
 * @throws TypeError when the SDK no longer keeps handlers in `_requestHandlers`.
 */
export function interceptHandlerMap(
  server: object,
  guard: WrapStoredHandler | HandlerGuard,
  sdk: string,
): boolean {
  const map = guardableMap(server, sdk);
  const guards = map[HANDLER_GUARDS];
  if (guards === undefined) {
    map[HANDLER_GUARDS] = [guard]; // an array of exactly one: most servers get one guard
    map.get = guardedGet;
    map.set = guardedSet;
  } else if (guards.includes(guard)) return false;
  else map[HANDLER_GUARDS] = [...guards, guard];
  // Replacing the value of a key already there keeps the map's order and size.
  map.forEach((handler, method) => {
    mapSet.call(map, method, wrapWith(guard, method, handler));
  });
  return true;
}

/** The guards on `server`'s handler map, first applied first (empty when none). */
export function handlerGuardsOf(
  server: object,
  sdk: string,
): readonly (WrapStoredHandler | HandlerGuard)[] {
  return guardableMap(server, sdk)[HANDLER_GUARDS] ?? [];
}

function guardableMap(server: object, sdk: string): GuardedMap {
  const map = (server as { _requestHandlers?: unknown })._requestHandlers;
  if (!(map instanceof Map)) throw movedHandlers(sdk);
  const guarded = map as GuardedMap;
  // A plain Map, as the SDK made it (anything else is an SDK change to look at first).
  if (
    guarded[HANDLER_GUARDS] === undefined &&
    (Object.getPrototypeOf(map) !== Map.prototype || Object.hasOwn(map, 'get'))
  )
    throw movedHandlers(sdk);
  return guarded;
}

const HANDLER_GUARDS: unique symbol = Symbol('@mcp-auth/sdk handler guards');

type GuardedMap = Map<string, StoredHandler> & {
  [HANDLER_GUARDS]?: readonly (WrapStoredHandler | HandlerGuard)[];
};

const mapGet = Map.prototype.get as (this: GuardedMap, method: string) => StoredHandler | undefined;
const mapSet = Map.prototype.set as (
  this: GuardedMap,
  method: string,
  h: StoredHandler,
) => GuardedMap;

function wrapWith(
  guard: WrapStoredHandler | HandlerGuard,
  method: string,
  handler: StoredHandler,
): StoredHandler {
  return typeof guard === 'function' ? guard(method, handler) : guard.wrap(method, handler);
}

function guardedSet(this: GuardedMap, method: string, handler: StoredHandler): GuardedMap {
  let stored = handler;
  const guards = this[HANDLER_GUARDS];
  if (guards !== undefined) for (const guard of guards) stored = wrapWith(guard, method, stored);
  return mapSet.call(this, method, stored);
}

/**
 * A stored handler, or else what the guards answer for a missing one: the first guard with a
 * `missing` that answers decides, and each later guard with a `missing` wraps that answer.
 */
function guardedGet(this: GuardedMap, method: string): StoredHandler | undefined {
  const stored = mapGet.call(this, method);
  if (stored !== undefined) return stored;
  let answer: StoredHandler | undefined;
  for (const guard of this[HANDLER_GUARDS] ?? []) {
    if (typeof guard === 'function' || guard.missing === undefined) continue;
    answer = answer === undefined ? guard.missing(method) : guard.wrap(method, answer);
  }
  return answer;
}

function movedHandlers(sdk: string): TypeError {
  return new TypeError(
    `@mcp-auth/sdk cannot guard this ${sdk} version: its Protocol no longer keeps request handlers in \`_requestHandlers\`; use a release of ${sdk} supported by @mcp-auth/sdk`,
  );
}

/**
 * Decides a tool call on the arguments the input schema produced. Returns the result to answer
 * instead of running the tool, or `undefined` to run it. `tool` is undefined when the called
 * tool could not be named (the caller must refuse).
 */
export type BeforeToolRuns = (tool: string | undefined, args: unknown, extra: unknown) => unknown;

/** Handle on an McpServer whose tool execution is hooked by {@link hookToolExecution}. */
export interface ToolExecutionHookHandle {
  /** True while McpServer is storing its own `tools/*` handlers (so `tools/call` parses). */
  readonly installingToolHandlers: boolean;
  /** Whether McpServer had stored its `tools/*` handlers when it was hooked. */
  readonly toolHandlersInstalledBefore: boolean;
}

type Method = (this: unknown, ...args: never[]) => unknown;

interface McpServerInternals {
  _registeredTools?: unknown;
  _toolHandlersInitialized?: unknown;
  setToolRequestHandlers?: unknown;
  executeToolHandler?: unknown;
  validateToolInput?: unknown;
  handleAutomaticTaskPolling?: unknown;
}

// A hooked McpServer's state (a symbol property: no WeakMap entry per server instance, which
// the garbage collector pays for on every instance a per-request factory makes). The two
// replaced methods are shared functions reading it, not closures made per instance.
const HOOKED: unique symbol = Symbol('@mcp-auth/sdk hooked');

interface HookState extends ToolExecutionHookHandle {
  readonly setHandlers: Method;
  readonly execute: Method;
  readonly beforeToolRuns: BeforeToolRuns;
  installing: number;
}

type Hooked = McpServerInternals & { [HOOKED]?: HookState };

/**
 * Hooks an McpServer so `beforeToolRuns` sees every call of a registered tool with the parsed
 * arguments, right before the tool runs (both SDK generations; v1's automatic task polling
 * path too). Idempotent per server.
 * @throws TypeError when one of the internals listed in this file's header moved.
 */
export function hookToolExecution(
  mcpServer: object,
  beforeToolRuns: BeforeToolRuns,
  sdk: string,
): ToolExecutionHookHandle {
  const target = mcpServer as Hooked;
  const existing = target[HOOKED];
  if (existing) return existing;
  const setHandlers = target.setToolRequestHandlers;
  const execute = target.executeToolHandler;
  const tools = target._registeredTools;
  if (
    typeof setHandlers !== 'function' ||
    typeof execute !== 'function' ||
    typeof tools !== 'object' ||
    tools === null ||
    typeof target._toolHandlersInitialized !== 'boolean'
  ) {
    throw new TypeError(
      `@mcp-auth/sdk cannot guard this ${sdk} version: McpServer no longer has setToolRequestHandlers/executeToolHandler/_registeredTools; use a release of ${sdk} supported by @mcp-auth/sdk`,
    );
  }
  const state = new HookStateImpl(
    setHandlers as Method,
    execute as Method,
    beforeToolRuns,
    target._toolHandlersInitialized === true,
  );
  target.setToolRequestHandlers = hookedSetToolRequestHandlers;
  target.executeToolHandler = hookedExecuteToolHandler;
  hookTaskPolling(target, beforeToolRuns);
  target[HOOKED] = state;
  return state;
}

class HookStateImpl implements HookState {
  installing = 0;
  constructor(
    readonly setHandlers: Method,
    readonly execute: Method,
    readonly beforeToolRuns: BeforeToolRuns,
    readonly toolHandlersInstalledBefore: boolean,
  ) {}
  get installingToolHandlers(): boolean {
    return this.installing > 0;
  }
}

function hookedSetToolRequestHandlers(this: Hooked, ...args: never[]): unknown {
  const state = this[HOOKED]!;
  state.installing++;
  try {
    return state.setHandlers.apply(this, args);
  } finally {
    state.installing--;
  }
}

function hookedExecuteToolHandler(
  this: Hooked,
  tool: unknown,
  args: unknown,
  extra: unknown,
): unknown {
  const state = this[HOOKED]!;
  const refusal = state.beforeToolRuns(toolNameOf(this, tool), args, extra);
  if (refusal !== undefined) return Promise.resolve(refusal);
  return state.execute.call(this, tool as never, args as never, extra as never);
}

/** SDK 1.x: `taskSupport: 'optional'` tools called without a task run outside executeToolHandler. */
function hookTaskPolling(target: McpServerInternals, beforeToolRuns: BeforeToolRuns): void {
  const poll = target.handleAutomaticTaskPolling;
  if (poll === undefined) return; // SDK 2.x has no such path.
  const validate = target.validateToolInput;
  if (typeof poll !== 'function' || typeof validate !== 'function') {
    throw new TypeError(
      '@mcp-auth/sdk cannot guard this @modelcontextprotocol/sdk version: McpServer#handleAutomaticTaskPolling changed shape',
    );
  }
  target.handleAutomaticTaskPolling = async function (
    this: unknown,
    tool: unknown,
    request: { params?: { name?: unknown; arguments?: unknown } },
    extra: unknown,
  ) {
    const args = await (validate as Method).call(
      this,
      tool as never,
      request.params?.arguments as never,
      request.params?.name as never,
    );
    const refusal = beforeToolRuns(toolNameOf(target, tool), args, extra);
    if (refusal !== undefined) return refusal;
    return (poll as Method).call(this, tool as never, request as never, extra as never);
  };
}

/** The name under which `tool` is registered now (McpServer moves the same object on rename). */
function toolNameOf(target: McpServerInternals, tool: unknown): string | undefined {
  const tools = target._registeredTools as Record<string, unknown> | null | undefined;
  if (typeof tools !== 'object' || tools === null || typeof tool !== 'object' || tool === null)
    return undefined;
  for (const name of Object.keys(tools)) if (tools[name] === tool) return name;
  return undefined;
}
