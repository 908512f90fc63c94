/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The login and consent pages in a real browser: Debian's Chromium, headless, driven by
// playwright-core, from authorization URLs made by the official MCP SDK client's auth flow
// (discovery, dynamic registration, PKCE S256). Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../../examples/demo/test/harness.js';
import { DemoOAuthClientProvider } from '../../examples/demo/src/oauth-client.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';
const ADMIN = 'mcp:tools:admin';

let t: TestDemo;
let context: BrowserContext;
let profile: string;
let callbackServer: Server;
let callbackUrl: string;
const redirects: URL[] = [];
let redirected: (() => void) | undefined;
const requestedUrls: string[] = [];

function nextRedirect(): Promise<URL> {
  const seen = redirects.length;
  return new Promise((resolve) => {
    const check = () => {
      if (redirects.length > seen) {
        redirected = undefined;
        resolve(redirects[redirects.length - 1]!);
      }
    };
    redirected = check;
    check();
  });
}

/** The official SDK's auth(): discovery, registration and a PKCE authorization URL. */
async function startAuthorization(): Promise<{ provider: DemoOAuthClientProvider; url: URL }> {
  let url: URL | undefined;
  const provider = new DemoOAuthClientProvider({
    redirectUrl: callbackUrl,
    clientName: 'Browser Test Client',
    onRedirect: (u) => {
      url = u;
    },
  });
  const result = await auth(provider, { serverUrl: t.demo.mcpUrl });
  expect(result).toBe('REDIRECT');
  if (!url) throw new Error('no authorization URL');
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  return { provider, url };
}

function jwtScopes(token: string): string[] {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return String(payload.scope ?? '')
    .split(' ')
    .filter(Boolean)
    .sort();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function logIn(page: Page, username: string, password = 'demo'): Promise<void> {
  await expect(page.getByRole('heading', { name: /^Sign in to / }).isVisible()).resolves.toBe(true);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Inputs a user can see, each with a label (WCAG 1.3.1 / 4.1.2). */
async function unlabelledInputs(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=hidden]), button, select, textarea')]
      .filter((el) => {
        const input = el as HTMLInputElement;
        if (el.tagName === 'BUTTON') return !(el.textContent ?? '').trim();
        return !(input.labels && input.labels.length > 0) && !input.getAttribute('aria-label');
      })
      .map((el) => el.outerHTML),
  );
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestDemo();
  callbackServer = createServer((req, res) => {
    redirects.push(new URL(req.url ?? '/', callbackUrl));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back in the client</title><p>Back in the client.</p>');
    redirected?.();
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
  context.on('request', (request) => {
    requestedUrls.push(request.url());
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

describe('consent pages in Chromium (playwright-core)', () => {
  const cases = [
    { user: 'alice', untick: [READ], expected: [] as string[] },
    { user: 'bob', untick: [WRITE], expected: [READ] },
    { user: 'carol', untick: [ADMIN], expected: [READ, WRITE] },
  ];

  for (const { user, untick, expected } of cases) {
    it(`${user}: signs in, unticks ${untick.join(' ')} on the consent page, and the token is narrowed to [${expected.join(' ')}]`, async () => {
      const { provider, url } = await startAuthorization();
      const page = await context.newPage();
      try {
        await page.goto(url.href);
        if (user === 'alice') await shot(page, 'login');
        expect(await unlabelledInputs(page)).toEqual([]);
        await logIn(page, user);

        await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
        expect(await unlabelledInputs(page)).toEqual([]);
        const offered = await page
          .getByRole('checkbox')
          .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value).sort());
        const grantable = { alice: [READ], bob: [READ, WRITE], carol: [ADMIN, READ, WRITE] }[user];
        expect(offered).toEqual(grantable);
        // Requested scopes the account cannot have are named, not offered.
        const unavailable = page.getByText('Not available for your account');
        if (user === 'carol') expect(await unavailable.count()).toBe(0);
        else expect(await unavailable.textContent()).toContain(ADMIN);
        if (user === 'alice') await shot(page, 'consent-viewer');
        if (user === 'carol') {
          await shot(page, 'consent');
          await page.emulateMedia({ colorScheme: 'dark' });
          await shot(page, 'consent-dark');
          await page.emulateMedia({ colorScheme: 'light' });
        }
        for (const scope of untick) {
          await page.locator(`input[type=checkbox][value="${scope}"]`).uncheck();
        }
        const back = nextRedirect();
        await page.getByRole('button', { name: 'Allow' }).click();
        const redirect = await back;
        expect(redirect.searchParams.get('iss')).toBe(t.demo.issuer); // RFC 9207
        expect(provider.checkState(redirect.searchParams.get('state'))).toBe(true);
        const code = redirect.searchParams.get('code');
        expect(code).toBeTruthy();

        // The SDK exchanges the code with its PKCE verifier.
        const done = await auth(provider, { serverUrl: t.demo.mcpUrl, authorizationCode: code! });
        expect(done).toBe('AUTHORIZED');
        const tokens = provider.tokens();
        expect((tokens?.scope ?? '').split(' ').filter(Boolean).sort()).toEqual(expected);
        expect(jwtScopes(tokens?.access_token ?? '')).toEqual(expected);
      } finally {
        await page.close();
      }
    });
  }

  it('denying consent sends access_denied to the client (RFC 6749 §4.1.2.1)', async () => {
    const { provider, url } = await startAuthorization();
    const page = await context.newPage();
    try {
      await page.goto(url.href);
      await logIn(page, 'bob');
      await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
      const back = nextRedirect();
      await page.getByRole('button', { name: 'Deny' }).click();
      const redirect = await back;
      expect(redirect.searchParams.get('error')).toBe('access_denied');
      expect(redirect.searchParams.get('code')).toBeNull();
      expect(provider.checkState(redirect.searchParams.get('state'))).toBe(true);
      expect(provider.tokens()).toBeUndefined();
    } finally {
      await page.close();
    }
  });

  it('signs in with the keyboard only, and shows a wrong password as an alert', async () => {
    const { url } = await startAuthorization();
    const page = await context.newPage();
    try {
      await page.goto(url.href);
      // The username field has focus on arrival.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
      await page.keyboard.type('bob');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
      await page.keyboard.type('wrong-password');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').waitFor();
      await shot(page, 'login-error');
      // The username is kept and the password field has focus.
      expect(await page.getByLabel('Username').inputValue()).toBe('bob');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
      await page.keyboard.type('demo');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
      // Tab reaches the checkboxes and both buttons.
      const reached = new Set<string>();
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        reached.add(
          await page.evaluate(() => {
            const el = document.activeElement as HTMLInputElement | null;
            return el ? `${el.tagName}:${el.value || el.textContent}` : '';
          }),
        );
      }
      expect([...reached]).toEqual(
        expect.arrayContaining([
          `INPUT:${READ}`,
          `INPUT:${WRITE}`,
          'BUTTON:deny',
          'BUTTON:approve',
        ]),
      );
    } finally {
      await page.close();
    }
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const { url } = await startAuthorization();
    const page = await context.newPage();
    try {
      await page.setViewportSize({ width: 360, height: 740 });
      await page.goto(url.href);
      await shot(page, 'login-mobile');
      await logIn(page, 'carol');
      await page.getByRole('heading', { name: /^Allow access to .+\?$/ }).waitFor();
      await shot(page, 'consent-mobile');
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await page.close();
    }
  });

  it('shows a clear error page for a request that cannot go back to the client (RFC 6749 §4.1.2.1)', async () => {
    const page = await context.newPage();
    try {
      const bad = new URL(`${t.demo.issuer}/authorize`);
      bad.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'no-such-client',
        redirect_uri: callbackUrl,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const response = await page.goto(bad.href);
      expect(response?.status()).toBeGreaterThanOrEqual(400);
      await shot(page, 'error');
      await expect(page.getByRole('heading').first().textContent()).resolves.toBeTruthy();
      expect(await page.locator('code').last().textContent()).toBeTruthy();
      // Nothing went back to the client's redirect URI.
      expect(redirects.some((r) => r.searchParams.get('client_id') === 'no-such-client')).toBe(
        false,
      );
    } finally {
      await page.close();
    }
  });

  it('loads no external assets: every request stayed on the demo or the client callback', () => {
    const allowed = [new URL(t.demo.issuer).origin, new URL(callbackUrl).origin];
    expect(requestedUrls.length).toBeGreaterThan(0);
    for (const u of requestedUrls) expect(allowed).toContain(new URL(u).origin);
  });
});
