import { concatBytes } from '../encoding/read-capped.js';
import { InvalidRequestError, PayloadTooLargeError } from '../errors/oauth-error.js';
import { DEFAULT_MAX_BODY_BYTES } from './form.js';
import { BODYLESS_METHODS, type HttpRequest, type HttpResponse } from './messages.js';
import { errorResponse } from './responses.js';

/** Methods without a body: the Node conversion never reads theirs. */

// The one conversion between Node's http request/response and core's HttpRequest/HttpResponse.
// Every Node framework adapter (Express, Koa, …) goes through it, so adapters stay glue.
// Node types are described structurally: this file runs in core's Web build (no `node:`).

/**
 * The parts of Node's `http.IncomingMessage` (and of the framework objects built on it) that
 * the conversion reads. Express's `req` and Koa's `ctx.req` satisfy it as they are.
 */
export interface NodeRequestLike {
  /** The HTTP method (`GET`, `POST`, …). */
  readonly method?: string | undefined;
  /** The request target (origin form `/path?query`), possibly rewritten by a mount point. */
  readonly url?: string | undefined;
  /** Express: the request target before mount points stripped a prefix from `url`. */
  readonly originalUrl?: string | undefined;
  /** Header values with lower-case names, as Node parses them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The headers as received, names and values alternating (`IncomingMessage.rawHeaders`). The
   * MCP guard removes the verified credential from it and from `headers` (see
   * `forwardAuthorization`).
   */
  readonly rawHeaders?: readonly string[] | undefined;
  /** A body a body parser already read (Express `req.body`). */
  readonly body?: unknown;
  /** Set by `body-parser` when it consumed the stream. */
  readonly _body?: boolean | undefined;
  /** True once the body stream has been fully read. */
  readonly readableEnded?: boolean | undefined;
  /** True once Node has received the whole message (`IncomingMessage.complete`). */
  readonly complete?: boolean | undefined;
  /** The connection: its peer address buckets per-address rate limits and login throttling. */
  readonly socket?: { readonly remoteAddress?: string | undefined } | null | undefined;
  /** The body stream. */
  [Symbol.asyncIterator]?(): AsyncIterator<unknown>;
  /** Node's stream events; when present the body is read through them (cheaper than iterating). */
  on?(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * The parts of Node's `http.ServerResponse` the conversion writes. Express's `res` and Koa's
 * `ctx.res` satisfy it as they are.
 */
export interface NodeResponseLike {
  statusCode: number;
  readonly headersSent?: boolean | undefined;
  setHeader(name: string, value: string | readonly string[]): unknown;
  end(body?: string): unknown;
}

/** Options of {@link readNodeBody}. */
export interface ReadNodeBodyOptions {
  /** The most bytes accepted; more is a 413 `PayloadTooLargeError`. Default 64 KiB. */
  maxBytes?: number;
  /**
   * A body another middleware already read, when it keeps it somewhere other than
   * `req.body` (Koa: `ctx.request.rawBody ?? ctx.request.body`). Used only when the stream
   * has been consumed.
   */
  preread?: unknown;
}

/** Options of {@link toHttpRequest}. */
export interface ToHttpRequestOptions extends ReadNodeBodyOptions {
  /**
   * The public base URL (the issuer, or the resource's origin). Only its scheme, host and
   * port are used, so the request URL never comes from the client's `Host` header.
   */
  baseUrl: string | URL;
}

const encoder = new TextEncoder();

/**
 * Checks a public base URL once, when an adapter is created, and returns its origin.
 * Throws `TypeError` saying what to fix when it is not an absolute http(s) URL.
 */
function parseBaseUrl(value: unknown, name = 'baseUrl'): string {
  let url: URL | undefined;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && URL.canParse(value)) url = new URL(value);
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`${name} must be an absolute http(s) URL such as "https://example.com"`);
  }
  return url.origin;
}

/** Request-target paths whose route match a Node route handler remembers. */
const MAX_REMEMBERED_TARGETS = 256;

/**
 * The path and query of a Node request: `originalUrl` when a framework stripped a mount
 * prefix, else `url`; an absolute-form target (`http://host/p`) keeps only its path.
 */
export function nodeRequestTarget(request: NodeRequestLike): string {
  const raw = request.originalUrl ?? request.url ?? '/';
  if (raw.startsWith('/')) return raw;
  if (URL.canParse(raw)) {
    const url = new URL(raw);
    return url.pathname + url.search;
  }
  return '/';
}

/** The path of a Node request (no query), as core routes compare it. */
function nodeRequestPath(request: NodeRequestLike, baseUrl: string): string {
  return buildUrl(baseUrl, nodeRequestTarget(request)).pathname;
}

function buildUrl(origin: string, target: string): URL {
  // Concatenated, never resolved: a target like `//evil.example/x` stays a path on `origin`.
  return new URL(origin + target);
}

/** Header values of a Node request with lower-case names; repeated values joined by `, `. */
export function nodeRequestHeaders(
  request: NodeRequestLike,
): Readonly<Record<string, string | undefined>> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return headers;
}

/**
 * Reads the raw body of a Node request, at most `maxBytes` (64 KiB by default, SECURITY-CASES
 * 20). The stream is read when nothing consumed it yet; when a body parser already ran, its
 * result is used: bytes and text as they are, a parsed form or JSON object re-encoded for
 * core's own parser (repeated form fields stay repeated). Mount mcp-auth before body parsers
 * so that core always sees the bytes the client sent.
 *
 * Rejects with `PayloadTooLargeError` (413) or `InvalidRequestError` (400).
 */
export async function readNodeBody(
  request: NodeRequestLike,
  options: ReadNodeBodyOptions = {},
): Promise<Uint8Array | string | undefined> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (isNodeBodyConsumed(request)) {
    return reencodeNodeBody(options.preread ?? request.body, request, maxBytes);
  }
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) throw new PayloadTooLargeError();
  return readNodeStream(request, maxBytes);
}

/**
 * Reads the unconsumed body stream of a Node request, at most `maxBytes`: through its
 * `data`/`end` events when it has them, else by async iteration. The one Node body reader,
 * shared by {@link readNodeBody} and the MCP guard's Node face.
 * @internal
 */
export function readNodeStream(request: NodeRequestLike, maxBytes: number): Promise<Uint8Array> {
  // Each method is looked up once: an Express request has a hidden class of its own, so every
  // property read on it misses the inline caches (about 2,000 instructions each).
  const on = request.on;
  const off = request.removeListener;
  return typeof on === 'function' && typeof off === 'function'
    ? readEvents(request, on, off, maxBytes)
    : readStream(request as AsyncIterable<unknown>, maxBytes);
}

/**
 * A body parser's result (`preread` or `request.body`) as core's raw body, capped at
 * `maxBytes`: bytes and text as they are, a parsed form or JSON object re-encoded.
 * @internal
 */
export function reencodeNodeBody(
  parsed: unknown,
  request: NodeRequestLike,
  maxBytes: number,
): Uint8Array | string | undefined {
  return capped(reencodeParsedBody(parsed, request.headers['content-type']), maxBytes);
}

type Listen = NonNullable<NodeRequestLike['on']>;

function toBytes(chunk: unknown): Uint8Array | undefined {
  return typeof chunk === 'string'
    ? encoder.encode(chunk)
    : chunk instanceof Uint8Array
      ? chunk
      : undefined;
}

/**
 * Reads a Node request body through its `data`/`end` events: what body parsers do, and about
 * half the CPU of an async iterator (which sets up end-of-stream tracking and a promise per
 * chunk). On a refusal the listeners are removed and the stream keeps flowing, so Node discards
 * the unread rest without destroying the socket before the 413 is written.
 */
function readEvents(
  request: NodeRequestLike,
  on: Listen,
  off: Listen,
  maxBytes: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      off.call(request, 'data', onData);
      off.call(request, 'end', onEnd);
      off.call(request, 'error', onError);
      off.call(request, 'close', onClose);
      if (error === undefined) resolve(concatBytes(chunks, size));
      else reject(error);
    };
    const onData = (chunk: unknown) => {
      if (settled) return;
      const bytes = toBytes(chunk);
      if (bytes === undefined) {
        finish(new InvalidRequestError('The request body is not bytes'));
        return;
      }
      size += bytes.length;
      if (size > maxBytes) {
        finish(new PayloadTooLargeError());
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => finish(undefined);
    const onError = (error: unknown) => finish(error);
    // Closed before `end`: the client went away mid-body.
    const onClose = () => finish(new InvalidRequestError('The request body was cut short'));
    on.call(request, 'data', onData);
    on.call(request, 'end', onEnd);
    on.call(request, 'error', onError);
    on.call(request, 'close', onClose);
  });
}

/** Whether a body parser (or anything else) already consumed the request stream. @internal */
export function isNodeBodyConsumed(request: NodeRequestLike): boolean {
  return (
    request._body === true ||
    request.readableEnded === true ||
    typeof request[Symbol.asyncIterator] !== 'function'
  );
}

function capped<T extends Uint8Array | string | undefined>(body: T, maxBytes: number): T {
  const size =
    body === undefined ? 0 : typeof body === 'string' ? encoder.encode(body).length : body.length;
  if (size > maxBytes) throw new PayloadTooLargeError();
  return body;
}

async function readStream(source: AsyncIterable<unknown>, maxBytes: number): Promise<Uint8Array> {
  // The iterator is driven by hand and never `return()`ed: returning would destroy the
  // socket before the 413 could be written; Node discards the unread rest itself.
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const step = await iterator.next();
    if (step.done) break;
    const bytes = toBytes(step.value);
    if (bytes === undefined) throw new InvalidRequestError('The request body is not bytes');
    size += bytes.length;
    if (size > maxBytes) throw new PayloadTooLargeError();
    chunks.push(bytes);
  }
  return concatBytes(chunks, size);
}

function reencodeParsedBody(
  parsed: unknown,
  contentType: string | readonly string[] | undefined,
): Uint8Array | string | undefined {
  if (parsed === undefined || parsed === null) return undefined;
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return parsed;
  const type = (typeof contentType === 'string' ? contentType : '')
    .split(';', 1)[0]!
    .trim()
    .toLowerCase();
  if (type === 'application/json') return JSON.stringify(parsed);
  if (type === 'application/x-www-form-urlencoded' && typeof parsed === 'object') {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') {
          throw new InvalidRequestError(
            'The form body was parsed by another middleware into a shape that cannot be read; mount mcp-auth before body parsers',
          );
        }
        params.append(name, item);
      }
    }
    return params.toString();
  }
  // A parser ran but left nothing for this content type (e.g. `{}` from a skipped parser).
  return undefined;
}

/**
 * Builds core's {@link HttpRequest} from a Node request: method, lower-case headers, the URL
 * on the configured origin (never the `Host` header) and, for methods with a body, the raw
 * body read by {@link readNodeBody}.
 */
export async function toHttpRequest(
  request: NodeRequestLike,
  options: ToHttpRequestOptions,
): Promise<HttpRequest> {
  const origin = parseBaseUrl(options.baseUrl);
  const method = (request.method ?? 'GET').toUpperCase();
  const body = BODYLESS_METHODS.has(method) ? undefined : await readNodeBody(request, options);
  const remoteAddress = request.socket?.remoteAddress;
  return {
    method,
    url: buildUrl(origin, nodeRequestTarget(request)),
    headers: nodeRequestHeaders(request),
    body,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
  };
}

/**
 * Writes core's {@link HttpResponse} to a Node response: status, every header (several
 * `set-cookie` values stay separate) and the body. Does nothing but end the response when
 * headers were already sent.
 */
export function writeNodeResponse(response: NodeResponseLike, authResponse: HttpResponse): void {
  if (response.headersSent === true) {
    response.end();
    return;
  }
  response.statusCode = authResponse.status;
  for (const [name, value] of Object.entries(authResponse.headers)) {
    response.setHeader(name, typeof value === 'string' ? value : [...value]);
  }
  response.end(authResponse.body);
}

/** One endpoint an authorization server answers, as `createAuthorizationServer().routes` lists it. */
export interface NodeRoute {
  readonly method: string;
  readonly path: string;
}

/**
 * What {@link createNodeAuthorizationHandler} needs from an authorization server: core's
 * `createAuthorizationServer()` result satisfies it.
 */
export interface NodeAuthorizationServer {
  handle(request: HttpRequest): Promise<HttpResponse>;
  readonly routes: readonly NodeRoute[];
  /** The issuer identifier: the default public base URL. */
  readonly issuer?: string;
  /** The RFC 8414 metadata; its `issuer` is used when `issuer` is absent. */
  metadata?(): unknown;
}

/** Options of {@link createNodeAuthorizationHandler}. */
export interface NodeAuthorizationHandlerOptions {
  /**
   * The public origin requests are answered on. Default: the server's `issuer`. Only scheme,
   * host and port are used; the client's `Host` header is never trusted.
   */
  baseUrl?: string | URL;
  /** Body cap for endpoints, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** Serves an authorization server's endpoints on Node `http` request/response objects. */
export interface NodeAuthorizationHandler {
  /** The public origin in use. */
  readonly baseUrl: string;
  /** The endpoints served: every `server.routes` entry. */
  readonly routes: readonly NodeRoute[];
  /**
   * True when the request's path is one of the server's endpoints, whatever the method
   * (a wrong method is answered by core with 405 and `Allow`).
   */
  matches(request: NodeRequestLike): boolean;
  /**
   * Converts the request, lets core answer it and writes the answer. Never rejects: a failure
   * is written as core's error response. `preread` is a body a middleware already read and
   * kept outside `req.body` (Koa's `ctx.request.rawBody`).
   */
  handle(
    request: NodeRequestLike,
    response: NodeResponseLike,
    options?: { preread?: unknown },
  ): Promise<void>;
}

function serverIssuer(server: NodeAuthorizationServer): unknown {
  if (typeof server.issuer === 'string') return server.issuer;
  if (typeof server.metadata !== 'function') return undefined;
  const metadata = server.metadata();
  return typeof metadata === 'object' && metadata !== null
    ? (metadata as { issuer?: unknown }).issuer
    : undefined;
}

/**
 * The shared Node conversion every Node framework adapter mounts: it matches the server's
 * routes, builds an {@link HttpRequest}, calls `server.handle` and writes the
 * {@link HttpResponse}. Throws `TypeError` at creation when the server or options are wrong.
 */
export function createNodeAuthorizationHandler(
  server: NodeAuthorizationServer,
  options: NodeAuthorizationHandlerOptions = {},
): NodeAuthorizationHandler {
  if (
    typeof server !== 'object' ||
    server === null ||
    typeof server.handle !== 'function' ||
    !Array.isArray(server.routes)
  ) {
    throw new TypeError(
      'server must be the result of createAuthorizationServer() (with handle() and routes)',
    );
  }
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new TypeError('maxBodyBytes must be a positive integer number of bytes');
  }
  const baseUrl = parseBaseUrl(options.baseUrl ?? serverIssuer(server), 'baseUrl (or the issuer)');
  const routes = Object.freeze([...server.routes]);
  const paths = new Set(routes.map((route) => route.path));
  // Whether a request target's path names a route, by the target's path part (what precedes
  // `?` or `#`: the query never changes the normalized path). Every MCP request passes through
  // here on its way to the endpoint; its path is parsed once, not per request. Bounded and
  // cleared when full: a caller can send any target, and a miss only costs the parse again.
  const answers = new Map<string, boolean>();
  const matches = (request: NodeRequestLike): boolean => {
    const raw = request.originalUrl ?? request.url ?? '/';
    const end = raw.search(/[?#]/);
    const key = end === -1 ? raw : raw.slice(0, end);
    let known = answers.get(key);
    if (known === undefined) {
      known = paths.has(nodeRequestPath(request, baseUrl));
      if (answers.size >= MAX_REMEMBERED_TARGETS) answers.clear();
      answers.set(key, known);
    }
    return known;
  };
  return {
    baseUrl,
    routes,
    matches,
    async handle(request, response, handleOptions = {}) {
      let answer: HttpResponse;
      try {
        const authRequest = await toHttpRequest(request, {
          baseUrl,
          maxBytes,
          preread: handleOptions.preread,
        });
        answer = await server.handle(authRequest);
      } catch (error) {
        answer = errorResponse(error);
      }
      writeNodeResponse(response, answer);
    },
  };
}
