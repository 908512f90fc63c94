import type { HttpRequest, HttpResponse } from '../http/messages.js';

/** What {@link withDpopRequiredMetadata} needs of an authorization server (or its `forResource(url)`). */
export interface DpopRequiredMetadataServer {
  /** The protected resource whose metadata gets the flag. */
  readonly resource: string;
  handle(request: HttpRequest): Promise<HttpResponse>;
  protectedResourceMetadata(): { readonly resource: string; readonly [member: string]: unknown };
}

const PRM_PATH = '/.well-known/oauth-protected-resource';

/**
 * The same authorization server, except that the RFC 9728 protected resource metadata of its
 * `resource` says `dpop_bound_access_tokens_required: true` (RFC 9728 §2) — both as served by
 * `handle()` (and so by every adapter mounting it) and as returned by
 * `protectedResourceMetadata()`. For a resource whose guard requires DPoP of every client
 * (`mcpAuth({ dpopRequired: true })` does this by itself; for `createFetchMcpGuard` with
 * `dpop: { ...server.dpop, required: true }`, mount `withDpopRequiredMetadata(server).handle`).
 * The documents of the server's other resources are left as they are.
 *
 * @throws TypeError when `server` lacks `resource`, `handle()` or `protectedResourceMetadata()`.
 */
export function withDpopRequiredMetadata<S extends DpopRequiredMetadataServer>(server: S): S {
  if (
    typeof server?.resource !== 'string' ||
    typeof server.handle !== 'function' ||
    typeof server.protectedResourceMetadata !== 'function'
  ) {
    throw new TypeError(
      'withDpopRequiredMetadata: server must be the result of createAuthorizationServer() (or its forResource())',
    );
  }
  const resource = server.resource;
  const flagged = <T extends object>(document: T) => ({
    ...document,
    dpop_bound_access_tokens_required: true,
  });
  return {
    ...server,
    protectedResourceMetadata: () => flagged(server.protectedResourceMetadata()),
    async handle(request: HttpRequest): Promise<HttpResponse> {
      const response = await server.handle(request);
      if (
        request.method !== 'GET' ||
        response.status !== 200 ||
        typeof response.body !== 'string' ||
        !request.url.pathname.startsWith(PRM_PATH)
      ) {
        return response;
      }
      const document: unknown = JSON.parse(response.body);
      // Only this resource's document: a path may serve another resource of the same issuer.
      if (
        typeof document !== 'object' ||
        document === null ||
        (document as { resource?: unknown }).resource !== resource
      ) {
        return response;
      }
      return { ...response, body: JSON.stringify(flagged(document)) };
    },
  };
}
