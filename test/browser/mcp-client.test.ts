/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// A browser-based MCP client in real headless Chromium (playwright-core, Debian's Chromium):
// a page served from one loopback origin (http://127.0.0.1:<p>) talks to an mcp-auth server on
// another (http://localhost:<q>, the Express mount, MCP SDK v2's createMcpHandler) with plain
// `fetch` (fixtures/mcp-browser-client.js): discovery from a 401 it can read, registration,
// login and consent in the page, the token, initialize, tools/list, tools/call on both wires,
// and a 403 step-up whose WWW-Authenticate the script reads. A page on a foreign origin
// (http://127.0.0.2:<p>) is refused before anything runs. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  obtainToken,
  type ProtectedServer,
  startProtectedServer,
} from '../conformance/protected-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CLIENT_JS = readFileSync(new URL('./fixtures/mcp-browser-client.js', import.meta.url));
const READ = 'mcp:tools:read';
const ADMIN = 'mcp:tools:admin';

interface RpcResult {
  status: number;
  wwwAuthenticate: string | null;
  sessionId: string | null;
  body: {
    result?: {
      protocolVersion?: string;
      tools?: { name: string }[];
      content?: { type: string; text?: string }[];
      isError?: boolean;
    };
    error?: { code: number; message: string };
  };
}

/** What fixtures/mcp-browser-client.js puts on `window.mcp`. */
interface BrowserMcp {
  discover(mcpUrl: string): Promise<{
    status: number;
    challenge: string | null;
    scope: string | undefined;
    prm: { resource: string; authorization_servers: string[] };
    as: { issuer: string; registration_endpoint: string };
  }>;
  register(redirectUri: string): Promise<{ status: number; clientId: string }>;
  authorizationUrl(scope?: string): Promise<string>;
  finishAuthorization(): Promise<{ status: number; scope: string; tokenType: string }>;
  rpc(
    method: string,
    params?: Record<string, unknown>,
    options?: { version?: string; url?: string; token?: string },
  ): Promise<RpcResult>;
  log(line: string): void;
}

declare global {
  interface Window {
    mcp: BrowserMcp;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Browser MCP client</title>
<link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;margin:24px;max-width:960px}
code,li{font-family:ui-monospace,monospace;font-size:13px}li{margin:4px 0;overflow-wrap:anywhere}</style>
</head>
<body>
<h1>Browser MCP client</h1>
<p>This page: <code id="origin"></code></p>
<ol id="log"></ol>
<script src="/client.js"></script>
<script>document.getElementById('origin').textContent = location.origin;</script>
</body>
</html>`;

/** A static server for the client's page and script, on `host`, port 0. */
async function startStatic(host: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(CLIENT_JS);
    } else if (path === '/' || path === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, origin: `http://${host}:${(server.address() as AddressInfo).port}` };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

function text(result: RpcResult): string {
  return (result.body.result?.content ?? []).map((c) => c.text ?? '').join('');
}

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
  profile = mkdtempSync(join(tmpdir(), 'mcp-auth-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1024, height: 800 },
  });
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
      await page.goto(`${app.origin}/`);

      // Discovery: the 401's WWW-Authenticate is readable from the page (exposed by CORS).
      const found = await page.evaluate((url) => window.mcp.discover(url), mcp.mcpUrl);
      expect(found.status).toBe(401);
      expect(found.challenge).toMatch(/^Bearer /);
      expect(found.challenge).toContain(
        `resource_metadata="${mcp.origin}/.well-known/oauth-protected-resource/mcp"`,
      );
      expect(found.prm.resource).toBe(mcp.mcpUrl);
      expect(found.as.issuer).toBe(mcp.origin);
      const preflight = mcp.seen.find((r) => r.method === 'OPTIONS' && r.path === '/mcp');
      expect(preflight).toMatchObject({ status: 204, origin: app.origin, authorized: false });

      const registered = await page.evaluate(
        (redirectUri) => window.mcp.register(redirectUri),
        `${app.origin}/callback`,
      );
      expect(registered.status).toBe(201);
      const authorizationUrl = await page.evaluate(
        (scope) => window.mcp.authorizationUrl(scope),
        READ,
      );

      // /authorize is for navigation only: a script on another origin cannot read it.
      const scripted = await page.evaluate(
        (url) =>
          fetch(url).then(
            () => 'readable',
            (error: Error) => error.name,
          ),
        authorizationUrl,
      );
      expect(scripted).toBe('TypeError');

      // The user signs in and consents in the same tab, and comes back to the client.
      await page.goto(authorizationUrl);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${app.origin}/callback?**`);
      const token = await page.evaluate(() => window.mcp.finishAuthorization());
      expect(token).toEqual({ status: 200, scope: READ, tokenType: 'Bearer' });

      // 2025-11-25: initialize, initialized, tools/list, an allowed tools/call.
      const init = await page.evaluate(() =>
        window.mcp.rpc('initialize', {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'browser-test-client', version: '1.0.0' },
        }),
      );
      expect(init.status).toBe(200);
      expect(init.body.result?.protocolVersion).toBe('2025-11-25');
      const initialized = await page.evaluate(() => window.mcp.rpc('notifications/initialized'));
      expect(initialized.status).toBe(202);
      const list = await page.evaluate(() => window.mcp.rpc('tools/list', {}));
      expect(list.status).toBe(200);
      expect(list.body.result?.tools?.map((t) => t.name)).toContain('get_weather');
      const call = await page.evaluate(() =>
        window.mcp.rpc('tools/call', { name: 'get_weather', arguments: { city: 'Paris' } }),
      );
      expect(call.status).toBe(200);
      expect(text(call)).toBe('Sunny in Paris');

      // 2026-07-28: per-request _meta, Mcp-Method / Mcp-Name headers (allowed by the preflight).
      const modern = await page.evaluate(() =>
        window.mcp.rpc(
          'tools/call',
          { name: 'get_weather', arguments: { city: 'Lyon' } },
          { version: '2026-07-28' },
        ),
      );
      expect(modern.status).toBe(200);
      expect(text(modern)).toBe('Sunny in Lyon');
      expect(mcp.effects.weather).toEqual(['Paris', 'Lyon']);

      // Step-up: the 403's challenge (error, scope, resource_metadata) is readable by the page.
      const stepUp = await page.evaluate(() =>
        window.mcp.rpc('tools/call', { name: 'delete_user', arguments: { username: 'bob' } }),
      );
      expect(stepUp.status).toBe(403);
      expect(stepUp.wwwAuthenticate).toContain('error="insufficient_scope"');
      expect(stepUp.wwwAuthenticate).toMatch(new RegExp(`scope="[^"]*${ADMIN}[^"]*"`));
      expect(stepUp.wwwAuthenticate).toContain('resource_metadata="');
      expect(mcp.effects.deleted).toEqual([]);
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
