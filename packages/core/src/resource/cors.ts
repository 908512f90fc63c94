// The browser rules of the MCP endpoint: which `Origin`s may call it (CORS, and the transport
// spec's MUST to validate `Origin` against DNS rebinding), the preflight answer, and which
// `Host`s a loopback development server answers.

import { isExactLoopbackHost } from '../net/host.js';
import type { HttpResponse } from '../http/messages.js';

/** Browser access to the MCP endpoint. */
export interface McpCorsOptions {
  /**
   * Origins a browser may call the MCP endpoint from: exact origins (`https://app.example.com`),
   * or `'*'` for any (then no origin is ever echoed with credentials; bearer tokens need none).
   * Default: the endpoint's own origin and loopback origins (`http://localhost:*`,
   * `http://127.0.0.1:*`, `http://[::1]:*`, any port) — what the MCP Inspector and local web
   * clients use in development. A request whose `Origin` is not allowed gets 403 before
   * anything else; requests without `Origin` (non-browser clients) are not affected.
   */
  readonly allowedOrigins?: readonly string[] | '*';
  /**
   * `Host` header values the endpoint answers (`host` or `host:port`), against DNS rebinding.
   * Default: when the endpoint's own URL is on a loopback address, loopback names only
   * (`localhost`, `127.0.0.1`, `[::1]`, any port); otherwise any host (a public server is
   * reached through its name and is not a rebinding target).
   */
  readonly allowedHosts?: readonly string[];
  /** `Mcp-Param-*` headers the server's tools declare, allowed in preflights besides the standard ones. */
  readonly paramHeaders?: readonly string[];
}

/** Methods the MCP endpoint serves (Streamable HTTP). */
const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
const STANDARD_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-session-id',
  'mcp-method',
  'mcp-name',
  'last-event-id',
  'dpop',
];
const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, DPoP-Nonce';

/** The endpoint's browser rules, checked once at construction. */
export interface OriginPolicy {
  /** A 403 when `Origin` or `Host` is not allowed, a preflight answer for OPTIONS, else undefined. */
  screen(method: string, header: (name: string) => string | undefined): HttpResponse | undefined;
  /** Headers every answer to this request carries (empty without an allowed `Origin`). */
  responseHeaders(origin: string | undefined): Readonly<Record<string, string>>;
}

/** Most `Host` values whose answer {@link createOriginPolicy} remembers. */
const MAX_REMEMBERED_HOSTS = 64;

/** The response headers of a request without an allowed `Origin`: none (one shared object). */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function parseOrigin(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function checkOrigins(value: McpCorsOptions['allowedOrigins'], where: string): Set<string> | '*' {
  if (value === '*') return '*';
  const origins = new Set<string>();
  if (value === undefined) return origins;
  if (!Array.isArray(value))
    throw new TypeError(`${where}: cors.allowedOrigins must be an array of origins or '*'`);
  for (const origin of value) {
    const url = typeof origin === 'string' ? parseOrigin(origin) : undefined;
    if (url === undefined || url.origin !== origin.replace(/\/$/, '')) {
      throw new TypeError(
        `${where}: cors.allowedOrigins entries must be exact origins such as "https://app.example.com" (no path)`,
      );
    }
    origins.add(url.origin);
  }
  return origins;
}

function checkHeaderNames(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every(
      (name) => typeof name === 'string' && /^mcp-param-[!#$%&'*+\-.^_`|~0-9a-z]+$/i.test(name),
    )
  ) {
    throw new TypeError(
      `${where}: cors.paramHeaders must list header names such as "Mcp-Param-Region"`,
    );
  }
  return value.map((name: string) => name.toLowerCase());
}

/**
 * Builds the browser rules of an MCP endpoint whose own URL is `endpointUrl`.
 * @throws TypeError naming the option to fix.
 */
export function createOriginPolicy(
  options: McpCorsOptions | undefined,
  endpointUrl: URL,
  where: string,
): OriginPolicy {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new TypeError(`${where}: cors must be an object`);
  const explicit = checkOrigins(options?.allowedOrigins, where);
  const defaults = options?.allowedOrigins === undefined;
  const ownOrigin = endpointUrl.origin;
  const allowedHeaders = [
    ...STANDARD_HEADERS,
    ...checkHeaderNames(options?.paramHeaders, where),
  ].join(', ');
  const hosts = options?.allowedHosts;
  if (hosts !== undefined && (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string')))
    throw new TypeError(`${where}: cors.allowedHosts must be an array of host names`);
  const hostSet = hosts === undefined ? undefined : new Set(hosts.map((h) => h.toLowerCase()));
  const checkHosts = hostSet !== undefined || isExactLoopbackHost(endpointUrl.hostname);

  const originAllowed = (origin: string): boolean => {
    if (explicit === '*') return true;
    if (explicit.has(origin)) return true;
    if (!defaults) return false;
    if (origin === ownOrigin) return true;
    const url = parseOrigin(origin);
    return url !== undefined && isExactLoopbackHost(url.hostname);
  };
  // Host values seen lately and their answers (a caller can send any Host: bounded, and
  // cleared when full; a miss only costs the parse again).
  const hostAnswers = new Map<string, boolean>();
  const hostAllowed = (host: string | undefined): boolean => {
    if (!checkHosts) return true;
    if (host === undefined) return false;
    const known = hostAnswers.get(host);
    if (known !== undefined) return known;
    const allowed = hostMatches(host);
    if (hostAnswers.size >= MAX_REMEMBERED_HOSTS) hostAnswers.clear();
    hostAnswers.set(host, allowed);
    return allowed;
  };
  const hostMatches = (host: string): boolean => {
    const value = host.trim().toLowerCase();
    if (hostSet !== undefined) return hostSet.has(value) || hostSet.has(value.replace(/:\d+$/, ''));
    const url = URL.canParse(`http://${value}`) ? new URL(`http://${value}`) : undefined;
    return url !== undefined && url.host === value && isExactLoopbackHost(url.hostname);
  };
  const corsHeaders = (origin: string): Record<string, string> => ({
    'access-control-allow-origin': explicit === '*' ? '*' : origin,
    'access-control-expose-headers': EXPOSED_HEADERS,
    vary: 'Origin',
  });
  const forbidden = (message: string): HttpResponse => ({
    status: 403,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: 'forbidden', error_description: message }),
  });

  return {
    screen(method, header) {
      if (!hostAllowed(header('host'))) return forbidden('This Host is not served here');
      const origin = header('origin');
      if (origin !== undefined && !originAllowed(origin))
        return forbidden('Requests from this Origin are not allowed');
      if (method !== 'OPTIONS') return undefined;
      const headers: Record<string, string> = {
        allow: ALLOWED_METHODS,
        'cache-control': 'no-store',
      };
      if (origin !== undefined) {
        Object.assign(headers, corsHeaders(origin), {
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': allowedHeaders,
          'access-control-max-age': '600',
        });
      }
      return { status: 204, headers };
    },
    responseHeaders(origin) {
      return origin !== undefined && originAllowed(origin) ? corsHeaders(origin) : NO_HEADERS;
    },
  };
}
