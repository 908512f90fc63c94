/**
 * Host rules: which names and addresses are loopback, private, link-local or reserved, and
 * the outbound URL checks built on them for server-side fetches of attacker-chosen URLs
 * (client metadata documents, upstream IdP discovery, JWKS): SECURITY-CASES 23. This file is
 * the one place for the "local / loopback / private host" rules; other modules reuse it. The
 * default outbound fetch that applies them lives in `server/outbound-fetch.ts`.
 *
 * Host names are normalised before any rule runs: lower case, IDNA dots (`。` U+3002,
 * `．` U+FF0E, `｡` U+FF61) and `%2e` read as `.`, trailing dots removed (`localhost.` is
 * `localhost`).
 *
 * Limit: a Web `fetch` cannot tell which IP address a host name resolved to, so on Web
 * runtimes a public name that resolves to a private address (or DNS rebinding) is not caught
 * here. On Node, the Node entry installs {@link setOutboundFetchFactory}: the default fetch
 * of metadata documents and upstream requests then checks the address each connection is
 * actually made to (a `lookup` hook on the socket), so those are refused too. Elsewhere, pass
 * a `fetch` that pins and checks resolved addresses where that matters.
 */

/** Options of {@link checkOutboundUrl}. */
export interface OutboundUrlOptions {
  /** Allow `http:` and loopback hosts (development only). Default `false`. */
  allowInsecureLoopback?: boolean;
}

// Host names that resolve to the local machine or a local network by convention.
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.localdomain', '.lan'];

/**
 * A host name as DNS will see it: lower case, IDNA full stops (U+3002, U+FF0E, U+FF61) and
 * `%2e` read as `.`, trailing dots removed. `[v6]` literals are returned lower-cased.
 */
export function normalizeHostname(hostname: string): string {
  let host = hostname
    .toLowerCase()
    .replace(/%2e/g, '.')
    .replace(/[\u3002\uff0e\uff61]/g, '.');
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/**
 * True for a loopback host: `localhost`, `*.localhost` (RFC 6761 §6.3), `127.0.0.0/8`, `[::1]`
 * and IPv4-mapped loopback, after {@link normalizeHostname}.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const host = normalizeHostname(hostname);
  return host === 'localhost' || host.endsWith('.localhost') || ipClass(host) === 'loopback';
}

/**
 * True only for the three exact loopback names RFC 8252 allows in a native app's redirect URI
 * (§7.3, §8.3): `127.0.0.1`, `[::1]` and `localhost`, case-insensitive. Stricter than
 * {@link isLoopbackHostname}: no normalisation, no `*.localhost`, no other `127.0.0.0/8`
 * address — a redirect URI is compared as registered, so only these literals qualify.
 */
export function isExactLoopbackHost(hostname: string): boolean {
  return EXACT_LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

const EXACT_LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * `https:`, or `http:` on a loopback host by {@link isLoopbackHostname}: a URL mcp-auth may
 * fetch (a JWKS, an upstream endpoint, the doctor's target), plain http only to this machine.
 */
export function isHttpsOrLoopbackUrl(url: URL): boolean {
  return (
    url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname))
  );
}

/**
 * `https:`, or `http:` on one of the three literal loopback hosts of
 * {@link isExactLoopbackHost}: a URL that names an authorization server or an MCP resource
 * (issuer, resource), which clients compare as written, so only those literals qualify.
 */
export function isHttpsOrExactLoopbackUrl(url: URL): boolean {
  return (
    url.protocol === 'https:' || (url.protocol === 'http:' && isExactLoopbackHost(url.hostname))
  );
}

/**
 * Why `url` must not be fetched, or `undefined` when it may: only `https:` (or loopback
 * `http:` when allowed), no user information, and no private, loopback, link-local,
 * unique-local, multicast or reserved IP literal, nor a local-only host name.
 */
export function checkOutboundUrl(url: URL, options: OutboundUrlOptions = {}): string | undefined {
  if (url.username || url.password) return 'must not contain user information';
  const host = normalizeHostname(url.hostname);
  if (host === '') return 'must have a host';
  const loopback = isLoopbackHostname(host);
  if (url.protocol === 'http:') {
    if (!(options.allowInsecureLoopback && loopback)) return 'must use https';
  } else if (url.protocol !== 'https:') {
    return 'must use https';
  }
  if (loopback)
    return options.allowInsecureLoopback ? undefined : 'must not target a loopback host';
  return checkHostName(host);
}

// The name rules for a non-loopback host (already normalised).
function checkHostName(host: string): string | undefined {
  const klass = ipClass(host);
  if (klass !== undefined && klass !== 'public') return `must not target a ${klass} address`;
  if (klass === undefined) {
    if (!host.includes('.')) return 'must use a fully qualified host name';
    if (LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'must not target a local host name';
  }
  return undefined;
}

/**
 * Why a connection to the resolved address `address` (`1.2.3.4` or `::1`, no brackets) must
 * not be made, or `undefined` when it may. For runtimes that can see the address a name
 * resolved to (the Node entry's default fetch).
 */
export function checkResolvedAddress(
  address: string,
  options: OutboundUrlOptions = {},
): string | undefined {
  const literal = address.includes(':') ? `[${address}]` : address;
  const klass = ipClass(literal);
  if (klass === undefined) return 'resolved to something that is not an IP address';
  if (klass === 'public') return undefined;
  if (klass === 'loopback' && options.allowInsecureLoopback) return undefined;
  return `resolved to a ${klass} address`;
}

/** Address class of an IP literal host (`[v6]` or dotted v4), or `undefined` for a name. */
export function ipClass(
  host: string,
): 'public' | 'loopback' | 'private' | 'link-local' | 'reserved' | undefined {
  if (host.startsWith('[') && host.endsWith(']')) return ipv6Class(host.slice(1, -1));
  const v4 = parseIpv4(host);
  return v4 === undefined ? undefined : ipv4Class(v4);
}

function parseIpv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : undefined;
}

function ipv4Class(p: number[]): 'public' | 'loopback' | 'private' | 'link-local' | 'reserved' {
  const [a = 0, b = 0, c = 0] = p;
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT
  if (a === 169 && b === 254) return 'link-local';
  if (a === 0 || a >= 224) return 'reserved'; // this network, multicast, class E, broadcast
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved';
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113))
    return 'reserved';
  return 'public';
}

function ipv6Class(text: string): 'public' | 'loopback' | 'private' | 'link-local' | 'reserved' {
  const groups = expandIpv6(text);
  if (!groups) return 'reserved';
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 <= 1) return g7 === 1 ? 'loopback' : 'reserved';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses: judge the embedded v4.
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) {
    return ipv4Class([g6 >> 8, g6 & 255, g7 >> 8, g7 & 255]);
  }
  // NAT64 well-known prefix 64:ff9b::/96.
  if (g0 === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return ipv4Class([g6 >> 8, g6 & 255, g7 >> 8, g7 & 255]);
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (g0 === 0x2002 || (g0 === 0x2001 && groups[1] === 0x0db8)) return 'reserved'; // 6to4, docs
  if (g0 === 0x2001 && groups[1] === 0) return 'reserved'; // Teredo
  return 'public';
}

function expandIpv6(text: string): number[] | undefined {
  let head = text;
  let tail4: number[] = [];
  const v4 = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (v4) {
    const p = parseIpv4(v4[1]!);
    if (!p) return undefined;
    tail4 = [(p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!];
    head = text.slice(0, -v4[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const known = left.length + right.length + tail4.length;
  if (left.some(Number.isNaN) || right.some(Number.isNaN)) return undefined;
  if (halves.length === 1 && known !== 8) return undefined;
  if (known > 8) return undefined;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail4];
}
