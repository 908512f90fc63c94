import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeOutboundFetch, FORBIDDEN_ADDRESS } from './outbound-fetch.js';

// A resolver that answers `addresses` for every name (stands in for DNS, incl. rebinding).
function fakeResolver(answers: string[][]) {
  let call = 0;
  return ((
    _host: string,
    _options: unknown,
    callback: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void,
  ) => {
    const next = answers[Math.min(call++, answers.length - 1)] ?? [];
    callback(
      null,
      next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as never;
}

describe('Node default outbound fetch checks the address it connects to (issue 19 item 5)', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/echo') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () =>
          res.writeHead(201, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] }).end(
            JSON.stringify({
              method: req.method,
              auth: req.headers['authorization'],
              type: req.headers['content-type'],
              body: Buffer.concat(chunks).toString(),
            }),
          ),
        );
      } else if (req.url === '/stall') {
        res.writeHead(200);
        res.write('{');
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      } else {
        res.writeHead(200).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a public-looking name that resolves to loopback is refused before connecting', async () => {
    const f = createNodeOutboundFetch({}, fakeResolver([['127.0.0.1']]));
    const error = await f(`http://cimd.example.com:${port}/doc.json`).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
  });

  it('a name with one public and one private answer is refused (no lucky pick)', async () => {
    const f = createNodeOutboundFetch({}, fakeResolver([['93.184.216.34', '10.0.0.7']]));
    const error = await f(`http://cimd.example.com:${port}/doc.json`).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
  });

  it('DNS rebinding: each connection checks its own answer (public first, then private)', async () => {
    const f = createNodeOutboundFetch(
      { allowInsecureLoopback: true },
      fakeResolver([['127.0.0.1'], ['169.254.169.254']]),
    );
    expect((await f(`http://cimd.example.com:${port}/doc.json`)).status).toBe(200);
    const error = await f(`http://cimd.example.com:${port}/doc.json`).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
  });

  it('loopback is reached only with allowInsecureLoopback; the body streams through', async () => {
    const f = createNodeOutboundFetch(
      { allowInsecureLoopback: true },
      fakeResolver([['127.0.0.1']]),
    );
    const response = await f(`http://cimd.example.com:${port}/doc.json`, {
      headers: { accept: 'application/json' },
    });
    expect(await response.json()).toEqual({ ok: true });
  });

  it('real DNS: localhost resolves to loopback and is refused by default', async () => {
    const error = await createNodeOutboundFetch({})(`http://localhost:${port}/`).catch(
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
  });

  it('POST with headers and a form body, status and headers come back (what the token request needs)', async () => {
    const f = createNodeOutboundFetch({ allowInsecureLoopback: true });
    const response = await f(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=c',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(await response.json()).toEqual({
      method: 'POST',
      auth: 'Basic abc',
      type: 'application/x-www-form-urlencoded',
      body: 'grant_type=authorization_code&code=c',
    });
  });

  it('a redirect is returned, never followed', async () => {
    const f = createNodeOutboundFetch({ allowInsecureLoopback: true });
    const response = await f(`http://127.0.0.1:${port}/redirect`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://169.254.169.254/');
  });

  it('the signal aborts a stalled body', async () => {
    const f = createNodeOutboundFetch({ allowInsecureLoopback: true });
    const response = await f(`http://127.0.0.1:${port}/stall`, {
      signal: AbortSignal.timeout(100),
    });
    await expect(response.text()).rejects.toThrow();
  });
});
