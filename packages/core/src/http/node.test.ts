import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TemporarilyUnavailableError } from '../errors/oauth-error.js';
import type { HttpRequest, HttpResponse } from './messages.js';
import {
  createNodeAuthorizationHandler,
  type NodeAuthorizationServer,
  readNodeBody,
  toHttpRequest,
} from './node.js';

const BASE = 'https://as.example.com';

/** A stand-in server that echoes what the conversion gave it; real endpoints are core's. */
function echoServer(seen: HttpRequest[]): NodeAuthorizationServer {
  return {
    routes: [
      { method: 'POST', path: '/token' },
      { method: 'GET', path: '/.well-known/oauth-authorization-server' },
    ],
    metadata: () => ({ issuer: BASE }),
    async handle(request) {
      seen.push(request);
      const body = request.body;
      const text = typeof body === 'string' ? body : body && new TextDecoder().decode(body);
      const response: HttpResponse = {
        status: 200,
        headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
        body: JSON.stringify({ url: request.url.href, text: text ?? null }),
      };
      return response;
    },
  };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(nodeServer: NodeAuthorizationServer): Promise<number> {
  const handler = createNodeAuthorizationHandler(nodeServer);
  server = createServer((req, res) => {
    if (!handler.matches(req)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    void handler.handle(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
  chunked = false,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      if (chunked) {
        // No content-length: the cap must hold while streaming.
        for (let i = 0; i < options.body.length; i += 8192)
          req.write(options.body.slice(i, i + 8192));
      } else req.write(options.body);
    }
    req.end();
  });
}

describe('createNodeAuthorizationHandler', () => {
  it('builds the URL on the issuer origin, never on the Host header', async () => {
    const seen: HttpRequest[] = [];
    const port = await listen(echoServer(seen));
    const res = await send(port, {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server?x=1',
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(200);
    expect(seen[0]!.url.href).toBe(`${BASE}/.well-known/oauth-authorization-server?x=1`);
    expect(seen[0]!.headers['host']).toBe('evil.example');
  });

  it('keeps a `//host/path` target as a path on the issuer origin', async () => {
    const seen: HttpRequest[] = [];
    const handler = createNodeAuthorizationHandler(echoServer(seen));
    expect(handler.matches({ url: '//token', headers: {} })).toBe(false);
    const request = await toHttpRequest(
      { method: 'GET', url: '//evil.example/token', headers: {} },
      { baseUrl: BASE },
    );
    expect(request.url.origin).toBe(BASE);
    expect(request.url.pathname).toBe('//evil.example/token');
  });

  it('passes the raw body bytes and writes every set-cookie value separately', async () => {
    const seen: HttpRequest[] = [];
    const port = await listen(echoServer(seen));
    const res = await send(port, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=x&a=1&a=2',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).text).toBe('grant_type=x&a=1&a=2');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(seen[0]!.method).toBe('POST');
  });

  it('answers 413 for a body over 64 KiB, declared or streamed (SECURITY-CASES 20)', async () => {
    const seen: HttpRequest[] = [];
    const port = await listen(echoServer(seen));
    const big = 'a'.repeat(64 * 1024 + 1);
    for (const chunked of [false, true]) {
      const res = await send(
        port,
        { method: 'POST', path: '/token', headers: { 'content-type': 'text/plain' }, body: big },
        chunked,
      );
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).error).toBe('request_too_large');
    }
    expect(seen).toHaveLength(0);
  });

  it('answers a thrown OAuthError with its own status and headers (fail closed, 503)', async () => {
    const failing: NodeAuthorizationServer = {
      ...echoServer([]),
      handle: async () => {
        throw new TemporarilyUnavailableError();
      },
    };
    const port = await listen(failing);
    const res = await send(port, {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server',
    });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body).error).toBe('temporarily_unavailable');
  });

  it('answers an unexpected throw with a bare 500 server_error', async () => {
    const failing: NodeAuthorizationServer = {
      ...echoServer([]),
      handle: async () => {
        throw new Error('secret detail');
      },
    };
    const port = await listen(failing);
    const res = await send(port, {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server',
    });
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('secret detail');
  });

  it('matches a route by its normalized path, whatever the query, and past its memory of targets', () => {
    const handler = createNodeAuthorizationHandler(echoServer([]));
    const matches = (url: string) => handler.matches({ url, headers: {} });
    const check = () => {
      expect(matches('/token')).toBe(true);
      expect(matches('/token?grant_type=x#f')).toBe(true);
      expect(matches('/./token')).toBe(true);
      expect(matches('/x/../token')).toBe(true);
      expect(matches('/%74oken')).toBe(false);
      expect(matches('/mcp')).toBe(false);
      expect(matches('/mcp?/token')).toBe(false);
      expect(matches('/.well-known/oauth-authorization-server')).toBe(true);
    };
    check();
    // More distinct targets than the handler remembers: answers stay right once it forgets.
    for (let i = 0; i < 600; i++) expect(matches(`/other/${i}`)).toBe(false);
    check();
    expect(handler.matches({ url: '/mcp', originalUrl: '/token', headers: {} })).toBe(true);
  });

  it('refuses a server or base URL it cannot use, with a TypeError', () => {
    expect(() => createNodeAuthorizationHandler({} as unknown as NodeAuthorizationServer)).toThrow(
      TypeError,
    );
    const noIssuer = { ...echoServer([]), metadata: undefined };
    expect(() => createNodeAuthorizationHandler(noIssuer)).toThrow(TypeError);
    expect(() => createNodeAuthorizationHandler(noIssuer, { baseUrl: 'ftp://x' })).toThrow(
      TypeError,
    );
    expect(() => createNodeAuthorizationHandler(echoServer([]), { maxBodyBytes: 0 })).toThrow(
      TypeError,
    );
    expect(
      createNodeAuthorizationHandler(noIssuer, { baseUrl: 'http://localhost:3000/x' }).baseUrl,
    ).toBe('http://localhost:3000');
  });
});

describe('readNodeBody after a body parser ran', () => {
  const consumed = { readableEnded: true };

  it('uses bytes or text a parser kept', async () => {
    const bytes = new TextEncoder().encode('a=1');
    expect(await readNodeBody({ ...consumed, headers: {}, body: bytes })).toBe(bytes);
    expect(await readNodeBody({ ...consumed, headers: {}, body: 'a=1' })).toBe('a=1');
  });

  it('re-encodes a parsed form keeping repeated fields repeated (RFC 6749 §3.1)', async () => {
    const body = await readNodeBody({
      ...consumed,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: { grant_type: 'authorization_code', scope: ['a', 'b'] },
    });
    expect(body).toBe('grant_type=authorization_code&scope=a&scope=b');
  });

  it('re-encodes parsed JSON, and prefers `preread` (Koa rawBody)', async () => {
    const headers = { 'content-type': 'application/json' };
    expect(await readNodeBody({ ...consumed, headers, body: { a: 1 } })).toBe('{"a":1}');
    expect(
      await readNodeBody({ ...consumed, headers, body: { a: 1 } }, { preread: '{"raw":true}' }),
    ).toBe('{"raw":true}');
  });

  it('refuses a form parsed into nested objects (400) and caps pre-read bodies (413)', async () => {
    await expect(
      readNodeBody({
        ...consumed,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { a: { b: 'c' } },
      }),
    ).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    await expect(
      readNodeBody({ ...consumed, headers: {}, body: 'x'.repeat(11) }, { maxBytes: 10 }),
    ).rejects.toMatchObject({ code: 'request_too_large', status: 413 });
  });

  it('ignores the `{}` a skipped parser leaves when the stream is still unread', async () => {
    async function* stream() {
      yield new TextEncoder().encode('raw');
    }
    const request = Object.assign(stream(), { headers: {}, body: {} });
    const body = await readNodeBody(request);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('raw');
  });
});
