/**
 * Redirect URI rules: what a client may register (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3.1,
 * SECURITY-CASES 20) and how an authorization request's URI is matched (exact string match;
 * only the port of a loopback `http` URI may vary, RFC 8252 §7.3; SECURITY-CASES 1).
 */
import { isExactLoopbackHost } from '../net/host.js';

// Schemes that can run code, read local data or are otherwise never a redirect target.
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'filesystem:',
  'view-source:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'tel:',
  'sms:',
  'chrome:',
  'chrome-extension:',
  'moz-extension:',
  'intent:',
]);

/** Why a redirect URI was refused, or `undefined` when it is acceptable to register. */
export function checkRedirectUri(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > 2000) return 'is too long';
  // Control characters, spaces, backslashes and wildcards never belong in a redirect URI.
  if (hasControlOrSpace(uri) || /[\\*<>"`{}|^]/.test(uri)) return 'contains a forbidden character';
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  const scheme = url.protocol.toLowerCase();
  if (FORBIDDEN_SCHEMES.has(scheme)) return 'uses a forbidden scheme';
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(uri)) {
    return 'must not contain user information';
  }
  if (hasDotSegment(uri)) return 'must not contain dot segments';
  if (scheme === 'https:' || scheme === 'http:') {
    // The host ends up in the pages' CSP (form-action): only DNS names and IP literals, so
    // `;`, `,`, quotes or spaces can never add a directive (issue 12 §5).
    if (!SAFE_HOST.test(url.hostname)) return 'has a forbidden character in its host';
    if (!hasCanonicalPort(uri)) return 'must have a port from 1 to 65535 without leading zeros';
  }
  if (scheme === 'https:') {
    if (!url.hostname) return 'must have a host';
    return undefined;
  }
  if (scheme === 'http:') {
    return isExactLoopbackHost(url.hostname)
      ? undefined
      : 'http is only allowed for loopback hosts';
  }
  // Private-use URI schemes of native apps (RFC 8252 §7.1), e.g. `com.example.app:/cb`.
  if (!/^[a-z][a-z0-9+.-]*:$/.test(scheme)) return 'has an invalid scheme';
  return undefined;
}

/** True when `text` holds a control character (C0, DEL) or a space. */
export function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

// Dot segments (`.`/`..`, also percent-encoded) in the raw path: matching is by exact string, so
// a registered URI must not be one that resolves elsewhere.
function hasDotSegment(uri: string): boolean {
  const path = uri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?]*)?/i, '').split('?', 1)[0] ?? '';
  return path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

// A DNS name (labels of letters, digits, `-`, `_`) or a bracketed IPv6 literal.
const SAFE_HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/i;

// The raw authority's port, if any, must be canonical: 1-65535, no leading zero, not empty.
function hasCanonicalPort(uri: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri)?.[1] ?? '';
  const port = /\]?:([^:\]]*)$/.exec(authority.replace(/^\[[^\]]*\]/, ']'));
  return port === null || isCanonicalPort(port[1]!);
}

function isCanonicalPort(text: string): boolean {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 65_535;
}

// An http URI split around its port: the host, the port, then what follows it. Loopback is
// decided by net/'s isExactLoopbackHost (the RFC 8252 literals, case-insensitive).
const HTTP_URI = /^http:\/\/(\[[^\]/]*\]|[^/:?#[\]]*)(?::(\d{1,5}))?(\/[\s\S]*)?$/;

function splitLoopback(uri: string): RegExpExecArray | undefined {
  const m = HTTP_URI.exec(uri);
  return m && isExactLoopbackHost(m[1]!) ? m : undefined;
}

/**
 * True when `requested` matches `registered` exactly (simple string comparison, RFC 6749
 * §3.1.2.3 / OAuth 2.1 §4.1.3), or both are loopback `http` URIs differing only in the port
 * (RFC 8252 §7.3). Nothing is normalized: case, trailing slashes, queries and dot segments
 * must be identical.
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const a = splitLoopback(registered);
  const b = splitLoopback(requested);
  if (!a || !b) return false;
  // The requested port must be a real one in canonical form (`:99999`, `:09999` never match).
  if (b[2] !== undefined && !isCanonicalPort(b[2])) return false;
  return a[1] === b[1] && (a[3] ?? '') === (b[3] ?? '');
}

// A CSP source expression that cannot end the directive or add a keyword.
const SAFE_CSP_SOURCE =
  /^(?:https?:\/\/(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?|[a-z][a-z0-9+.-]*:)$/i;

/**
 * Where a redirect URI sends the browser, for display and CSP: its origin, or its scheme.
 * The CSP source is `'none'` unless it is a plain origin or scheme, so a host registered
 * before host characters were checked can still never inject a directive.
 */
export function redirectTarget(uri: string): { display: string; cspSource: string } {
  const safe = (source: string) => (SAFE_CSP_SOURCE.test(source) ? source : "'none'");
  try {
    const url = new URL(uri);
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      return { display: url.host, cspSource: safe(url.origin) };
    }
    return {
      display: url.protocol + (url.host ? `//${url.host}` : ''),
      cspSource: safe(url.protocol),
    };
  } catch {
    return { display: 'an unknown location', cspSource: "'none'" };
  }
}

/**
 * Why a redirect URI (already accepted by {@link checkRedirectUri}) does not fit the client's
 * OIDC `application_type` (OIDC DCR §2, RFC 8252 §7, SEP-837), or `undefined` when it fits.
 * `native`: a loopback `http` URI (`127.0.0.1`, `[::1]`, `localhost`; any port) or a private-use
 * scheme (`com.example.app:/cb`; RFC 8252 §7.1 asks for a reversed domain, but the MCP SDK
 * classifies every custom scheme as native — `cursor://…` included — so a dot is not required).
 * `web`: `https` on a host that is not loopback.
 */
export function checkApplicationTypeRedirectUri(
  type: 'native' | 'web',
  uri: string,
): string | undefined {
  const url = new URL(uri);
  const scheme = url.protocol.toLowerCase();
  if (type === 'web') {
    if (scheme !== 'https:') return 'of a web application must use https';
    return isExactLoopbackHost(url.hostname)
      ? 'of a web application must not be a loopback address'
      : undefined;
  }
  // checkRedirectUri allows http only on loopback; other schemes than https are private-use.
  return scheme === 'https:'
    ? 'of a native application must be loopback http or a private-use scheme'
    : undefined;
}
