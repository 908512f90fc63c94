import { isOAuthError, ServerError } from '../errors/oauth-error.js';
import type { HttpResponse } from './messages.js';

/** Headers every OAuth JSON response carries (RFC 6749 §5.1, RFC 9700 §4.x: no caching). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

/** A JSON response with `Cache-Control: no-store`. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): HttpResponse {
  // A caller that sets its own Cache-Control (public metadata) gets no `Pragma: no-cache`.
  const caching = 'cache-control' in headers ? {} : NO_STORE_HEADERS;
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...caching, ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The response for any error thrown by an endpoint: an {@link OAuthError} becomes its status,
 * headers and RFC 6749 §5.2 body; anything else becomes a generic 500 `server_error` whose
 * body says nothing about the cause.
 */
export function errorResponse(error: unknown): HttpResponse {
  const oauth = isOAuthError(error) ? error : new ServerError();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(oauth.headers)) headers[name.toLowerCase()] = value;
  return jsonResponse(oauth.status, oauth.toResponseObject(), headers);
}
