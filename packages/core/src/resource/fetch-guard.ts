import { PayloadTooLargeError } from '../errors/oauth-error.js';
import { fromFetchRequest, toFetchResponse } from '../server/fetch.js';
import type { AuthContext } from './auth-context.js';
import {
  createMcpEndpointGuard,
  failedOutcome,
  type McpEndpointGuardOptions,
  type McpEndpointOutcome,
  NO_BODY_METHODS,
  NO_JSON_BODY,
  type ParsedJson,
  parseJsonBody,
} from './mcp-endpoint.js';
import type { McpAuthInfo } from './mcp-guard.js';

/**
 * Options of {@link createFetchMcpGuard}: `verifier`, `policy`, `resourceMetadataUrl`,
 * `challengeScopes?`, `realm?` and `maxBodyBytes?` (default `DEFAULT_MAX_MCP_BODY_BYTES`,
 * 4 MiB, the MCP SDK's own limit).
 */
export interface FetchMcpGuardOptions extends McpEndpointGuardOptions {}

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
    }
  | {
      readonly ok: false;
      /** Core's 401 / 403 / 413 / 400 / 5xx answer: return it as it is. */
      readonly response: Response;
    };

/** Guards a Web-standard MCP endpoint: `(request) => Promise<FetchMcpGuardOutcome>`. */
export type FetchMcpGuard = (request: Request) => Promise<FetchMcpGuardOutcome>;

/**
 * The MCP endpoint guard for Web runtimes (Workers, Deno, Bun, Hono, Node's `Request`): the
 * Fetch twin of `createNodeMcpGuard`, with the same decisions from core's `createMcpGuard`.
 *
 * The JSON-RPC body of a POST is read at most `maxBodyBytes` (+1) bytes while streaming — a
 * larger one is a 413 and is never buffered whole. Then: unauthenticated → 401 with
 * `resource_metadata` (SECURITY-CASES 22, 38); a `tools/call` whose denial scopes can fix →
 * 403 `insufficient_scope` step-up, `scope` = granted ∪ missing (SECURITY-CASES 39); store
 * down → 503; a body that is not JSON, from an authenticated caller only → JSON-RPC parse error
 * (400, -32700). A denial scopes cannot fix passes (`ok`), to be answered inside MCP with the
 * policy's reason (`authorizeMcpToolCall`). Tokens are read from the `Authorization` header
 * only, never the query string (SECURITY-CASES 37).
 *
 * ```ts
 * const guard = createFetchMcpGuard({ verifier: server.tokenVerifier, policy, resourceMetadataUrl: server.resourceMetadataUrl });
 * app.all('/mcp', async (c) => {
 *   const outcome = await guard(c.req.raw);
 *   if (!outcome.ok) return outcome.response;
 *   return transport.handleRequest(c.req.raw, { authInfo: outcome.authInfo, parsedBody: outcome.body });
 * });
 * ```
 *
 * @throws TypeError at creation when an option is missing or malformed.
 */
export function createFetchMcpGuard(options: FetchMcpGuardOptions): FetchMcpGuard {
  const guard = createMcpEndpointGuard(options, 'createFetchMcpGuard');
  const maxBodyBytes = guard.maxBodyBytes;
  return async (request) => {
    let parsed: ParsedJson = NO_JSON_BODY;
    let outcome: McpEndpointOutcome;
    if (!NO_BODY_METHODS.has(request.method.toUpperCase()) && request.body !== null) {
      try {
        // Reads at most maxBodyBytes + 1 bytes, then cancels the stream.
        const { body } = await fromFetchRequest(request, maxBodyBytes);
        if (body !== undefined && body.length > maxBodyBytes) throw new PayloadTooLargeError();
        parsed = parseJsonBody(body);
      } catch (error) {
        return { ok: false, response: toFetchResponse(failedOutcome(error).response) };
      }
    }
    try {
      outcome = await guard.decide(request.headers.get('authorization') ?? undefined, parsed);
    } catch (error) {
      outcome = failedOutcome(error);
    }
    return outcome.ok ? outcome : { ok: false, response: toFetchResponse(outcome.response) };
  };
}
