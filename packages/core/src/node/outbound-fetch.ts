import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { checkResolvedAddress, type OutboundUrlOptions } from '../net/host.js';

/** The error code of a connection refused because its host resolved to a forbidden address. */
export const FORBIDDEN_ADDRESS = 'ERR_MCP_AUTH_FORBIDDEN_ADDRESS';

/**
 * A `lookup` for sockets that resolves the name and refuses the connection when any address
 * is loopback, private, link-local or reserved (SECURITY-CASES 23). The socket connects to an
 * address this function returned, so DNS rebinding between check and connect is impossible.
 */
export function createCheckedLookup(
  options: OutboundUrlOptions,
  resolve: typeof dnsLookup = dnsLookup,
): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const problem = checkResolvedAddress(address, options);
        if (problem) {
          const refused = Object.assign(new Error(`The outbound host ${problem}`), {
            code: FORBIDDEN_ADDRESS,
          });
          callback(refused, '', 0);
          return;
        }
      }
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error('No address'), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      if (lookupOptions.all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function requestBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('The outbound fetch accepts string, Uint8Array or URLSearchParams bodies');
}

/**
 * The Node entry's default fetch for server-side requests to attacker-influenced URLs
 * (metadata documents, upstream IdP): `node:http(s)` with {@link createCheckedLookup} on a
 * fresh connection per request (no pooled socket opened by anyone else is reused). Redirects
 * are never followed (a 3xx is returned as is); `signal` aborts the request. `resolve` is
 * for tests (default `dns.lookup`).
 */
export function createNodeOutboundFetch(
  options: OutboundUrlOptions,
  resolve: typeof dnsLookup = dnsLookup,
): typeof fetch {
  const lookup = createCheckedLookup(options, resolve);
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError('The outbound fetch supports http and https only');
    }
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = requestBody(init.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        method: init.method ?? 'GET',
        headers,
        agent: false,
        lookup,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
    const status = response.statusCode ?? 502;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
    }
    const noBody = status === 204 || status === 304 || init.method === 'HEAD';
    if (noBody || status < 200 || status > 599) response.resume();
    if (status < 200 || status > 599) throw new TypeError('The outbound response is invalid');
    return new Response(
      noBody ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>),
      { status, headers: responseHeaders },
    );
  }) as typeof fetch;
}
