import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { interceptHandlerMap, type WrapStoredHandler } from './sdk-internals.js';

/** The `extra` argument the SDK hands every request handler (`authInfo`, `sessionId`, …). */
export type RequestExtra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];

/**
 * A request handler as the SDK's protocol layer stores it: the raw JSON-RPC request in, the
 * result out. Schema parsing happens inside it.
 */
export type RawRequestHandler = (request: JSONRPCRequest, extra: RequestExtra) => Promise<unknown>;

/** Returns the handler to store for `method`: the given one, or a guard around it. */
export type WrapRequestHandler = (method: string, handler: RawRequestHandler) => RawRequestHandler;

/**
 * Passes every request handler of an SDK 1.x `Server` — already stored, and stored later
 * through any path (`setRequestHandler`, `McpServer`'s lazy install) — through `wrap`.
 * `Protocol` keeps its handlers in a private `Map` (`_requestHandlers`) and has no public
 * getter; this relies on it (see `sdk-internals.ts`, the one place touching SDK internals).
 *
 * Throws `TypeError` when the SDK no longer stores handlers this way, so an SDK upgrade that
 * changes it fails loudly at startup (and in `request-handlers.test.ts`) instead of leaving
 * tools unguarded. Returns false when this server was already intercepted.
 */
export function interceptRequestHandlers(server: Server, wrap: WrapRequestHandler): boolean {
  return interceptHandlerMap(
    server,
    wrap as unknown as WrapStoredHandler,
    '@modelcontextprotocol/sdk',
  );
}
