/**
 * Upstream token refresh and revocation in proxy mode (issue 15 item 4), against a real
 * oidc-provider with short access-token lifetimes, rotating refresh tokens and RFC 7009
 * revocation: expiry → refresh → the new token works at the IdP's API (userinfo); concurrent
 * asks through two authorization-server instances sharing one store → one refresh at the IdP;
 * a refused refresh token → the tokens are dropped and the caller told to sign in again;
 * revoking our grant reaches the IdP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import {
  type AuthorizationServer,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { UpstreamOAuthProvider } from '../../src/server/identity/upstream-provider.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { STORE_KEYS } from '../../src/store/keys.js';
import { Browser, type Listening, listen, nodeBridge } from './harness.js';

const CLIENT_REDIRECT = 'http://127.0.0.1/callback';
const SCOPES = ['mcp:tools:repos'];
const UPSTREAM_CLIENT = 'mcp-proxy-refresh';
const UPSTREAM_SECRET = 'upstream-refresh-client-secret-0123456789-abcdef';
const ENCRYPTION_KEY = 'upstream-encryption-key-0123456789-abcdefghij';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let as: Listening;
let idpListening: Listening;
let idpIssuer = '';
let provider: Provider;
let one: AuthorizationServer; // two instances of one authorization server, one shared store
let two: AuthorizationServer;
const store = new MemoryStore();
let skewMs = 0;
// Lifetime of the access tokens the IdP issues at sign-in (refreshed ones live an hour).
let signInAccessTtl = 3600;
const counts = { tokenPosts: 0, refreshes: 0, revocations: 0 };

function upstreamProvider(): UpstreamOAuthProvider {
  return new UpstreamOAuthProvider({
    issuer: idpIssuer,
    clientId: UPSTREAM_CLIENT,
    clientSecret: UPSTREAM_SECRET,
    scopes: ['openid', 'email'],
    allowInsecureLoopback: true,
    now: () => Date.now() + skewMs,
    mapIdentity: (user) => ({ sub: `upstream|${user.subject}`, grantableScopes: SCOPES }),
  });
}

function authorizationServer(issuer: string): AuthorizationServer {
  return createAuthorizationServer({
    issuer,
    resource: `${issuer}/mcp`,
    signingKey: 'as-signing-secret-0123456789-abcdefghijklmnopqrstuv',
    store,
    scopesSupported: SCOPES,
    upstreamEncryptionKey: ENCRYPTION_KEY,
    upstreamRefreshSkewSeconds: 1,
    now: () => Date.now() + skewMs,
    identityProvider: upstreamProvider(),
  });
}

beforeAll(async () => {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  idpListening = await listen((req, res) => {
    if (req.method === 'POST' && req.url === '/token') counts.tokenPosts++;
    if (req.method === 'POST' && req.url === '/token/revocation') counts.revocations++;
    handler?.(req, res);
  });
  idpIssuer = idpListening.origin;
  let asOrigin = '';
  let asHandler: ((request: Request) => Promise<Response>) | undefined;
  as = await listen(
    nodeBridge(
      () => asOrigin,
      (request) => asHandler!(request),
    ),
  );
  asOrigin = as.origin;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'idp-1' };
  provider = new Provider(idpIssuer, {
    clients: [
      {
        client_id: UPSTREAM_CLIENT,
        client_secret: UPSTREAM_SECRET,
        redirect_uris: [`${asOrigin}/oauth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-provider-cookie-key-refresh-0123456789'] },
    claims: { openid: ['sub'], email: ['email'] },
    pkce: { required: () => true },
    features: { revocation: { enabled: true } },
    clockTolerance: 0, // an expired access token is refused at once
    // Refresh tokens without offline_access, rotated on every use (reuse → the IdP revokes).
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: (ctx: { oidc?: { params?: { grant_type?: string } } }) =>
        ctx?.oidc?.params?.grant_type === 'refresh_token' ? 3600 : signInAccessTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id, email: `${id}@idp.test` }) };
    },
  });
  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') counts.refreshes++;
  });
  handler = provider.callback();
  one = authorizationServer(asOrigin);
  two = authorizationServer(asOrigin);
  asHandler = toFetchHandler(one);
  await Promise.all([one.ready(), two.ready()]);
}, 60_000);

afterAll(async () => {
  await as?.close();
  await idpListening?.close();
});

/** A full sign-in through the proxy; returns our tokens and the grant id. */
async function signIn(user: string) {
  const browser = new Browser();
  const reg = await fetch(`${as.origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [CLIENT_REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const clientId = ((await reg.json()) as { client_id: string }).client_id;
  const verifier = generateCodeVerifier();
  const authorize = new URL(`${as.origin}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    state: 'state-0123456789',
    scope: SCOPES.join(' '),
    resource: `${as.origin}/mcp`,
  })) {
    authorize.searchParams.set(k, v);
  }
  const toCallback = (u: URL) => u.origin === as.origin && u.pathname === '/oauth/callback';
  const consent = await browser.follow(authorize);
  const toIdp = await browser.submit(
    { html: await consent.response.text(), url: consent.url },
    { decision: 'approve' },
    (u) => u.origin === idpIssuer,
  );
  const login = await browser.follow(toIdp.stoppedAt!, toCallback);
  let callback = login.stoppedAt;
  if (!callback) {
    const afterLogin = await browser.submit(
      { html: await login.response.text(), url: login.url },
      { login: user, password: 'any' },
      toCallback,
    );
    callback = afterLogin.stoppedAt;
    if (!callback) {
      const html = await afterLogin.response.text();
      callback = (await browser.submit({ html, url: afterLogin.url }, {}, toCallback)).stoppedAt;
    }
  }
  const back = (await browser.follow(callback!, (u) => u.href.startsWith(CLIENT_REDIRECT)))
    .stoppedAt!;
  const res = await fetch(`${as.origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
    }).toString(),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; refresh_token: string };
  const auth = await one.tokenVerifier.verify(body.access_token);
  return { clientId, grantId: auth.grantId!, ...body };
}

/** The IdP's API: userinfo answers 200 only for a live upstream access token. */
async function callUpstreamApi(accessToken: string): Promise<number> {
  const res = await fetch(`${idpIssuer}/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await res.arrayBuffer();
  return res.status;
}

describe('upstream tokens are refreshed when near expiry', () => {
  it('expiry → one refresh → the new token works at the upstream API', async () => {
    signInAccessTtl = 5; // margin for a slow machine: the skew is 1 s
    const { grantId } = await signIn('alice').finally(() => {
      signInAccessTtl = 3600;
    });
    const tokens = await one.tokenService();
    const first = await tokens.getUpstreamTokens(grantId);
    expect(first?.refreshToken).toBeTruthy();
    expect(await callUpstreamApi(first!.accessToken)).toBe(200);
    const before = counts.refreshes;
    expect(first!.expiresAt! - Date.now() / 1000).toBeLessThan(10); // still the sign-in token
    // Let the upstream access token really expire at the IdP.
    while (Date.now() / 1000 < first!.expiresAt! + 1) await sleep(200);
    expect(await callUpstreamApi(first!.accessToken)).toBe(401);

    const fresh = await tokens.getUpstreamTokens(grantId);
    expect(counts.refreshes).toBe(before + 1);
    expect(fresh!.accessToken).not.toBe(first!.accessToken);
    expect(fresh!.refreshToken).not.toBe(first!.refreshToken); // the IdP rotated it
    expect(fresh!.idToken).toBe(first!.idToken); // the verified sign-in ID token is kept
    expect(fresh!.expiresAt!).toBeGreaterThan(first!.expiresAt!);
    expect(await callUpstreamApi(fresh!.accessToken)).toBe(200);
    // Stored sealed, like at sign-in: the store holds no token in clear.
    const raw = JSON.stringify(await store.get(STORE_KEYS.upstream(grantId)));
    expect(raw).not.toContain(fresh!.accessToken);
    expect(raw).not.toContain(fresh!.refreshToken!);
    // Still valid: no new refresh.
    expect(await tokens.getUpstreamTokens(grantId)).toEqual(fresh);
    expect(counts.refreshes).toBe(before + 1);
  }, 60_000);

  it('SECURITY: concurrent asks on two instances → one refresh at the IdP (single flight)', async () => {
    const { grantId } = await signIn('bob');
    const [t1, t2] = [await one.tokenService(), await two.tokenService()];
    const stored = await t1.getUpstreamTokens(grantId);
    const before = counts.refreshes;
    skewMs = 2 * 3600_000; // every upstream token is now due for refresh
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? t1 : t2).getUpstreamTokens(grantId)),
      );
      expect(counts.refreshes).toBe(before + 1);
      const accessTokens = new Set(results.map((r) => r?.accessToken));
      expect(accessTokens.size).toBe(1);
      expect(accessTokens.has(stored!.accessToken)).toBe(false);
      expect(await callUpstreamApi(results[0]!.accessToken)).toBe(200);
    } finally {
      skewMs = 0;
    }
  }, 60_000);

  it('a refresh token the IdP refuses → tokens dropped, "sign in again" on every instance', async () => {
    const { grantId } = await signIn('carol');
    const t1 = await one.tokenService();
    const stored = await t1.getUpstreamTokens(grantId);
    // The user revoked our access at the IdP.
    const basic = `Basic ${btoa(`${UPSTREAM_CLIENT}:${UPSTREAM_SECRET}`)}`;
    const revoked = await fetch(`${idpIssuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: new URLSearchParams({ token: stored!.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    skewMs = 2 * 3600_000;
    try {
      const error = await t1.getUpstreamTokens(grantId).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_token', reauthorizationRequired: true });
      expect(String((error as Error).message)).not.toContain(stored!.refreshToken!);
      const posts = counts.tokenPosts;
      await expect((await two.tokenService()).getUpstreamTokens(grantId)).rejects.toMatchObject({
        reauthorizationRequired: true,
      });
      expect(counts.tokenPosts).toBe(posts); // dropped: no second attempt at the IdP
      expect(JSON.stringify(await store.get(STORE_KEYS.upstream(grantId)))).not.toContain(
        stored!.accessToken,
      );
    } finally {
      skewMs = 0;
    }
  }, 60_000);
});

describe('revoking our grant revokes upstream (RFC 7009 at the IdP)', () => {
  it('a client revoking its refresh token → the IdP revocation endpoint is called and the upstream tokens die', async () => {
    const { grantId, refresh_token, clientId } = await signIn('dave');
    const stored = await (await one.tokenService()).getUpstreamTokens(grantId);
    expect(await callUpstreamApi(stored!.accessToken)).toBe(200);
    const before = counts.revocations;
    const res = await fetch(`${as.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token, client_id: clientId }).toString(),
    });
    expect(res.status).toBe(200);
    expect(counts.revocations).toBe(before + 2); // the refresh token, then the access token
    expect(await (await one.tokenService()).getUpstreamTokens(grantId)).toBeUndefined();
    // At the IdP: the access token is dead, and the refresh token no longer refreshes.
    expect(await callUpstreamApi(stored!.accessToken)).toBe(401);
    const basic = `Basic ${btoa(`${UPSTREAM_CLIENT}:${UPSTREAM_SECRET}`)}`;
    const refresh = await fetch(`${idpIssuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: stored!.refreshToken!,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
  }, 60_000);
});

describe('upstream refresh options', () => {
  it('a negative or non-numeric upstreamRefreshSkewSeconds → TypeError at construction', () => {
    for (const bad of [-1, Number.NaN, 90_000, '60' as unknown as number]) {
      expect(() =>
        createAuthorizationServer({
          issuer: 'https://as.example.com',
          resource: 'https://as.example.com/mcp',
          signingKey: 'as-signing-secret-0123456789-abcdefghijklmnopqrstuv',
          upstreamEncryptionKey: ENCRYPTION_KEY,
          upstreamRefreshSkewSeconds: bad,
          identityProvider: new UpstreamOAuthProvider({
            issuer: 'https://idp.example.com',
            clientId: 'c',
            mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
          }),
        }),
      ).toThrow(/upstreamRefreshSkewSeconds/);
    }
  });
});
