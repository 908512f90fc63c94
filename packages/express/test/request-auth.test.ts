// `req.auth` and `req.body` as accessors on the app's request prototype (src/request-auth.ts):
// they read and assign like properties, stay per request, and never touch Node's
// IncomingMessage.prototype.
import { createServer, IncomingMessage, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { McpAuthInfo } from '@mcp-auth/core/mcp';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { setRequestAuth, setRequestBody } from '../src/request-auth.js';

const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express;

function info(token: string): McpAuthInfo {
  return { token, clientId: 'c', scopes: [], extra: {} };
}

/** Serves `handler` on a loopback port, sends one GET per path and returns the bodies. */
async function serve(
  handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
  paths: string[],
): Promise<string[]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const bodies: string[] = [];
    for (const path of paths) {
      bodies.push(
        await new Promise<string>((resolve, reject) => {
          httpRequest({ host: '127.0.0.1', port, path }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
          })
            .on('error', reject)
            .end();
        }),
      );
    }
    return bodies;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

for (const [name, lib] of [
  ['Express 5', express],
  ['Express 4', express4],
] as const) {
  describe(`${name}: req.auth without a property on the request`, () => {
    it('reads back per request, takes later assignments, and adds no own property', async () => {
      const app = lib();
      app.get('/:token', (req, _res, next) => {
        setRequestAuth(req, info(req.params['token']!));
        next();
      });
      app.get('/:token', (req, res) => {
        const auth = (req as { auth?: McpAuthInfo }).auth;
        const before = auth?.token;
        const own = Object.hasOwn(req, 'auth');
        (req as { auth?: unknown }).auth = info(`${before}-again`);
        res.json({ before, own, after: (req as { auth?: McpAuthInfo }).auth?.token });
      });
      const bodies = await serve(app, ['/one', '/two']);
      expect(bodies.map((b) => JSON.parse(b))).toEqual([
        { before: 'one', own: false, after: 'one-again' },
        { before: 'two', own: false, after: 'two-again' },
      ]);
      // Only the app's own request prototype holds the accessor.
      expect(Object.hasOwn(app.request, 'auth')).toBe(true);
      expect(Object.hasOwn(IncomingMessage.prototype, 'auth')).toBe(false);
      expect(Object.hasOwn(lib.request, 'auth')).toBe(false);
    });

    it('in a sub-app, req.auth is a plain property and stays once the request is back in the parent', async () => {
      const parent = lib();
      const sub = lib();
      sub.use((req, _res, next) => {
        setRequestAuth(req, info('sub'));
        next('router');
      });
      parent.use('/api', sub);
      parent.use((req, res) => {
        res.json({
          token: (req as { auth?: McpAuthInfo }).auth?.token,
          own: Object.hasOwn(req, 'auth'),
        });
      });
      expect(JSON.parse((await serve(parent, ['/api/x']))[0]!)).toEqual({
        token: 'sub',
        own: true,
      });
      expect(Object.hasOwn(sub.request, 'auth')).toBe(false);
    });

    it('req.body: per request, no own property, and a body parser mounted after assigns through it', async () => {
      const app = lib();
      app.post('/:n', (req, _res, next) => {
        setRequestBody(req, { n: req.params['n'] });
        next();
      });
      app.post('/:n', (req, res) => {
        res.json({ body: req.body as unknown, own: Object.hasOwn(req, 'body') });
      });
      app.post('/parsed/:n', lib.json(), (req, res) => {
        res.json({ body: req.body as unknown, own: Object.hasOwn(req, 'body') });
      });
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const post = (path: string, body: string) =>
        new Promise<unknown>((resolve, reject) => {
          httpRequest(
            {
              host: '127.0.0.1',
              port,
              path,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => resolve(JSON.parse(text)));
            },
          )
            .on('error', reject)
            .end(body);
        });
      try {
        expect(await post('/one', '')).toEqual({ body: { n: 'one' }, own: false });
        expect(await post('/two', '')).toEqual({ body: { n: 'two' }, own: false });
        // The guard did not run on this route: express.json() sets req.body through the accessor.
        expect(await post('/parsed/x', '{"parsed":true}')).toEqual({
          body: { parsed: true },
          own: false,
        });
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      expect(Object.hasOwn(app.request, 'body')).toBe(true);
      expect(Object.hasOwn(IncomingMessage.prototype, 'body')).toBe(false);
      expect(Object.hasOwn(lib.request, 'body')).toBe(false);
    });

    it('a request that already has its own auth keeps being assigned directly', async () => {
      const app = lib();
      app.get('/', (req, res) => {
        Object.defineProperty(req, 'auth', { value: info('earlier'), writable: true });
        setRequestAuth(req, info('ours'));
        res.json({ token: (req as { auth?: McpAuthInfo }).auth?.token });
      });
      expect(JSON.parse((await serve(app, ['/']))[0]!)).toEqual({ token: 'ours' });
    });
  });
}

describe('outside an Express app', () => {
  it('a plain Node request gets an own property; IncomingMessage.prototype is left alone', async () => {
    const [body] = await serve(
      (req, res) => {
        setRequestAuth(req, info('plain'));
        res.end(
          JSON.stringify({
            token: (req as { auth?: McpAuthInfo }).auth?.token,
            own: Object.hasOwn(req, 'auth'),
          }),
        );
      },
      ['/'],
    );
    expect(JSON.parse(body!)).toEqual({ token: 'plain', own: true });
    expect(Object.hasOwn(IncomingMessage.prototype, 'auth')).toBe(false);
  });
});
