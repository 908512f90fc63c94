import { isLoopbackHostname } from '@mcp-auth/core/internal';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/run-doctor.js';

// The doctor has no loopback rule or body reader of its own: it uses core's (issue 13).
const refused = (async () => {
  throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
}) as typeof fetch;

async function urlCheck(url: string) {
  const report = await runDoctor(url, { fetch: refused });
  return report.checks.find((c) => c.id === 'mcp-url-https');
}

describe('doctor uses core’s loopback rule for "HTTPS or loopback"', () => {
  it.each([
    'http://localhost/mcp',
    'http://localhost./mcp',
    'http://a.localhost/mcp',
    'http://127.9.8.7/mcp',
    'http://[::1]:3000/mcp',
  ])('%s is a loopback development URL (pass)', async (url) => {
    expect(isLoopbackHostname(new URL(url).hostname)).toBe(true);
    expect(await urlCheck(url)).toMatchObject({
      status: 'pass',
      detail: 'http on a loopback host (development)',
    });
  });

  it.each([
    'http://localhost.evil.example/mcp',
    'http://127.0.0.1.nip.io/mcp',
    'http://10.0.0.1/mcp',
  ])('%s is plain http on a non-loopback host (fail)', async (url) => {
    expect(isLoopbackHostname(new URL(url).hostname)).toBe(false);
    expect(await urlCheck(url)).toMatchObject({
      status: 'fail',
      detail: 'plain http on a non-loopback host: tokens would travel in clear text',
    });
  });
});

describe('doctor reads answers through core’s capped reader', () => {
  it('a 2 MiB metadata answer is cut at 1 MiB: not a JSON object, no memory blow-up', async () => {
    const big = `{"resource":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const fetchFn = (async (input: URL | string) => {
      const url = String(input);
      if (url.includes('/.well-known/oauth-protected-resource')) return new Response(big);
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="mcp"' },
      });
    }) as typeof fetch;
    const report = await runDoctor('https://mcp.example/mcp', { fetch: fetchFn });
    expect(report.checks.find((c) => c.id === 'prm-document')).toMatchObject({
      status: 'fail',
      detail:
        'not found (/.well-known/oauth-protected-resource/mcp: not a JSON object; /.well-known/oauth-protected-resource: not a JSON object)',
    });
  });
});
