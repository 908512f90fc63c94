/**
 * The framework-neutral request every core endpoint handles. Adapters build it from their
 * framework's request; `toFetchHandler()` builds it from a Fetch `Request`.
 */
export interface HttpRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The absolute request URL as the client used it (scheme, host, path, query). */
  readonly url: URL;
  /** Request headers with lower-case names. Repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The raw body bytes or text, when the method has one. Core parses it (form or JSON) so
   * that size limits, repeated-parameter checks and content-type checks live in one place.
   */
  readonly body?: Uint8Array | string | undefined;
  /**
   * The peer address of the connection (e.g. Node's `socket.remoteAddress`), when the adapter
   * knows it. Used only to bucket rate limits and login throttling per caller; never trusted
   * for anything else. `X-Forwarded-For` is read instead only when the server is configured
   * to trust a number of proxy hops (`trustedProxyHops`).
   */
  readonly remoteAddress?: string | undefined;
}

/** The framework-neutral response every core endpoint returns. */
export interface HttpResponse {
  readonly status: number;
  /** Response headers; `set-cookie` may hold several values. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The body: a string (JSON, HTML) or nothing. */
  readonly body?: string | undefined;
}

/** Methods whose body core never reads (the guard and the Node conversion skip it). */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/i;

/**
 * The caller's address for per-address limits: `request.remoteAddress`, or, with
 * `trustedProxyHops` ≥ 1, the entry of `X-Forwarded-For` that many hops from the right (the
 * address the outermost trusted proxy saw). `X-Forwarded-For` is never read by default: any
 * client can send it. IPv6 addresses are reduced to their /64 (one subscriber usually holds a
 * whole /64); IPv4-mapped IPv6 becomes IPv4. `undefined` when unknown or malformed.
 */
export function clientAddress(request: HttpRequest, trustedProxyHops = 0): string | undefined {
  let address = request.remoteAddress;
  if (trustedProxyHops > 0) {
    const forwarded = request.headers['x-forwarded-for'];
    if (forwarded !== undefined) {
      const hops = forwarded.split(',').map((part) => part.trim());
      address = hops[Math.max(0, hops.length - trustedProxyHops)];
    }
  }
  return address === undefined ? undefined : addressBucket(address);
}

function addressBucket(raw: string): string | undefined {
  let address = raw.trim().toLowerCase();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (address.startsWith('::ffff:') && IPV4.test(address.slice(7))) address = address.slice(7);
  if (IPV4.test(address)) return address;
  if (!address.includes(':') || !IPV6.test(address)) return undefined;
  const [head = '', tail = ''] = address.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  if (groups.length < 4) return undefined;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
