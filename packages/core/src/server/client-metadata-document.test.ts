/**
 * Issue 19 items 3 and 4: client ID metadata document fetches cannot be amplified (single
 * flight, failures remembered briefly, per-host and concurrency limits, bounded maps), and
 * `Cache-Control` is honoured within documented bounds.
 */
import { describe, expect, it } from 'vitest';
import { authorizeParams, get, makeServer } from '../../test/server/helpers.js';
import { MemoryStore } from '../store/memory-store.js';
import {
  type ClientIdMetadataDocumentOptions,
  ClientMetadataDocumentResolver,
} from './client-metadata-document.js';

const doc = (clientId: string) =>
  JSON.stringify({ client_id: clientId, redirect_uris: ['https://app.example.com/cb'] });

function setup(
  respond: (url: string) => Response | Promise<Response>,
  options: ClientIdMetadataDocumentOptions = {},
) {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const calls: string[] = [];
  const store = new MemoryStore({ now: () => clock });
  const resolver = new ClientMetadataDocumentResolver(
    store,
    {
      ...options,
      fetch: (async (input: RequestInfo | URL) => {
        calls.push(String(input));
        return respond(String(input));
      }) as typeof fetch,
    },
    () => [],
    () => clock,
  );
  return {
    resolver,
    calls,
    advance(ms: number) {
      clock += ms;
    },
  };
}

const problemOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) =>
      (e as { problem?: string; code?: string }).problem ??
      (e as { code?: string }).code ??
      String(e),
  );

describe('CIMD fetch amplification and tarpits (issue 19 item 3)', () => {
  it('concurrent requests for one URL share one fetch (single flight)', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const id = 'https://cimd.example.com/app.json';
    const s = setup(async () => {
      await gate;
      return new Response(doc(id));
    });
    const all = Array.from({ length: 100 }, () => s.resolver.resolve(id));
    release();
    const records = await Promise.all(all);
    expect(records.every((r) => r.clientId === id)).toBe(true);
    expect(s.calls).toHaveLength(1);
  });

  it('a failing document is remembered briefly: 100 requests → 1 fetch, refetched after 30 s', async () => {
    const id = 'https://cimd.example.com/broken.json';
    const s = setup(() => new Response('nope', { status: 500 }));
    for (let i = 0; i < 100; i++)
      expect(await problemOf(s.resolver.resolve(id))).toBe('fetch_failed');
    expect(s.calls).toHaveLength(1);
    s.advance(30_001);
    await problemOf(s.resolver.resolve(id));
    expect(s.calls).toHaveLength(2);
  });

  it('per-host limit: distinct URLs on one host → at most 30 fetches a minute, then 503 temporarily_unavailable', async () => {
    const s = setup((url) => new Response(doc(url)));
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(await problemOf(s.resolver.resolve(`https://cimd.example.com/c/${i}.json`)));
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(30);
    expect(outcomes.slice(30).every((o) => o === 'temporarily_unavailable')).toBe(true);
    expect(s.calls).toHaveLength(30);
    // Another host is not affected; the next minute the host may fetch again.
    expect(await problemOf(s.resolver.resolve('https://other.example.com/a.json'))).toBe('ok');
    s.advance(60_000);
    expect(await problemOf(s.resolver.resolve('https://cimd.example.com/c/99.json'))).toBe('ok');
  });

  it('a tarpit host cannot hold more than 32 fetches at once; the rest are refused at once', async () => {
    const s = setup(() => new Promise<Response>(() => {})); // never answers
    const hanging = Array.from({ length: 32 }, (_, i) =>
      s.resolver.resolve(`https://tarpit-${i}.example.com/app.json`),
    );
    expect(await problemOf(s.resolver.resolve('https://fresh.example.com/app.json'))).toBe(
      'temporarily_unavailable',
    );
    expect(s.calls).toHaveLength(32);
    void hanging;
  });

  it('the per-host bookkeeping is bounded: past 1000 hosts in one minute new hosts are refused', async () => {
    const s = setup(() => new Response('x', { status: 404 }));
    for (let i = 0; i < 1000; i++)
      await problemOf(s.resolver.resolve(`https://h${i}.example.com/a.json`));
    expect(await problemOf(s.resolver.resolve('https://h-new.example.com/a.json'))).toBe(
      'temporarily_unavailable',
    );
    s.advance(60_000);
    expect(await problemOf(s.resolver.resolve('https://h-new.example.com/a.json'))).toBe(
      'fetch_failed',
    );
  });
});

describe('CIMD limits through /authorize', () => {
  it('past the per-host limit /authorize answers a 503 page with Retry-After, not "invalid client"', async () => {
    const { server } = makeServer({
      clientIdMetadataDocuments: {
        fetchesPerHostPerMinute: 1,
        fetch: (async (input: RequestInfo | URL) =>
          new Response(
            JSON.stringify({
              client_id: String(input),
              redirect_uris: ['https://app.example.com/cb'],
            }),
          )) as typeof fetch,
      },
    });
    const open = async (path: string) =>
      server.handle(
        get(
          (
            await authorizeParams({
              client_id: `https://cimd.example.com/${path}`,
              redirect_uri: 'https://app.example.com/cb',
            })
          ).url,
        ),
      );
    expect((await open('one.json')).status).toBe(200);
    const limited = await open('two.json');
    expect(limited.status).toBe(503);
    expect(limited.headers['retry-after']).toBe('60');
  });
});

describe('CIMD Cache-Control (issue 19 item 4)', () => {
  const id = 'https://cimd.example.com/app.json';
  const withHeader = (value: string | undefined) =>
    setup(
      () =>
        new Response(doc(id), { headers: value === undefined ? {} : { 'cache-control': value } }),
    );

  it('no-store: not cached, every use fetches the current document', async () => {
    const s = withHeader('no-store');
    await s.resolver.resolve(id);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(2);
  });

  it('no-cache and max-age=0: not cached either', async () => {
    for (const value of ['no-cache', 'max-age=0']) {
      const s = withHeader(value);
      await s.resolver.resolve(id);
      await s.resolver.resolve(id);
      expect(s.calls).toHaveLength(2);
    }
  });

  it('max-age=10: cached 10 s, then fetched again', async () => {
    const s = withHeader('public, max-age=10');
    await s.resolver.resolve(id);
    s.advance(9_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(1);
    s.advance(2_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(2);
  });

  it('a huge max-age is capped at maxCacheTtlSeconds (default one day)', async () => {
    const s = withHeader('max-age=999999999');
    await s.resolver.resolve(id);
    s.advance(86_399_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(1);
    s.advance(2_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(2);
  });

  it('no Cache-Control: the default 300 s', async () => {
    const s = withHeader(undefined);
    await s.resolver.resolve(id);
    s.advance(299_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(1);
    s.advance(2_000);
    await s.resolver.resolve(id);
    expect(s.calls).toHaveLength(2);
  });
});
