import { describe, expect, it } from 'vitest';
import { loadConfigFromEnv } from '../config.js';
import { createRemoteKeySet } from '../jwt/remote-key-set.js';
import { checkClientIdUrl } from '../server/client-metadata-document.js';
import {
  checkOutboundUrl,
  checkResolvedAddress,
  isHttpsOrExactLoopbackUrl,
  isHttpsOrLoopbackUrl,
  isLoopbackHostname,
  normalizeHostname,
} from './host.js';

// Issue 12 item 5 and issue 19 item 5: names are normalised before any rule runs.
describe('SSRF name rules normalise first (issues 12, 19)', () => {
  it.each([
    'https://localhost./cimd.json',
    'https://localhost../cimd.json',
    'https://LOCALHOST./cimd.json',
    'https://app.localhost./cimd.json',
    'https://foo.internal./cimd.json',
    'https://printer.local./cimd.json',
    'https://router.lan./cimd.json',
    'https://nas.home.arpa./cimd.json',
    'https://localhost%2e/cimd.json',
    'https://foo.local%2e/cimd.json',
    'https://foo\u3002internal/cimd.json',
    'https://foo\uff0elocal/cimd.json',
    'https://foo\uff61lan/cimd.json',
    'https://intranet./cimd.json',
    'https://127.0.0.1./cimd.json',
  ])('%s is refused', (url) => {
    expect(checkOutboundUrl(new URL(url))).toBeDefined();
  });

  it('normalizeHostname reads IDNA dots and %2e as dots and drops trailing dots', () => {
    expect(normalizeHostname('Foo.Internal.')).toBe('foo.internal');
    expect(normalizeHostname('localhost%2E')).toBe('localhost');
    expect(normalizeHostname('a\u3002b\uff0ec\uff61d..')).toBe('a.b.c.d');
  });

  it('a trailing-dot public name stays allowed (only the rules change, not DNS)', () => {
    expect(checkOutboundUrl(new URL('https://app.example.com./cimd.json'))).toBeUndefined();
  });

  it('isLoopbackHostname: the one loopback rule, trailing dots and mapped v6 included', () => {
    for (const host of ['localhost', 'localhost.', 'a.localhost', '127.0.0.2', '[::1]']) {
      expect(isLoopbackHostname(host)).toBe(true);
    }
    expect(isLoopbackHostname('[::ffff:127.0.0.1]')).toBe(true);
    expect(isLoopbackHostname('example.com')).toBe(false);
    expect(isLoopbackHostname('10.0.0.1')).toBe(false);
  });

  it('config and createRemoteKeySet reuse the same loopback rule (http on localhost. is loopback)', () => {
    expect(() => createRemoteKeySet('http://localhost./jwks')).not.toThrow();
    expect(() => createRemoteKeySet('http://example.com/jwks')).toThrow(TypeError);
    expect(loadConfigFromEnv({ OAUTH_JWKS_URI: 'http://localhost./jwks' }).jwksUri).toBe(
      'http://localhost./jwks',
    );
    expect(() => loadConfigFromEnv({ OAUTH_JWKS_URI: 'http://evil.example/jwks' })).toThrow();
  });

  it('checkResolvedAddress judges the address a name resolved to', () => {
    expect(checkResolvedAddress('10.0.0.5')).toBeDefined();
    expect(checkResolvedAddress('169.254.169.254')).toBeDefined();
    expect(checkResolvedAddress('::1')).toBeDefined();
    expect(checkResolvedAddress('::ffff:192.168.0.1')).toBeDefined();
    expect(checkResolvedAddress('fd00::1')).toBeDefined();
    expect(checkResolvedAddress('127.0.0.1', { allowInsecureLoopback: true })).toBeUndefined();
    expect(checkResolvedAddress('10.0.0.5', { allowInsecureLoopback: true })).toBeDefined();
    expect(checkResolvedAddress('93.184.216.34')).toBeUndefined();
    expect(checkResolvedAddress('2606:4700::1111')).toBeUndefined();
  });
});

// Issue 19 item 2: the check runs on the string as given, not on what URL() normalised.
describe('CIMD client_id must be canonical (issue 19 item 2)', () => {
  it.each([
    ['dot segments, encoded', 'https://cimd.example.com/trusted-org/%2e%2e/evil/cimd.json'],
    [
      'dot segments, upper-case encoding',
      'https://cimd.example.com/trusted-org/%2E%2E/evil/cimd.json',
    ],
    ['backslash', 'https://cimd.example.com/trusted-org\\..\\evil/cimd.json'],
    ['tab', 'https://cimd.example.com/trusted-org/\t../evil/cimd.json'],
    ['newline', 'https://cimd.example.com/a\n/cimd.json'],
    ['space', 'https://cimd.example.com/a b/cimd.json'],
    ['upper-case host', 'https://CIMD.example.com/cimd.json'],
    ['default port', 'https://cimd.example.com:443/cimd.json'],
    ['Unicode (look-alike) host', 'https://\u0430nthropic.com/claude/cimd.json'],
    ['right-to-left override', 'https://cimd.example.com/\u202enosj.dmic'],
    ['zero-width space', 'https://cimd.example.com/cl\u200baude/cimd.json'],
    ['fullwidth dot host', 'https://cimd\u3002example.com/cimd.json'],
    ['trailing-dot local host', 'https://foo.internal./cimd.json'],
    ['percent-encoded dot host', 'https://localhost%2e/cimd.json'],
  ])('%s is refused', (_name, clientId) => {
    expect(checkClientIdUrl(clientId, false)).toBeDefined();
  });

  it('a canonical https client_id with a path is accepted', () => {
    expect(checkClientIdUrl('https://cimd.example.com/claude/cimd.json', false)).toBeUndefined();
    expect(
      checkClientIdUrl('https://xn--nthropic-06g.com/claude/cimd.json', false),
    ).toBeUndefined();
  });
});

describe('the http-only-on-loopback URL rules', () => {
  it('isHttpsOrLoopbackUrl: https anywhere, http on any loopback host (a URL to fetch)', () => {
    for (const url of [
      'https://a.test/x',
      'http://localhost:1/x',
      'http://app.localhost/x',
      'http://127.0.0.2/x',
      'http://[::1]/x',
    ])
      expect(isHttpsOrLoopbackUrl(new URL(url))).toBe(true);
    for (const url of ['http://a.test/x', 'ftp://localhost/x', 'http://10.0.0.1/x'])
      expect(isHttpsOrLoopbackUrl(new URL(url))).toBe(false);
  });

  it('isHttpsOrExactLoopbackUrl: http only on the three literal loopback hosts (an issuer or resource)', () => {
    for (const url of [
      'https://a.test/x',
      'http://localhost:1/x',
      'http://127.0.0.1/x',
      'http://[::1]/x',
    ])
      expect(isHttpsOrExactLoopbackUrl(new URL(url))).toBe(true);
    for (const url of ['http://app.localhost/x', 'http://127.0.0.2/x', 'http://a.test/x'])
      expect(isHttpsOrExactLoopbackUrl(new URL(url))).toBe(false);
  });
});

// config.ts read MCP_AUTH_ISSUER / MCP_AUTH_RESOURCE_URL with the fetch rule (any loopback host)
// while createAuthorizationServer checks them with the literal rule, so an environment config
// accepted (http://app.localhost) made the server throw at construction. One answer now.
describe("config: this server's own URLs by createAuthorizationServer's rule", () => {
  it('MCP_AUTH_ISSUER / MCP_AUTH_RESOURCE_URL on http://app.localhost or 127.0.0.2 are config problems', () => {
    for (const [name, value] of [
      ['MCP_AUTH_ISSUER', 'http://app.localhost:3000'],
      ['MCP_AUTH_RESOURCE_URL', 'http://127.0.0.2:3000/mcp'],
    ] as const) {
      let variables: string[] = [];
      try {
        loadConfigFromEnv({ [name]: value });
      } catch (error) {
        variables = (error as { problems: { variable: string }[] }).problems.map((p) => p.variable);
      }
      expect(variables).toContain(name);
    }
    expect(loadConfigFromEnv({ MCP_AUTH_ISSUER: 'http://localhost:3000' }).issuer).toBe(
      'http://localhost:3000',
    );
  });
});
