/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Shared by the browser MCP client tests: the client's page and static server, Chromium, and
// the whole client journey (`connectFromPage`) with the assertions every server must pass.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CLIENT_JS = readFileSync(new URL('./fixtures/mcp-browser-client.js', import.meta.url));
export const READ = 'mcp:tools:read';
export const ADMIN = 'mcp:tools:admin';

export interface RpcResult {
  status: number;
  wwwAuthenticate: string | null;
  sessionId: string | null;
  contentType: string | null;
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
export interface BrowserMcp {
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
export async function startStatic(host: string): Promise<{ server: Server; origin: string }> {
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

export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export function text(result: RpcResult): string {
  return (result.body.result?.content ?? []).map((c) => c.text ?? '').join('');
}

/** Debian's Chromium, headless, in a fresh profile (as test/browser/consent.test.ts). */
export async function launchChromium(): Promise<{ context: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'mcp-auth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
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
  return { context, profile };
}

/** The MCP endpoint a page connects to. */
export interface Target {
  readonly mcpUrl: string;
  /** The issuer, which is also the MCP server's origin here. */
  readonly origin: string;
}

/**
 * The whole client journey from a page on `appOrigin`, with the assertions every server must
 * pass: discovery from a readable 401, registration, login + consent as `username` asking for
 * `mcp:tools:read` only, the token, 2025-11-25 initialize / initialized / tools/list /
 * tools/call, a 2026-07-28 tools/call, and a 403 step-up with a readable challenge for
 * `delete_user` (the user's role must allow it once the scope is there: scopes must help).
 * Returns the two allowed calls' answers (cities Paris and Lyon).
 */
export async function connectFromPage(
  page: Page,
  appOrigin: string,
  target: Target,
  username: string,
): Promise<[RpcResult, RpcResult]> {
  await page.goto(`${appOrigin}/`);

  // Discovery: the 401's WWW-Authenticate is readable from the page (exposed by CORS).
  const found = await page.evaluate((url) => window.mcp.discover(url), target.mcpUrl);
  expect(found.status).toBe(401);
  expect(found.challenge).toMatch(/^Bearer /);
  expect(found.challenge).toContain(
    `resource_metadata="${target.origin}/.well-known/oauth-protected-resource/mcp"`,
  );
  expect(found.prm.resource).toBe(target.mcpUrl);
  expect(found.as.issuer).toBe(target.origin);

  const registered = await page.evaluate(
    (redirectUri) => window.mcp.register(redirectUri),
    `${appOrigin}/callback`,
  );
  expect(registered.status).toBe(201);
  const authorizationUrl = await page.evaluate((scope) => window.mcp.authorizationUrl(scope), READ);

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
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${appOrigin}/callback?**`);
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
  expect(call.body.result?.isError).not.toBe(true);

  // 2026-07-28: per-request _meta, Mcp-Method / Mcp-Name headers (allowed by the preflight).
  const modern = await page.evaluate(() =>
    window.mcp.rpc(
      'tools/call',
      { name: 'get_weather', arguments: { city: 'Lyon' } },
      { version: '2026-07-28' },
    ),
  );
  expect(modern.status).toBe(200);
  expect(modern.body.result?.isError).not.toBe(true);

  // Step-up: the 403's challenge (error, scope, resource_metadata) is readable by the page.
  const stepUp = await page.evaluate(() =>
    window.mcp.rpc('tools/call', { name: 'delete_user', arguments: { username: 'bob' } }),
  );
  expect(stepUp.status).toBe(403);
  expect(stepUp.wwwAuthenticate).toContain('error="insufficient_scope"');
  expect(stepUp.wwwAuthenticate).toMatch(new RegExp(`scope="[^"]*${ADMIN}[^"]*"`));
  expect(stepUp.wwwAuthenticate).toContain('resource_metadata="');
  return [call, modern];
}
