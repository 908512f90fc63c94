/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// A browser-based MCP client in real headless Chromium (playwright-core, Debian's Chromium):
// a page served from one loopback origin (http://127.0.0.1:<p>) talks to an mcp-auth server on
// another (http://localhost:<q>, the Express mount, MCP SDK v2's createMcpHandler) with plain
// `fetch` (fixtures/mcp-browser-client.js): discovery from a 401 it can read, registration,
// login and consent in the page, the token, initialize, tools/list, tools/call on both wires,
// and a 403 step-up whose WWW-Authenticate the script reads. A page on a foreign origin
// (http://127.0.0.2:<p>) is refused before anything runs. Screenshots go to test-artifacts/.
import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  obtainToken,
  type ProtectedServer,
  startProtectedServer,
} from '../conformance/protected-server.js';
import {
  ARTIFACTS,
  closeServer,
  connectFromPage,
  launchChromium,
  shot,
  startStatic,
  text,
} from './mcp-client-harness.js';

let mcp: ProtectedServer;
let app: { server: Server; origin: string };
let foreign: { server: Server; origin: string };
let context: BrowserContext;
let profile: string;
/** Every response from the MCP server's origin the browser got, with its headers. */
const responses: { url: URL; status: number; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mcp = await startProtectedServer({ mount: 'express' });
  app = await startStatic('127.0.0.1');
  foreign = await startStatic('127.0.0.2'); // loopback, but not a loopback name: not allowed
  ({ context, profile } = await launchChromium());
  context.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.origin !== mcp.origin) return;
    responses.push({ url, status: response.status(), headers: await response.allHeaders() });
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await closeServer(app?.server);
  await closeServer(foreign?.server);
  await mcp?.close();
});

describe('a browser MCP client on another origin (Chromium, plain fetch)', () => {
  it('discovers from a readable 401, registers, signs in and consents in the page, gets a token, initializes, lists and calls tools on both wires, and reads a 403 step-up challenge', async () => {
    const page = await context.newPage();
    try {
      // carol (admin) asks for read only: delete_user then needs a scope she can be granted, so
      // the guard answers with a 403 step-up (alice could never hold it: scope_not_grantable).
      const [call, modern] = await connectFromPage(page, app.origin, mcp, 'carol');
      expect([text(call), text(modern)]).toEqual(['Sunny in Paris', 'Sunny in Lyon']);
      // The 2025 answer was a Server-Sent Events stream, read cross-origin like JSON.
      expect(call.contentType).toMatch(/^text\/event-stream/);
      expect(mcp.effects.weather).toEqual(['Paris', 'Lyon']);
      expect(mcp.effects.deleted).toEqual([]);
      // The preflight was answered before authentication.
      const preflight = mcp.seen.find((r) => r.method === 'OPTIONS' && r.path === '/mcp');
      expect(preflight).toMatchObject({ status: 204, origin: app.origin, authorized: false });
      // An error answered by the MCP server itself (405 to GET: no standalone stream in the
      // stateless server) is readable too: the guard's CORS headers are on the Node response.
      const get = await page.evaluate(
        (url) =>
          fetch(url, {
            headers: {
              accept: 'text/event-stream',
              authorization: `Bearer ${JSON.parse(sessionStorage.getItem('mcp-browser-client') ?? '{}').accessToken}`,
            },
          }).then(
            (r) => r.status,
            (error: Error) => error.name,
          ),
        mcp.mcpUrl,
      );
      expect(get).toBe(405);
      await shot(page, 'browser-mcp-client');
    } finally {
      await page.close();
    }
  });

  it('the authorization pages carry no CORS headers, and nothing on the server origin answered 404 (no favicon request)', () => {
    const pages = responses.filter((r) => r.url.pathname.startsWith('/authorize'));
    expect(pages.map((r) => r.url.pathname)).toEqual(
      expect.arrayContaining(['/authorize', '/authorize/login', '/authorize/consent']),
    );
    for (const r of pages) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    // The MCP endpoint's answers do carry them (what made the first test possible).
    const mcpAnswers = responses.filter((r) => r.url.pathname === '/mcp' && r.status !== 204);
    expect(mcpAnswers.length).toBeGreaterThan(0);
    for (const r of mcpAnswers) {
      expect(r.headers['access-control-allow-origin']).toBe(app.origin);
      expect(r.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/i);
    }
    expect(mcp.seen.filter((r) => r.path === '/favicon.ico')).toEqual([]);
    expect(mcp.seen.filter((r) => r.status === 404)).toEqual([]);
  });
});

describe('a page on a foreign origin (http://127.0.0.2)', () => {
  it('cannot call a tool even with a valid token: the preflight is refused with 403 and the tool never runs', async () => {
    const token = await obtainToken(mcp, 'alice');
    const page = await context.newPage();
    try {
      await page.goto(`${foreign.origin}/`);
      const before = mcp.seen.length;
      const outcome = await page.evaluate(
        ({ url, token }) =>
          window.mcp
            .rpc('tools/call', { name: 'get_weather', arguments: { city: 'Evil' } }, { url, token })
            .then(
              (r) => `read ${r.status}`,
              (error: Error) => {
                window.mcp.log(`refused by the browser: ${error.name}: ${error.message}`);
                return error.name;
              },
            ),
        { url: mcp.mcpUrl, token },
      );
      expect(outcome).toBe('TypeError');
      const seen = mcp.seen.slice(before);
      expect(seen).toEqual([
        expect.objectContaining({
          method: 'OPTIONS',
          path: '/mcp',
          status: 403,
          origin: foreign.origin,
        }),
      ]);
      expect(mcp.effects.weather).not.toContain('Evil');
      await shot(page, 'browser-mcp-client-foreign');
    } finally {
      await page.close();
    }
  });

  it('a simple (no-preflight) POST from the foreign page is refused with 403 before authentication, not 401', async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${foreign.origin}/`);
      const before = mcp.seen.length;
      const type = await page.evaluate(
        (url) =>
          fetch(url, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 1,
              method: 'tools/call',
              params: { name: 'get_weather', arguments: { city: 'Rebound' } },
            }),
          }).then((r) => r.type),
        mcp.mcpUrl,
      );
      expect(type).toBe('opaque'); // the page learns nothing
      expect(mcp.seen.slice(before)).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/mcp',
          status: 403,
          origin: foreign.origin,
        }),
      ]);
      expect(mcp.effects.weather).not.toContain('Rebound');
    } finally {
      await page.close();
    }
  });
});
