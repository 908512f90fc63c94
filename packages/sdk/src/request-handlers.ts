import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/** The `extra` argument the SDK hands every request handler (`authInfo`, `sessionId`, …). */
export type RequestExtra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];

/**
 * A request handler as the SDK's protocol layer stores it: the raw JSON-RPC request in, the
 * result out. Schema parsing happens inside it.
 */
export type RawRequestHandler = (request: JSONRPCRequest, extra: RequestExtra) => Promise<unknown>;

/** Returns the handler to store for `method`: the given one, or a guard around it. */
export type WrapRequestHandler = (method: string, handler: RawRequestHandler) => RawRequestHandler;

const intercepted = new WeakSet<object>();

/**
 * The one place that touches SDK internals. `Protocol` keeps its request handlers in a private
 * `Map` (`_requestHandlers`, method → handler) and has no public getter, so guarding handlers
 * that `McpServer` installs lazily (on the first `registerTool`) or already installed needs it.
 * Every handler already stored, and every handler stored later through any path
 * (`setRequestHandler`, `McpServer`'s lazy install), goes through `wrap`.
 *
 * Throws `TypeError` when the SDK no longer stores handlers this way, so an SDK upgrade that
 * changes it fails loudly at startup (and in `request-handlers.test.ts`) instead of leaving
 * tools unguarded. Returns false when this server was already intercepted.
 */
export function interceptRequestHandlers(server: Server, wrap: WrapRequestHandler): boolean {
  if (intercepted.has(server)) return false;
  const holder = server as unknown as { _requestHandlers?: unknown };
  const current = holder._requestHandlers;
  if (!(current instanceof Map) || Object.getPrototypeOf(current) !== Map.prototype) {
    throw new TypeError(
      '@mcp-auth/sdk cannot guard this @modelcontextprotocol/sdk version: its Protocol no longer keeps request handlers in `_requestHandlers`; use an SDK 1.x release supported by @mcp-auth/sdk',
    );
  }
  const guarded = new GuardedHandlerMap(wrap);
  for (const [method, handler] of current as Map<string, RawRequestHandler>) {
    guarded.set(method, handler);
  }
  holder._requestHandlers = guarded;
  intercepted.add(server);
  return true;
}

class GuardedHandlerMap extends Map<string, RawRequestHandler> {
  readonly #wrap: WrapRequestHandler;
  constructor(wrap: WrapRequestHandler) {
    super();
    this.#wrap = wrap;
  }
  override set(method: string, handler: RawRequestHandler): this {
    return super.set(method, this.#wrap(method, handler));
  }
}
