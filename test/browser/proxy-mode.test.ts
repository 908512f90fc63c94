/// <reference lib="dom" />
// The demo's proxy mode end to end in a real browser (issue 19, "Also"): Debian's Chromium,
// headless, driven by playwright-core, against a real upstream IdP (oidc-provider on loopback).
// The official MCP SDK v2 client makes the authorization URL (discovery, dynamic registration,
// PKCE S256); the browser shows mcp-auth's consent page (our consent comes before any redirect
// upstream, SECURITY-CASES 6), the upstream's login and consent, our callback, and the client's
// loopback redirect. The client then redeems the code and calls /mcp. The upstream's tokens are
// recorded at the IdP and must never reach the browser or the client. Screenshots go to
// test-artifacts/.
import '../../examples/demo/test/express-under-vitest.js';
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  auth,
  Client,
  type FetchLike,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp } from '../../examples/demo/src/app.js';
import { readDemoSettings } from '../../examples/demo/src/env.js';
import { DemoOAuthClientProvider } from '../../examples/demo/src/oauth-client.js';
import { startOidcProvider, type UpstreamIdp } from '../../packages/core/test/upstream/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CLIENT_NAME = 'Proxy Browser Test Client';
const SERVICE_NAME = 'mcp-auth demo';
const CALLBACK_PATH = '/oauth/callback';

let http: Server;
let origin: string;
let mcpUrl: string;
let idp: UpstreamIdp;
let demo: DemoApp;
let browser: Browser;
let callbackServer: Server;
let clientCallback: string;
const demoLogs: string[] = [];

/** Every token the upstream IdP issued (its token endpoint's answers), to look for later. */
const upstreamTokens: string[] = [];
const upstreamTokenKinds = new Set<string>();
/** Everything any browser context sent or received: URLs, headers, bodies. */
const seenByBrowser: string[] = [];
const pendingBodies: Promise<void>[] = [];
/** Requests the browser tried to send off loopback (aborted: the tests stay hermetic). */
const blockedOffLoopback: string[] = [];
/** Every URL the browser requested. */
const requestedUrls: string[] = [];
/** Answers the MCP client received from the demo (token endpoint, registration, /mcp). */
const seenByClient: string[] = [];

/** The client's loopback redirect URI: records each redirect that arrives. */
const redirects: URL[] = [];
const waiters: (() => void)[] = [];

/** A gate in front of the demo's upstream callback: holds the next callback request. */
let gate: { url?: string; arrived: () => void; release?: () => void } | undefined;

function nextRedirect(): Promise<URL> {
  const seen = redirects.length;
  return new Promise((resolve) => {
    const check = () => {
      if (redirects.length > seen) resolve(redirects[seen]!);
      else waiters.push(check);
    };
    check();
  });
}

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    async (route) => {
      blockedOffLoopback.push(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  context.on('request', (request) => {
    requestedUrls.push(request.url());
    seenByBrowser.push(request.url(), request.postData() ?? '');
  });
  context.on('response', (response) => {
    pendingBodies.push(
      (async () => {
        seenByBrowser.push(response.url(), JSON.stringify(await response.allHeaders()));
        const status = response.status();
        if (status < 300 || status >= 400) {
          seenByBrowser.push(await response.text().catch(() => ''));
        }
      })(),
    );
  });
  return context;
}

/** The official SDK v2 client's auth(): discovery, DCR and a PKCE authorization URL. */
async function startAuthorization(): Promise<{ provider: DemoOAuthClientProvider; url: URL }> {
  let url: URL | undefined;
  const provider = new DemoOAuthClientProvider({
    redirectUrl: clientCallback,
    clientName: CLIENT_NAME,
    onRedirect: (u) => {
      url = u;
    },
  });
  expect(await auth(provider, { serverUrl: mcpUrl, fetchFn: recordingFetch })).toBe('REDIRECT');
  if (!url) throw new Error('no authorization URL');
  expect(url.origin).toBe(origin);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('client_id')).toBe(provider.clientInformation()?.client_id);
  return { provider, url };
}

/** The client's fetch: records every answer body it reads. */
const recordingFetch: FetchLike = async (input, init) => {
  const response = await fetch(input, init);
  seenByClient.push(await response.clone().text());
  return response;
};

/** The redeemed code: the SDK checks `iss` (RFC 9207) and sends its PKCE verifier. */
async function redeem(provider: DemoOAuthClientProvider, redirect: URL): Promise<string> {
  expect(redirect.searchParams.get('iss')).toBe(origin);
  expect(provider.checkState(redirect.searchParams.get('state'))).toBe(true);
  const code = redirect.searchParams.get('code');
  expect(code).toBeTruthy();
  const done = await auth(provider, {
    serverUrl: mcpUrl,
    authorizationCode: code!,
    iss: redirect.searchParams.get('iss')!,
    fetchFn: recordingFetch,
  });
  expect(done).toBe('AUTHORIZED');
  const accessToken = provider.tokens()?.access_token;
  if (!accessToken) throw new Error('no access token');
  return accessToken;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Our consent page, reached first: names the service and the client; Allow. */
async function approveOnOurConsent(page: Page, screenshot?: string): Promise<void> {
  await page.getByRole('heading', { name: `Allow access to ${SERVICE_NAME}?` }).waitFor();
  expect(new URL(page.url()).origin).toBe(origin);
  expect(await page.getByText(mcpUrl, { exact: true }).count()).toBe(1);
  expect(await page.getByText(CLIENT_NAME).count()).toBeGreaterThan(0);
  expect(await page.getByText('you will sign in with your identity provider').count()).toBe(1);
  // The user has not signed in yet: nobody is named.
  expect(await page.getByText('Signed in as').count()).toBe(0);
  if (screenshot) await shot(page, screenshot);
  const answer = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).origin === origin,
  );
  await page.getByRole('button', { name: 'Allow' }).click();
  // Then straight to the upstream IdP (not to an error page of ours).
  const response = await answer;
  expect(response.status()).toBe(303);
  expect(new URL((await response.headerValue('location')) ?? '', origin).origin).toBe(idp.issuer);
}

/** The upstream oidc-provider's own login form, then its own consent (when it asks). */
async function signInUpstream(page: Page, login: string, screenshot?: string): Promise<void> {
  await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
  const at = new URL(page.url());
  expect(at.origin).toBe(idp.issuer);
  expect(at.pathname).toMatch(/^\/interaction\//);
  if (screenshot) await shot(page, screenshot);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  // noWaitAfter: the navigation may be held at our callback (the hostile case below).
  await page.getByRole('button', { name: 'Sign-in' }).click({ noWaitAfter: true });
  // oidc-provider asks for its own consent unless its session already holds a grant.
  const consent = page.getByRole('heading', { name: 'Authorize' });
  const asked = await Promise.race([
    consent.waitFor().then(() => true),
    page.waitForURL((u) => u.origin !== idp.issuer, { waitUntil: 'commit' }).then(() => false),
  ]);
  if (asked) {
    if (screenshot) await shot(page, `${screenshot}-consent`);
    await page.getByRole('button', { name: 'Continue' }).click({ noWaitAfter: true });
  }
}

/** The browser left the IdP for the client's redirect URI, not for an error page of ours. */
async function landsAtClient(page: Page): Promise<void> {
  await page.waitForURL((u) => u.origin !== idp.issuer, { waitUntil: 'commit' });
  const at = new URL(page.url());
  // Only the origin and path in the message: the query holds a code.
  expect(`${at.origin}${at.pathname}`).toBe(clientCallback);
}

/** The demo, served by our own node:http server (the upstream needs its callback URL first). */
function serveDemo(req: IncomingMessage, res: ServerResponse): void {
  const held = gate;
  if (held && !held.url && req.url?.startsWith(`${CALLBACK_PATH}?`)) {
    held.url = new URL(req.url, origin).href;
    const released = new Promise<void>((resolve) => {
      held.release = resolve;
    });
    held.arrived();
    void released.then(() => demo.app(req, res));
    return;
  }
  demo.app(req, res);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  http = createServer(serveDemo);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  mcpUrl = `${origin}/mcp`;
  idp = await startOidcProvider(() => `${origin}${CALLBACK_PATH}`);
  // oidc-provider's Provider is an EventEmitter (core's local declaration leaves that out);
  // 'grant.success' carries its token endpoint's answer.
  const events = idp.provider as unknown as EventEmitter;
  events.on('grant.success', (ctx: { body?: unknown }) => {
    const body = ctx.body as Record<string, unknown> | undefined;
    for (const name of ['access_token', 'id_token', 'refresh_token']) {
      const value = body?.[name];
      if (typeof value === 'string') {
        upstreamTokens.push(value);
        upstreamTokenKinds.add(name);
      }
    }
  });
  // Configured as in a deployment (OAUTH_* variables); only the loopback IdP is test-only.
  const settings = readDemoSettings({
    OAUTH_ISSUER: 'https://placeholder.invalid',
    OAUTH_CLIENT_ID: idp.clientId,
    OAUTH_CLIENT_SECRET: idp.clientSecret,
    OAUTH_SCOPES: 'openid email profile',
    OAUTH_DEFAULT_ROLE: 'editor',
  });
  demo = await createDemoApp({
    issuer: origin,
    upstream: { ...settings.upstream!, issuer: idp.issuer },
    upstreamProviderOptions: { allowInsecureLoopback: true },
    log: (line) => demoLogs.push(line),
  });
  expect(demo.identity).toBe('upstream');

  callbackServer = createServer((req, res) => {
    redirects.push(new URL(req.url ?? '/', clientCallback));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back in the client</title><p>Back in the client.</p>');
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  clientCallback = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;

  browser = await chromium.launch({
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
  });
}, 60_000);

afterAll(async () => {
  gate?.release?.();
  await browser?.close();
  for (const server of [http, callbackServer]) {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
  await demo?.close();
  await idp?.close();
});

describe('demo in proxy mode, in Chromium, against a real upstream IdP (oidc-provider)', () => {
  it('our consent, the upstream login, back to the client with code, state and iss; the client gets mcp-auth tokens that work on /mcp, never the upstream tokens', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      const { provider, url } = await startAuthorization();
      const back = nextRedirect();
      await page.goto(url.href);
      await approveOnOurConsent(page, 'proxy-consent');
      await signInUpstream(page, 'dana', 'proxy-upstream-login');
      await landsAtClient(page);

      const redirect = await back;
      expect(redirect.origin + redirect.pathname).toBe(clientCallback);
      expect(redirect.searchParams.get('error')).toBeNull();
      const before = upstreamTokens.length;
      // The demo redeemed the upstream code at the IdP: an access token and (openid) an ID token.
      expect([...upstreamTokenKinds].sort()).toEqual(['access_token', 'id_token']);
      const accessToken = await redeem(provider, redirect);

      // mcp-auth's own token: a JWT from our issuer for our resource, not the IdP's token.
      const claims = JSON.parse(
        Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as Record<string, unknown>;
      expect(claims['iss']).toBe(origin);
      expect([claims['aud']].flat()).toContain(mcpUrl);
      // (Booleans only in the assertions: a failure must not print a token.)
      for (const upstream of upstreamTokens) expect(accessToken.includes(upstream)).toBe(false);
      expect([...provider.grantedScopes].sort()).toEqual(['mcp:tools:read', 'mcp:tools:write']);

      // An MCP call with the token (the official SDK v2 client).
      const client = new Client({ name: 'proxy-browser-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(mcpUrl), {
          authProvider: provider,
          fetch: recordingFetch,
        }),
      );
      try {
        const result = (await client.callTool({ name: 'whoami', arguments: {} })) as {
          isError?: boolean;
          content: { type: string; text?: string }[];
        };
        expect(result.isError).not.toBe(true);
        const me = JSON.parse(result.content[0]?.text ?? '{}') as {
          userId: string;
          claims: Record<string, unknown>;
        };
        expect(me.userId).toBe('dana');
        expect(me.claims['iss']).toBe(origin);
        expect(me.claims['role']).toBe('editor');
      } finally {
        await client.close();
      }
      // No new upstream tokens were made for the MCP call (ours are verified locally).
      expect(upstreamTokens.length).toBe(before);

      // The upstream's tokens appear nowhere the browser or the client could see them.
      await Promise.all(pendingBodies);
      expect(seenByBrowser.length).toBeGreaterThan(0);
      expect(seenByClient.length).toBeGreaterThan(0);
      const browserSaw = seenByBrowser.join('\n');
      const clientSaw = seenByClient.join('\n');
      for (const upstream of upstreamTokens) {
        expect(browserSaw.includes(upstream)).toBe(false);
        expect(clientSaw.includes(upstream)).toBe(false);
      }
      // Nor in the demo's log lines.
      for (const upstream of upstreamTokens) {
        expect(demoLogs.join('\n').includes(upstream)).toBe(false);
      }
    } finally {
      await context.close();
    }
  });

  it('refuses the upstream callback opened in another browser without the interaction cookie, and the victim’s sign-in still completes (issue 19 item 7)', async () => {
    const victim = await newContext();
    const attacker = await newContext();
    const page = await victim.newPage();
    const attackerPage = await attacker.newPage();
    try {
      const { provider, url } = await startAuthorization();
      let arrived!: () => void;
      const atCallback = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      gate = { arrived };
      await page.goto(url.href);
      await approveOnOurConsent(page);
      await signInUpstream(page, 'erin');
      // The victim's browser is on its way to our callback; the request is held there.
      await atCallback;
      const callbackUrl = gate.url!;
      expect(new URL(callbackUrl).searchParams.get('state')).toBeTruthy();
      expect(new URL(callbackUrl).searchParams.get('code')).toBeTruthy();

      // Another browser (no interaction cookie) opens the same callback URL first: refused.
      const refused = await attackerPage.goto(callbackUrl);
      expect(refused?.status()).toBe(400);
      expect(await attackerPage.locator('code').last().textContent()).toBe('invalid_state');
      await shot(attackerPage, 'proxy-callback-without-cookie');
      expect(new URL(attackerPage.url()).origin).toBe(origin); // no redirect to the client
      // And with a cookie of its own interaction (it started a flow of its own): still refused.
      const own = await startAuthorization();
      await attackerPage.goto(own.url.href);
      await approveOnOurConsent(attackerPage);
      await attackerPage.getByRole('heading', { name: 'Sign-in' }).waitFor();
      const withOwnCookie = await attackerPage.goto(callbackUrl);
      expect(withOwnCookie?.status()).toBe(400);
      expect(await attackerPage.locator('code').last().textContent()).toBe('invalid_state');
      expect(
        redirects.some((r) => r.searchParams.get('state') === own.url.searchParams.get('state')),
      ).toBe(false);

      // The victim's held callback goes on: the state was not burned.
      const back = nextRedirect();
      gate.release!();
      await landsAtClient(page); // not our invalid_state page
      const redirect = await back;
      expect(redirect.searchParams.get('error')).toBeNull();
      const accessToken = await redeem(provider, redirect);
      expect(accessToken.split('.')).toHaveLength(3);

      // Replayed afterwards, even in the victim's own browser, the callback is refused (used once).
      const replay = await page.goto(callbackUrl);
      expect(replay?.status()).toBe(400);
      expect(await page.locator('code').last().textContent()).toBe('invalid_state');
    } finally {
      gate = undefined;
      await victim.close();
      await attacker.close();
    }
  });

  it('two authorizations at once in one browser both complete (issue 19 item 8)', async () => {
    const context = await newContext();
    const first = await context.newPage();
    const second = await context.newPage();
    try {
      const a = await startAuthorization();
      const b = await startAuthorization();
      await first.goto(a.url.href);
      await second.goto(b.url.href);
      await approveOnOurConsent(first);
      await approveOnOurConsent(second);
      // Both wait at the upstream login; the first finishes first.
      await first.getByRole('heading', { name: 'Sign-in' }).waitFor();
      await second.getByRole('heading', { name: 'Sign-in' }).waitFor();
      const backA = nextRedirect();
      await signInUpstream(first, 'frank');
      await landsAtClient(first);
      const redirectA = await backA;
      expect(redirectA.searchParams.get('error')).toBeNull();
      await redeem(a.provider, redirectA);
      const backB = nextRedirect();
      await signInUpstream(second, 'frank');
      await landsAtClient(second);
      const redirectB = await backB;
      expect(redirectB.searchParams.get('error')).toBeNull();
      await redeem(b.provider, redirectB);
    } finally {
      await context.close();
    }
  });

  it('kept the browser on loopback: only the demo, the IdP and the client callback were reached', async () => {
    await Promise.all(pendingBodies);
    const allowed = [origin, idp.issuer, new URL(clientCallback).origin];
    expect(requestedUrls.length).toBeGreaterThan(0);
    for (const u of requestedUrls) {
      if (blockedOffLoopback.includes(u)) continue;
      expect(allowed).toContain(new URL(u).origin);
    }
    // Only the IdP's development pages reach out (a web-font @import), and that was aborted.
    for (const u of blockedOffLoopback)
      expect(new URL(u).origin).toBe('https://fonts.googleapis.com');
  });
});
