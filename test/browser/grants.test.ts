/// <reference lib="dom" />
// The signed-in user's grants page (issue 16 item 4) in a real browser: Debian's Chromium,
// headless, driven by playwright-core. The official MCP SDK client starts the authorization
// (discovery, registration, PKCE); the user signs in and approves in the browser (the consent
// page's footer links to /grants), opens /grants with the session the sign-in left, sees the
// grant, revokes it — and the client's access token is refused at once, its refresh token too.
// No token is ever on the page. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoOAuthClientProvider } from '../../examples/demo/src/oauth-client.js';
import { startTestDemo, type TestDemo } from '../../examples/demo/test/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let t: TestDemo;
let context: BrowserContext;
let profile: string;
let callbackServer: Server;
let callbackUrl: string;
let redirected: ((url: URL) => void) | undefined;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** `initialize` at the demo's MCP endpoint with a bearer token: the HTTP status. */
async function mcpStatus(token: string): Promise<number> {
  const response = await fetch(t.demo.mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'grants-browser', version: '1.0.0' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestDemo();
  callbackServer = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back in the client</title><p>Back in the client.</p>');
    redirected?.(new URL(req.url ?? '/', callbackUrl));
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
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
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await new Promise<void>((resolve) =>
    callbackServer ? callbackServer.close(() => resolve()) : resolve(),
  );
  await t?.demo.close();
});

describe('the /grants page in Chromium (playwright-core)', { timeout: 60_000 }, () => {
  it('bob signs in and approves, sees the grant at /grants, revokes it: the token dies at once; no token on the page', async () => {
    let url: URL | undefined;
    const provider = new DemoOAuthClientProvider({
      redirectUrl: callbackUrl,
      clientName: 'Grants Browser Client',
      onRedirect: (u) => {
        url = u;
      },
    });
    expect(await auth(provider, { serverUrl: t.demo.mcpUrl })).toBe('REDIRECT');
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      // Before any sign-in: /grants says how to sign in.
      await page.goto(`${t.demo.issuer}/grants`);
      await page.getByRole('heading', { name: 'Not signed in' }).waitFor();

      await page.goto(url!.href);
      await page.getByLabel('Username').fill('bob');
      await page.getByLabel('Password').fill('demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
      // The consent page's footer links to the grants page.
      const link = page.getByRole('link', { name: 'Manage what you granted' });
      expect(await link.getAttribute('href')).toBe('/grants');
      const back = new Promise<URL>((resolve) => {
        redirected = resolve;
      });
      await page.getByRole('button', { name: 'Allow' }).click();
      const redirect = await back;
      const code = redirect.searchParams.get('code');
      expect(code).toBeTruthy();
      expect(await auth(provider, { serverUrl: t.demo.mcpUrl, authorizationCode: code! })).toBe(
        'AUTHORIZED',
      );
      const tokens = provider.tokens()!;
      expect(await mcpStatus(tokens.access_token)).toBe(200);

      // The session the sign-in left: HttpOnly (no script can read it), SameSite=Lax.
      const session = (await context.cookies(t.demo.issuer)).find(
        (c) => c.name === 'mcp-auth-session',
      );
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe('Lax');
      expect(await page.evaluate(() => document.cookie)).not.toContain('mcp-auth-session');

      await page.goto(`${t.demo.issuer}/grants`);
      await page.getByRole('heading', { name: 'Your grants' }).waitFor();
      const html = await page.content();
      expect(html).toContain('Grants Browser Client');
      expect(html).toContain('mcp:tools:read');
      expect(html).not.toContain(tokens.access_token);
      expect(html).not.toContain(tokens.refresh_token!);
      expect(html).not.toContain(code!);
      await shot(page, 'grants');

      await Promise.all([
        page.waitForURL(/\/grants\?done=revoked$/),
        page.getByRole('button', { name: 'Revoke', exact: true }).click(),
      ]);
      await page.getByText('Access revoked').waitFor();
      expect(new URL(page.url()).search).toBe('?done=revoked');
      expect(await page.content()).not.toContain('Grants Browser Client');
      await shot(page, 'grants-revoked');

      // The token dies at once; the refresh token too.
      expect(await mcpStatus(tokens.access_token)).toBe(401);
      const refreshed = await fetch(`${t.demo.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
          client_id: provider.clientInformation()!.client_id,
        }).toString(),
      });
      expect(refreshed.status).toBe(400);
      expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');

      // Sign out: the session cookie is gone and the page says so.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Not signed in' }).waitFor();
      const after = (await context.cookies(t.demo.issuer)).find(
        (c) => c.name === 'mcp-auth-session',
      );
      expect(after).toBeUndefined();
    } finally {
      redirected = undefined;
      await page.close();
    }
  });
});
