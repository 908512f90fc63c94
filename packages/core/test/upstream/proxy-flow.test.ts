/**
 * Proxy mode end to end (issue 4): MCP client → our authorization server (createAuthorizationServer
 * + toFetchHandler over node:http) → a real oidc-provider on loopback → back, then token,
 * refresh and the upstream tokens kept server-side. Plus the upstream callback's hostile cases
 * (SECURITY-CASES 7).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import {
  type AuthorizationServer,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { toFetchHandler } from '../../src/http/fetch.js';
import { UpstreamOAuthProvider } from '../../src/server/identity/upstream-provider.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import {
  Browser,
  type Listening,
  listen,
  nodeBridge,
  startOidcProvider,
  type UpstreamIdp,
} from './harness.js';

const CLIENT_REDIRECT = 'http://127.0.0.1/callback';
const SCOPES = ['mcp:tools:get_weather', 'mcp:tools:send_email'];

let as: Listening;
let idp: UpstreamIdp;
let server: AuthorizationServer;
let skewMs = 0;
const mapped: Array<{ subject: string | undefined; email: unknown }> = [];

beforeAll(async () => {
  let asOrigin = '';
  let handler: ((request: Request) => Promise<Response>) | undefined;
  as = await listen(
    nodeBridge(
      () => asOrigin,
      (request) => handler!(request),
    ),
  );
  asOrigin = as.origin;
  idp = await startOidcProvider(() => `${asOrigin}/oauth/callback`);
  server = createAuthorizationServer({
    issuer: asOrigin,
    resource: `${asOrigin}/mcp`,
    signingKey: 'as-signing-secret-0123456789-abcdefghijklmnopqrstuv',
    store: new MemoryStore(),
    scopesSupported: SCOPES,
    upstreamEncryptionKey: 'upstream-encryption-key-0123456789-abcdefgh',
    now: () => Date.now() + skewMs,
    identityProvider: new UpstreamOAuthProvider({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: ['openid', 'email', 'profile'],
      allowInsecureLoopback: true,
      mapIdentity(user) {
        mapped.push({ subject: user.subject, email: user.claims['email'] });
        return {
          sub: `upstream|${user.subject}`,
          attributes: { email: String(user.claims['email']) },
          grantableScopes: user.subject === 'bob' ? ['mcp:tools:get_weather'] : SCOPES,
        };
      },
    }),
  });
  handler = toFetchHandler(server);
  await server.ready();
}, 60_000);

afterAll(async () => {
  await as?.close();
  await idp?.close();
});

async function register(): Promise<string> {
  const res = await fetch(`${as.origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [CLIENT_REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Proxy test client',
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

const toClient = (u: URL) => u.href.startsWith(CLIENT_REDIRECT);
const toCallback = (u: URL) => u.origin === as.origin && u.pathname === '/oauth/callback';

/** Runs the browser part up to the upstream redirect to our callback. */
async function loginUpstream(user: string, browser = new Browser()) {
  const { clientId, verifier, state, login } = await toUpstreamLogin(browser);
  // A browser already signed in upstream (same browser, second sign-in) comes straight back.
  let callback = login.stoppedAt;
  if (!callback) {
    expect(login.response.status).toBe(200);
    const loginHtml = await login.response.text();
    const afterLogin = await browser.submit(
      { html: loginHtml, url: login.url },
      { login: user, password: 'any' },
      toCallback,
    );
    callback = afterLogin.stoppedAt;
    if (!callback) {
      const html = await afterLogin.response.text();
      callback = (await browser.submit({ html, url: afterLogin.url }, {}, toCallback)).stoppedAt;
    }
  }
  expect(callback).toBeDefined();
  expect(callback!.searchParams.get('iss')).toBe(idp.issuer);
  return { browser, clientId, verifier, state, callback: callback! };
}

/** Our consent, then the redirect to the IdP, up to its login page (or straight back). */
async function toUpstreamLogin(browser: Browser) {
  const clientId = await register();
  const verifier = generateCodeVerifier();
  const state = `client-state-${Math.random().toString(36).slice(2)}`;
  const authorize = new URL(`${as.origin}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    state,
    scope: SCOPES.join(' '),
    resource: `${as.origin}/mcp`,
  })) {
    authorize.searchParams.set(k, v);
  }
  // SECURITY-CASES 6: our consent page comes first, before any redirect upstream.
  const consent = await browser.follow(authorize);
  expect(consent.response.status).toBe(200);
  expect(consent.url.origin).toBe(as.origin);
  const consentHtml = await consent.response.text();
  // Approve: redirected to the upstream authorization endpoint with PKCE, state and nonce.
  const toIdp = await browser.submit(
    { html: consentHtml, url: consent.url },
    { decision: 'approve' },
    (u) => u.origin === idp.issuer,
  );
  const upstreamAuthorize = toIdp.stoppedAt!;
  expect(upstreamAuthorize.origin).toBe(idp.issuer);
  expect(upstreamAuthorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(upstreamAuthorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(upstreamAuthorize.searchParams.get('nonce')).toBeTruthy();
  expect(upstreamAuthorize.searchParams.get('state')).not.toBe(state);
  // The upstream's own login and consent pages (oidc-provider dev interactions).
  const login = await browser.follow(upstreamAuthorize, toCallback);
  return { clientId, verifier, state, login };
}

async function token(body: Record<string, string>) {
  const res = await fetch(`${as.origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

describe('proxy mode against a real oidc-provider', () => {
  it('runs the whole flow: consent → upstream login → callback → code → tokens → refresh', async () => {
    const { browser, clientId, verifier, state, callback } = await loginUpstream('alice');
    const done = await browser.follow(callback, toClient);
    const back = done.stoppedAt!;
    expect(back).toBeDefined();
    // SECURITY-CASES 4: code, the exact state and our iss.
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(as.origin);
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const issued = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
    });
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const accessToken = issued.body['access_token'] as string;
    const claims = decodeJwt(accessToken);
    expect(claims.sub).toBe('upstream|alice');
    expect(claims['email']).toBe('alice@upstream.test');
    expect(claims.aud).toBe(`${as.origin}/mcp`);
    expect(mapped.at(-1)).toEqual({ subject: 'alice', email: 'alice@upstream.test' });

    // The upstream tokens stay server-side, under the grant, and are real: userinfo accepts them.
    const tokens = await server.tokenService();
    const ctx = await server.tokenVerifier.verify(accessToken);
    const upstream = await tokens.getUpstreamTokens(ctx.grantId!);
    expect(upstream?.accessToken).toBeTruthy();
    expect(upstream?.idToken).toBeTruthy();
    for (const secret of [upstream!.accessToken, upstream!.idToken!]) {
      expect(JSON.stringify(issued.body)).not.toContain(secret);
    }
    const userinfo = await fetch(`${idp.issuer}/me`, {
      headers: { authorization: `Bearer ${upstream!.accessToken}` },
    });
    expect(userinfo.status).toBe(200);
    expect(((await userinfo.json()) as { sub: string }).sub).toBe('alice');

    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body['refresh_token'] as string,
      client_id: clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toEqual(upstream);

    // Revoking the grant drops the upstream tokens with it.
    await tokens.revokeGrant(ctx.grantId!);
    expect(await tokens.getUpstreamTokens(ctx.grantId!)).toBeUndefined();
  }, 60_000);

  it('maps grantable scopes per user: bob only gets what mapIdentity allows', async () => {
    const { browser, clientId, verifier, callback } = await loginUpstream('bob');
    const back = (await browser.follow(callback, toClient)).stoppedAt!;
    const issued = await token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
    });
    expect(issued.status).toBe(200);
    expect(issued.body['scope']).toBe('mcp:tools:get_weather');
  }, 60_000);
});

describe('SECURITY-CASES 7: hostile upstream callbacks → 400, no code', () => {
  const noCode = async (res: Response) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('location') ?? '').not.toContain('code=');
    expect(await res.text()).not.toMatch(/[?&]code=/);
  };

  it('a missing state', async () => {
    const { browser, callback } = await loginUpstream('carol');
    const url = new URL(callback);
    url.searchParams.delete('state');
    await noCode(await browser.request(url));
  }, 60_000);

  it('a wrong state', async () => {
    const { browser, callback } = await loginUpstream('carol');
    const url = new URL(callback);
    url.searchParams.set('state', `${url.searchParams.get('state')!.slice(0, -2)}xy`);
    await noCode(await browser.request(url));
  }, 60_000);

  it('a replayed state', async () => {
    const { browser, callback } = await loginUpstream('carol');
    const first = await browser.request(callback);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toContain('code=');
    await noCode(await browser.request(callback));
  }, 60_000);

  it('an expired state', async () => {
    const { browser, callback } = await loginUpstream('carol');
    skewMs = 3_600_000; // past the interaction lifetime
    try {
      await noCode(await browser.request(callback));
    } finally {
      skewMs = 0;
    }
  }, 60_000);

  it('a callback from another browser (no interaction cookie)', async () => {
    const { callback } = await loginUpstream('carol');
    await noCode(await new Browser().request(callback));
  }, 60_000);
});

describe('issue 19 items 7 and 8 against oidc-provider', () => {
  it('a callback replayed without the interaction cookie does not burn the state (item 7)', async () => {
    const { browser, callback } = await loginUpstream('erin');
    const stranger = await new Browser().request(callback);
    expect(stranger.status).toBe(400);
    const back = await browser.request(callback);
    expect(back.status).toBe(302);
    expect(new URL(back.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  }, 60_000);

  it('two authorizations at once in one browser both complete (item 8)', async () => {
    const browser = new Browser();
    const first = await loginUpstream('frank', browser);
    const second = await loginUpstream('frank', browser);
    for (const { callback, state } of [first, second]) {
      const back = await browser.request(callback);
      expect(back.status).toBe(302);
      const to = new URL(back.headers.get('location')!);
      expect(to.searchParams.get('state')).toBe(state);
      expect(to.searchParams.get('code')).toBeTruthy();
    }
  }, 60_000);
});

describe('hostile cases the real oidc-provider can play (issue 12 item 5)', () => {
  it('the user cancels at the IdP → the client gets access_denied with its state, no code', async () => {
    const browser = new Browser();
    const { state, login } = await toUpstreamLogin(browser);
    const html = await login.response.text();
    const abort = /href="([^"]*\/abort[^"]*)"/.exec(html)?.[1];
    expect(abort).toBeDefined();
    const callback = (await browser.follow(new URL(abort!, login.url), toCallback)).stoppedAt!;
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const back = (await browser.follow(callback, toClient)).stoppedAt!;
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error_description')).not.toContain('End-User');
  }, 60_000);

  it('code mix-up: sign-in B’s callback carrying A’s upstream code → refused upstream (PKCE), no code for B', async () => {
    const browser = new Browser();
    const a = await loginUpstream('grace', browser);
    const b = await loginUpstream('grace', browser);
    const swapped = new URL(b.callback);
    swapped.searchParams.set('code', a.callback.searchParams.get('code')!);
    const res = await browser.request(swapped);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.searchParams.get('state')).toBe(b.state);
    expect(to.searchParams.get('error')).toBe('server_error');
    expect(to.searchParams.get('code')).toBeNull();
  }, 60_000);

  it('the redirect back to the client carries only code, state and iss (no upstream token)', async () => {
    const { browser, callback } = await loginUpstream('heidi');
    const res = await browser.request(callback);
    const to = new URL(res.headers.get('location')!);
    expect([...to.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
  }, 60_000);
});
