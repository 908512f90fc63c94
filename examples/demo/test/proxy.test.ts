// Proxy mode (OAUTH_* settings): the demo stays the MCP authorization server and sends users to
// a real OpenID Provider (oidc-provider on loopback, core's proxy-mode test harness).
import './express-under-vitest.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  startOidcProvider,
  type UpstreamIdp,
} from '../../../packages/core/test/upstream/harness.js';
import { createDemoApp, type DemoApp } from '../src/app.js';
import { readDemoSettings } from '../src/env.js';
import { type Authorizer, TestClient } from './harness.js';

let http: Server;
let origin: string;
let idp: UpstreamIdp;
let demo: DemoApp;
const logs: string[] = [];

beforeAll(async () => {
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  idp = await startOidcProvider(() => `${origin}/oauth/callback`);
  // The settings come from OAUTH_* variables, as in a deployment (only the loopback IdP is test-only).
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
    log: (line) => logs.push(line),
  });
  http.on('request', demo.app);
}, 60_000);

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  await demo?.close();
  await idp?.close();
});

/** The browser part: our consent page, the IdP's login, the callback, back to the client. */
const upstreamAuthorizer: Authorizer = async (url, script) => {
  const browser = new Browser();
  const toCallback = (u: URL) => u.origin === origin && u.pathname === '/oauth/callback';
  const consent = await browser.follow(url);
  expect(consent.url.origin).toBe(origin); // SECURITY-CASES 6: our consent comes first
  const toIdp = await browser.submit(
    { html: await consent.response.text(), url: consent.url },
    { decision: 'approve' },
    (u) => u.origin === idp.issuer,
  );
  const upstream = toIdp.stoppedAt!;
  expect(upstream.searchParams.get('code_challenge_method')).toBe('S256');
  const login = await browser.follow(upstream, toCallback);
  const afterLogin = await browser.submit(
    { html: await login.response.text(), url: login.url },
    { login: script.username, password: 'any' },
    toCallback,
  );
  let callback = afterLogin.stoppedAt;
  if (!callback) {
    const html = await afterLogin.response.text();
    callback = (await browser.submit({ html, url: afterLogin.url }, {}, toCallback)).stoppedAt;
  }
  const done = await browser.follow(callback!, (u) =>
    u.href.startsWith('http://127.0.0.1/callback'),
  );
  const back = done.stoppedAt!;
  return {
    code: back.searchParams.get('code') ?? undefined,
    state: back.searchParams.get('state') ?? undefined,
    error: back.searchParams.get('error') ?? undefined,
  };
};

describe('demo in proxy mode', () => {
  it('logs the user in upstream, maps the role, and issues its own tokens for /mcp', async () => {
    expect(demo.identity).toBe('upstream');
    const client = new TestClient(`${origin}/mcp`, { username: 'dana' }, upstreamAuthorizer);
    try {
      await client.connect();
      // OAUTH_DEFAULT_ROLE=editor: read + write, no admin.
      expect([...client.provider.grantedScopes].sort()).toEqual([
        'mcp:tools:read',
        'mcp:tools:write',
      ]);
      expect(await client.toolNames()).toEqual([
        'get_weather',
        'oauth_introspect',
        'send_email',
        'whoami',
      ]);
      const me = JSON.parse((await client.call('whoami')).text) as {
        userId: string;
        claims: Record<string, unknown>;
      };
      expect(me.userId).toBe('dana');
      expect(me.claims['role']).toBe('editor');
      expect(me.claims['iss']).toBe(origin);
      // The IdP's tokens are never in ours.
      const claims = JSON.stringify(me.claims);
      expect(claims).not.toMatch(/access_token|id_token|refresh_token/);
      expect(
        (await client.call('send_email', { to: 'a@b.c', subject: 's', body: '' })).isError,
      ).toBe(false);
    } finally {
      await client.close();
    }
  });
});
