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
    server = createServer((_req, res) => res.writeHead(200).end('{"ok":true}'));
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
});
