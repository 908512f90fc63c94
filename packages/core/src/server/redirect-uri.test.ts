import { describe, expect, it } from 'vitest';
import { checkRedirectUri, redirectTarget, redirectUriMatches } from './redirect-uri.js';

describe('redirectUriMatches (OAuth 2.1 §4.1.3 exact match, RFC 8252 §7.3 loopback port)', () => {
  it('matches exactly, or loopback URIs differing only by port', () => {
    expect(redirectUriMatches('https://a.test/cb', 'https://a.test/cb')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:5555/cb')).toBe(true);
    expect(redirectUriMatches('http://[::1]:1/cb', 'http://[::1]:2/cb')).toBe(true);
    expect(redirectUriMatches('http://localhost:1', 'http://localhost:2')).toBe(true);
  });
  it.each([
    ['https://a.test/cb', 'https://a.test/cb/'],
    ['https://a.test/cb', 'https://A.test/cb'],
    ['https://a.test/cb', 'https://a.test:443/cb'],
    ['https://a.test/cb', 'https://a.test/cb?x'],
    ['https://a.test/cb', 'https://a.test/cb.evil.com'],
    ['https://a.test:8443/cb', 'https://a.test:9443/cb'],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:5/cb/'],
    ['http://127.0.0.1/cb', 'http://localhost:5/cb'],
    ['http://127.0.0.1/cb', 'http://127.0.0.1.evil.com/cb'],
    ['http://127.0.0.1/cb', 'http://127.0.0.1@evil.com/cb'],
  ])('%s does not match %s', (registered, requested) => {
    expect(redirectUriMatches(registered, requested)).toBe(false);
  });

  // checkRedirectUri accepts http://LOCALHOST (hosts are case-insensitive, net/'s literal
  // loopback rule), but the matcher's own regex knew only lower-case hosts, so such a URI lost
  // its RFC 8252 port freedom. One rule now; the host itself must still be written the same.
  it('a loopback host in upper case may vary its port too (one loopback rule with checkRedirectUri)', () => {
    expect(checkRedirectUri('http://LOCALHOST/cb')).toBeUndefined();
    expect(redirectUriMatches('http://LOCALHOST/cb', 'http://LOCALHOST:5555/cb')).toBe(true);
    expect(redirectUriMatches('http://LOCALHOST/cb', 'http://localhost:5555/cb')).toBe(false);
    expect(redirectUriMatches('http://LOCALHOST/cb', 'http://LOCALHOST:99999/cb')).toBe(false);
  });
});

describe('checkRedirectUri (SECURITY-CASES 20)', () => {
  it.each([
    'https://a.test/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]/cb',
    'com.example.app:/oauth2redirect',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
    'https://a.test/cb?tenant=1',
  ])('accepts %s', (uri) => {
    expect(checkRedirectUri(uri)).toBeUndefined();
  });
  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'data:text/html,x',
    'vbscript:x',
    'file:///etc/passwd',
    'https://a.test/cb#x',
    'http://a.test/cb',
    'https://*.a.test/cb',
    '/relative',
    'a.test/cb',
    'https://a.test/%2e%2e/cb',
    'https://a.test/cb\\x',
    'https://a.test/c b',
    '',
  ])('refuses %s', (uri) => {
    expect(checkRedirectUri(uri)).toBeDefined();
  });
});

// Issue 12 §5: a redirect URI host must not inject CSP directives; loopback ports are real.
describe('AS-7..9: redirect URI hosts and ports', () => {
  it.each([
    'https://x;sandbox/cb',
    'https://x,y/cb',
    "https://x'unsafe-inline'/cb",
    'https://x%3Bsandbox/cb',
    'https://x"y/cb',
    'http://localhost;sandbox/cb',
  ])('AS-7: %s is refused at registration (forbidden host character)', (uri) => {
    expect(checkRedirectUri(uri)).toMatch(/forbidden character/);
  });

  it.each([
    'http://127.0.0.1:99999/cb',
    'http://127.0.0.1:09999/cb',
    'http://127.0.0.1:0/cb',
    'http://[::1]:65536/cb',
    'http://localhost:/cb',
    'https://a.test:0443/cb',
  ])('AS-8: %s is refused at registration (port not 1-65535 in canonical form)', (uri) => {
    expect(checkRedirectUri(uri)).toBeDefined();
  });

  it('AS-8: a loopback redirect with port 99999, 09999 or 0 does not match the registered URI', () => {
    for (const port of ['99999', '09999', '0', '65536', '']) {
      expect(redirectUriMatches('http://127.0.0.1/cb', `http://127.0.0.1:${port}/cb`)).toBe(false);
    }
    expect(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:65535/cb')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:1/cb')).toBe(true);
    expect(checkRedirectUri('http://127.0.0.1:65535/cb')).toBeUndefined();
    expect(checkRedirectUri('https://a.test:8443/cb')).toBeUndefined();
    expect(checkRedirectUri('http://[::1]:8080/cb')).toBeUndefined();
  });

  it("AS-9: the CSP source of a stored URI with a hostile host is 'none', never the host", () => {
    expect(redirectTarget('https://x;sandbox/cb').cspSource).toBe("'none'");
    expect(redirectTarget('https://x,y/cb').cspSource).toBe("'none'");
    expect(redirectTarget('https://a.test:8443/cb').cspSource).toBe('https://a.test:8443');
    expect(redirectTarget('com.example.app:/cb').cspSource).toBe('com.example.app:');
  });
});
