import { MethodNotAllowedError } from '../errors/oauth-error.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import {
  ATTRIBUTES,
  type Instrumentation,
  parseTraceContext,
  SPAN_NAMES,
} from '../observability/instrumentation.js';

/** One route an adapter mounts. */
export interface AuthorizationServerRoute {
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  /** The absolute path on the issuer's origin. */
  readonly path: string;
}

/** One endpoint's handler. */
export type Handler = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * The authorization server's routing table: path → method → handler, with CORS
 * (`Access-Control-Allow-Origin: *` and preflight) on the paths added with it.
 */
export class RouteTable {
  readonly #table = new Map<string, Map<string, Handler>>();
  readonly #corsPaths = new Set<string>();
  /** CORS is on for the server (`options.cors`). */
  readonly #cors: boolean;
  readonly #instrumentation: Instrumentation | undefined;

  constructor(cors: boolean, instrumentation?: Instrumentation) {
    this.#cors = cors;
    this.#instrumentation = instrumentation;
  }

  add(method: 'GET' | 'POST', path: string, handler: Handler, withCors = false): void {
    let methods = this.#table.get(path);
    if (!methods) {
      methods = new Map();
      this.#table.set(path, methods);
    }
    methods.set(method, handler);
    if (withCors && this.#cors) this.#corsPaths.add(path);
  }

  /** Every route, in the order added; an `OPTIONS` route after each CORS path. */
  routes(): AuthorizationServerRoute[] {
    const routes: AuthorizationServerRoute[] = [];
    for (const [path, methods] of this.#table) {
      for (const method of methods.keys()) routes.push({ method: method as 'GET' | 'POST', path });
      if (this.#corsPaths.has(path)) routes.push({ method: 'OPTIONS', path });
    }
    return routes;
  }

  /**
   * Routes one request: unknown path → 404 JSON, wrong method → 405 with `Allow`, a CORS
   * preflight → 204. Never rejects: a handler's failure becomes its error response.
   */
  async handle(request: HttpRequest): Promise<HttpResponse> {
    const path = request.url.pathname;
    const methods = this.#table.get(path);
    if (!methods) {
      return jsonResponse(404, { error: 'not_found', error_description: 'No such endpoint' });
    }
    const instrumentation = this.#instrumentation;
    if (instrumentation === undefined) return this.#handle(request, path, methods);
    // A span per endpoint, child of the caller's `traceparent`: the route, never the query.
    const attributes = { [ATTRIBUTES.httpMethod]: request.method, [ATTRIBUTES.httpRoute]: path };
    const parent = parseTraceContext(request.headers.traceparent, request.headers.tracestate);
    return instrumentation.inSpan(SPAN_NAMES.endpoint, { attributes, parent }, async (span) => {
      const response = await this.#handle(request, path, methods);
      span.setAttribute(ATTRIBUTES.httpStatus, response.status);
      if (response.status >= 500) span.recordError({ code: `http_${response.status}` });
      return response;
    });
  }

  async #handle(
    request: HttpRequest,
    path: string,
    methods: Map<string, Handler>,
  ): Promise<HttpResponse> {
    const withCors = this.#corsPaths.has(path);
    const allowed = [...methods.keys()];
    if (request.method === 'OPTIONS' && withCors) return preflight(allowed);
    const handler = methods.get(request.method);
    let response: HttpResponse;
    if (!handler) {
      response = errorResponse(
        new MethodNotAllowedError(withCors ? [...allowed, 'OPTIONS'] : allowed),
      );
    } else {
      try {
        response = await handler(request);
      } catch (error) {
        response = errorResponse(error);
      }
    }
    return withCors ? withCorsHeaders(response) : response;
  }
}

// The answer to a CORS preflight on a path serving `allowed`.
function preflight(allowed: readonly string[]): HttpResponse {
  return {
    status: 204,
    headers: {
      allow: [...allowed, 'OPTIONS'].join(', '),
      'access-control-allow-origin': '*',
      'access-control-allow-methods': [...allowed, 'OPTIONS'].join(', '),
      'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version, dpop',
      'access-control-max-age': '600',
    },
  };
}

function withCorsHeaders(response: HttpResponse): HttpResponse {
  return {
    ...response,
    headers: {
      ...response.headers,
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'www-authenticate, dpop-nonce',
    },
  };
}
