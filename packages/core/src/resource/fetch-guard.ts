import { readCapped } from '../encoding/read-capped.js';
import { PayloadTooLargeError } from '../errors/oauth-error.js';
import { toFetchResponse } from '../http/fetch.js';
import type { AuthContext } from '../domain/auth-context.js';
import {
  CREDENTIAL_HEADERS,
  createMcpGuard,
  type McpAuthInfo,
  type McpGuardOptions,
} from './mcp-guard.js';

/** Options of {@link createFetchMcpGuard}: the guard's options ({@link McpGuardOptions}). */
export interface FetchMcpGuardOptions extends McpGuardOptions {}

/** What a {@link FetchMcpGuard} resolves to. */
export type FetchMcpGuardOutcome =
  | {
      readonly ok: true;
      /** The caller. */
      readonly auth: AuthContext;
      /** The MCP SDK `AuthInfo` for the transport (`handleRequest(req, { authInfo })`). */
      readonly authInfo: McpAuthInfo;
      /**
       * The parsed JSON-RPC body (`undefined` without one). The request's body stream has been
       * read: pass this to the transport as `parsedBody`.
       */
      readonly body: unknown;
      /**
       * Adds what the MCP server's answer must carry (CORS for an allowed browser `Origin`):
       * `return outcome.respond(await transport.handleRequest(…))`.
       */
      respond(response: Response): Response;
    }
  | {
      readonly ok: false;
      /** The guard's answer (401, 403, 400, 413, 503, 204 preflight, or a refused call's JSON-RPC result): return it as it is. */
      readonly response: Response;
    };

/**
 * Takes the verified credential off a let-through request's headers (`forwardAuthorization`),
 * where the runtime allows: an incoming request's headers are immutable on some (Workers).
 */
function dropCredentials(headers: Headers): void {
  try {
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  } catch {
    // Immutable headers: the request goes on as it came.
  }
}

/** Guards a Web-standard MCP endpoint: `(request) => Promise<FetchMcpGuardOutcome>`. */
export type FetchMcpGuard = (request: Request) => Promise<FetchMcpGuardOutcome>;

/**
 * The MCP endpoint guard for Web runtimes (Workers, Deno, Bun, Hono, Node's `Request`) over
 * core's one decision (`createMcpGuard`): the token is checked from the `Authorization` header
 * before the body stream is touched; an unauthenticated request's body is never read. Then the
 * body is read at most `maxBodyBytes` (+1) while streaming, parsed with a depth limit, checked
 * against the 2026-07-28 headers, and every `tools/call` is decided: 403 step-up when scopes
 * would help, the JSON-RPC denied result otherwise — a refused call never reaches the server.
 *
 * ```ts
 * const guard = createFetchMcpGuard({ verifier: server.tokenVerifier, policy, resourceMetadataUrl: server.resourceMetadataUrl });
 * app.all('/mcp', async (c) => {
 *   const outcome = await guard(c.req.raw);
 *   if (!outcome.ok) return outcome.response;
 *   return outcome.respond(await handler(c.req.raw, { authInfo: outcome.authInfo, parsedBody: outcome.body }));
 * });
 * ```
 *
 * @throws TypeError at creation when an option is missing or malformed.
 */
export function createFetchMcpGuard(options: FetchMcpGuardOptions): FetchMcpGuard {
  const guard = createMcpGuard(options, 'createFetchMcpGuard');
  const forward = options.forwardAuthorization === true;
  return async (request) => {
    const outcome = await guard.check({
      method: request.method,
      header: (name) => request.headers.get(name) ?? undefined,
      // A data property: an object literal's getter costs a runtime call per request.
      headerNames: [...request.headers.keys()],
      async readBody(maxBytes) {
        if (request.body === null) return undefined;
        // Reads at most maxBytes + 1 bytes, then cancels the stream.
        const read = await readCapped(
          request.body,
          maxBytes,
          request.headers.get('content-length'),
        );
        if (read.overflow || read.bytes.length > maxBytes) throw new PayloadTooLargeError();
        return read.bytes;
      },
    });
    if (!outcome.ok) return { ok: false, response: toFetchResponse(outcome.response) };
    if (!forward) dropCredentials(request.headers);
    const extra = outcome.headers;
    return {
      ok: true,
      auth: outcome.auth,
      authInfo: outcome.authInfo,
      body: outcome.body,
      respond(response) {
        const names = Object.keys(extra);
        if (names.length === 0) return response;
        const headers = new Headers(response.headers);
        for (const name of names) headers.set(name, extra[name]!);
        return new Response(response.body, {
          status: response.status,
          statusText: response.statusText,
          headers,
        });
      },
    };
  };
}
