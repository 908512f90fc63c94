import { DEFAULT_MAX_BODY_BYTES } from './form.js';
import type { HttpRequest, HttpResponse } from './messages.js';
import { errorResponse } from './responses.js';
import { readCapped } from '../encoding/read-capped.js';

/** Anything with the `handle` method of an `AuthorizationServer`. */
export interface HttpRequestHandler {
  handle(request: HttpRequest): Promise<HttpResponse>;
}

/**
 * Converts a Fetch `Request` into an {@link HttpRequest}. The body is read only up to
 * `maxBodyBytes + 1` bytes, so an oversized body is refused (413) without being buffered
 * whole.
 */
export async function fromFetchRequest(
  request: Request,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<HttpRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const method = request.method.toUpperCase();
  const base = { method, url: new URL(request.url), headers };
  if (method === 'GET' || method === 'HEAD' || !request.body) return base;
  return { ...base, body: await readBody(request.body, maxBodyBytes + 1) };
}

// At most `limit` bytes: a body of exactly `limit` (= cap + 1) tells the parser it is too large.
async function readBody(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  return (await readCapped(stream, limit)).bytes;
}

/** Converts an {@link HttpResponse} into a Fetch `Response` (several `Set-Cookie` kept apart). */
export function toFetchResponse(response: HttpResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else for (const item of value) headers.append(name, item);
  }
  const noBody = response.status === 204 || response.status === 304;
  return new Response(noBody ? null : (response.body ?? null), {
    status: response.status,
    headers,
  });
}

/** What a Fetch runtime knows about the connection besides the `Request`. */
export interface FetchConnectionInfo {
  /**
   * The peer address (Deno `info.remoteAddr.hostname`, Bun `server.requestIP(req)`, Hono on
   * Node `c.env.incoming.socket.remoteAddress`): buckets per-address rate limits and login
   * throttling. Without it those limits fall back to their global caps.
   */
  readonly remoteAddress?: string | undefined;
}

/**
 * A Fetch handler for Web runtimes (Workers, Deno, Bun, Hono, Node's `Request`): every
 * authorization server route, `(request, connection?) => Promise<Response>`.
 */
export function toFetchHandler(
  server: HttpRequestHandler,
): (request: Request, connection?: FetchConnectionInfo) => Promise<Response> {
  return async (request, connection) => {
    try {
      const authRequest = await fromFetchRequest(request);
      const remoteAddress = connection?.remoteAddress;
      return toFetchResponse(
        await server.handle(
          remoteAddress === undefined ? authRequest : { ...authRequest, remoteAddress },
        ),
      );
    } catch (error) {
      return toFetchResponse(errorResponse(error));
    }
  };
}
