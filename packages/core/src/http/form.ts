import { InvalidRequestError, PayloadTooLargeError } from '../errors/oauth-error.js';
import { DEFAULT_MAX_JSON_DEPTH, decodeUtf8Strict, parseJson } from './json.js';
import type { HttpRequest } from './messages.js';

/** Default cap on request bodies the endpoints read: 64 KiB (SECURITY-CASES 20). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Parsed `application/x-www-form-urlencoded` parameters: each name at most once. */
export type FormParams = ReadonlyMap<string, string>;

function bodyText(request: HttpRequest, maxBytes: number): string {
  const body = request.body;
  if (body === undefined) return '';
  const size = typeof body === 'string' ? new TextEncoder().encode(body).length : body.length;
  if (size > maxBytes) throw new PayloadTooLargeError();
  if (typeof body === 'string') return body;
  const text = decodeUtf8Strict(body);
  if (text === undefined) throw new InvalidRequestError('The request body is not valid UTF-8');
  return text;
}

/** The media type of a request, lower-cased, without parameters. */
export function mediaType(request: HttpRequest): string {
  return (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Parses an `application/x-www-form-urlencoded` body (RFC 6749 §3.2 / §4.1.3): any other
 * content type, a body over `maxBytes`, or a parameter sent twice is refused
 * (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once").
 */
export function parseFormBody(request: HttpRequest, maxBytes = DEFAULT_MAX_BODY_BYTES): FormParams {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequestError('The body must be application/x-www-form-urlencoded');
  }
  return uniqueParams(new URLSearchParams(bodyText(request, maxBytes)));
}

/**
 * Parses a JSON object body (RFC 7591 registration) by the one JSON rule of `http/json.ts`:
 * another content type, a body over `maxBytes` (413), nesting deeper than `maxDepth`, invalid
 * JSON or anything but an object is refused.
 */
export function parseJsonBody(
  request: HttpRequest,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): Record<string, unknown> {
  if (mediaType(request) !== 'application/json') {
    throw new InvalidRequestError('The body must be application/json');
  }
  // Read outside the try: a 413 must not turn into "not valid JSON".
  const parsed = parseJson(bodyText(request, maxBytes), maxDepth);
  if (!parsed.ok) {
    throw new InvalidRequestError(
      parsed.reason === 'too_deep'
        ? `The body nests deeper than ${maxDepth} levels`
        : 'The body is not valid JSON',
    );
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('The body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Query or form parameters with each name at most once; repeated names are refused. */
export function uniqueParams(params: URLSearchParams): FormParams {
  const out = new Map<string, string>();
  for (const [name, value] of params) {
    if (out.has(name)) throw new InvalidRequestError(`The parameter ${safeName(name)} is repeated`);
    out.set(name, value);
  }
  return out;
}

// Parameter names echoed in errors are limited to a safe, short form.
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'parameter';
}
