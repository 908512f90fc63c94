/**
 * The server of `http.preauth.*` (bench/http-preauth.bench.ts, issue 12 item 1): an Express app
 * with `@mcp-auth/express` `mcpAuth({ server, policy }).mount()` on `/mcp` (the same wiring as
 * bench/http/mcp-auth.ts, with a handler that is never reached by the unauthenticated requests
 * the bench sends), plus `/__bench/cpu` and `/__bench/gc` (bench/http/common.ts). Run it with
 * `--expose-gc`.
 *
 * `@mcp-auth/core` and `@mcp-auth/express` are loaded from the checkout at
 * `MCP_AUTH_BENCH_PACKAGES_ROOT` (default: this one), so the same server runs on an older commit's
 * packages for "before" figures: `dist/` by the packages' ordinary export conditions, or the
 * sources with `--conditions=@mcp-auth/source`. Express comes from this checkout in both cases.
 * With the argument `floor`: no mcp-auth, a bare 401 for every `/mcp` request (the floor).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express from 'express';
import { benchSecret, ISSUER, RESOURCE, serve } from './common.js';

type Core = typeof import('@mcp-auth/core');
type ExpressAdapter = typeof import('@mcp-auth/express');

if (process.argv.includes('floor')) {
  // The floor: no mcp-auth at all, every /mcp request answered 401 at once without touching
  // the body (Node discards the unread rest itself). What Node + Express alone cost.
  const app = express();
  // MCP_AUTH_BENCH_FLOOR_CLOSE=1: `Connection: close` on the 401, so Node closes the connection
  // instead of reading and discarding the rest of the body (what that would save).
  const close = process.env['MCP_AUTH_BENCH_FLOOR_CLOSE'] === '1';
  app.all('/mcp', (_req, res) => {
    res.status(401).set('www-authenticate', 'Bearer');
    if (close) res.set('connection', 'close');
    res.end();
  });
  await serve(app, { core: 'none' });
} else await serveMcpAuth();

async function serveMcpAuth(): Promise<void> {
  const root =
    process.env['MCP_AUTH_BENCH_PACKAGES_ROOT'] ??
    fileURLToPath(new URL('../../', import.meta.url));
  const resolveFrom = createRequire(join(root, 'package.json'));
  const coreUrl = pathToFileURL(resolveFrom.resolve('@mcp-auth/core')).href;
  const core = (await import(coreUrl)) as Core;
  const { mcpAuth } = (await import(
    pathToFileURL(resolveFrom.resolve('@mcp-auth/express')).href
  )) as ExpressAdapter;

  const policy = core.createDefaultPolicies();
  const server = core.createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: benchSecret(),
    store: new core.MemoryStore(),
    policy,
    identityProvider: new core.DevIdentityProvider({
      users: [
        {
          username: 'alice',
          password: 'demo',
          attributes: { role: 'viewer' },
          scopes: ['mcp:tools:read'],
        },
      ],
    }),
  });
  await server.ready();

  const app = express();
  mcpAuth({ server, policy }).mount(app, (_req, res) => {
    res.status(200).json({ jsonrpc: '2.0', id: null, result: {} });
  });
  await serve(app, { core: coreUrl });
}
