import { describe, expect, it } from 'vitest';
import { type HttpRequest, clientAddress } from './messages.js';

const request = (remoteAddress?: string, xff?: string): HttpRequest => ({
  method: 'GET',
  url: new URL('https://as.example.test/authorize'),
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  ...(remoteAddress === undefined ? {} : { remoteAddress }),
});

describe('clientAddress (per-address limits, issue 12 §4)', () => {
  it('uses the connection address and ignores X-Forwarded-For by default', () => {
    expect(clientAddress(request('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
    expect(clientAddress(request(undefined, '198.51.100.1'))).toBeUndefined();
  });

  it('reads X-Forwarded-For that many hops from the right when proxies are trusted', () => {
    const r = request('10.0.0.1', 'spoofed, 198.51.100.7, 10.0.0.9');
    expect(clientAddress(r, 1)).toBe('10.0.0.9');
    expect(clientAddress(r, 2)).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.0.1', '198.51.100.7'), 3)).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.0.1'), 1)).toBe('10.0.0.1');
  });

  it('buckets IPv6 per /64, unwraps IPv4-mapped IPv6, and refuses garbage', () => {
    expect(clientAddress(request('2001:db8:1:2:3:4:5:6'))).toBe('2001:db8:1:2::/64');
    expect(clientAddress(request('2001:db8:1:2::9'))).toBe('2001:db8:1:2::/64');
    expect(clientAddress(request('2001:0db8:0001:0002::1'))).toBe('2001:db8:1:2::/64');
    expect(clientAddress(request('::1'))).toBe('0:0:0:0::/64');
    expect(clientAddress(request('::ffff:192.0.2.5'))).toBe('192.0.2.5');
    expect(clientAddress(request('[2001:db8::1]'))).toBe('2001:db8:0:0::/64');
    expect(clientAddress(request('fe80::1%eth0'))).toBe('fe80:0:0:0::/64');
    for (const bad of ['', 'not-an-ip', '<script>', 'a'.repeat(100), '1.2.3']) {
      expect(clientAddress(request(bad))).toBeUndefined();
    }
  });
});
