import { describe, expect, it } from 'vitest';
import { checkRedirectUri, redirectUriMatches } from './redirect-uri.js';

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
