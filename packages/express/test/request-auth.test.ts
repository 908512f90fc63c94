// `req.auth` as an accessor on the app's request prototype (src/request-auth.ts): it reads and
// assigns like a property, stays per request, and never touches Node's IncomingMessage.prototype.
import { createServer, IncomingMessage, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { McpAuthInfo } from '@mcp-auth/core/mcp';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { setRequestAuth } from '../src/request-auth.js';

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
