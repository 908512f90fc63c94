import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeS256Challenge } from '../../pkce.js';
import type { StoreValue } from '../../store/store.js';
import { UpstreamOAuthProvider, type UpstreamOAuthProviderOptions } from './upstream-provider.js';

const ISSUER = 'https://idp.example.com';
const CALLBACK = 'https://as.example.test/oauth/callback';
const STATE = 'core-state-0123456789abcdefghijklmnop';

type Route = (request: Request) => Response | Promise<Response>;

/** A stub upstream: routes by URL, records every request it was asked to make. */
function stubFetch(routes: Record<string, Route>) {
  const seen: Array<{ url: string; redirect: RequestRedirect | undefined; request: Request }> = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push({ url: request.url, redirect: init?.redirect, request: request.clone() });
    const route = routes[request.url.split('?')[0]!];
    return route ? route(request) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { fetchImpl, seen };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

let privateKey: CryptoKey;
let jwks: { keys: unknown[] };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
});

const discovery = (overrides: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/jwks`,
  code_challenge_methods_supported: ['S256'],
  authorization_response_iss_parameter_supported: true,
  ...overrides,
});

async function idToken(claims: Record<string, unknown>) {
  return new SignJWT({ sub: 'u-1', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : ISSUER)
    .setAudience((claims['aud'] as string) ?? 'our-client')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

interface Upstream {
  meta?: Record<string, unknown>;
  idClaims?: (nonce: string) => Record<string, unknown>;
  tokenStatus?: number;
  userinfo?: Record<string, unknown>;
}

function upstream(config: Upstream = {}) {
  let nonce = '';
  const stub = stubFetch({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(discovery(config.meta)),
    [`${ISSUER}/jwks`]: () => json(jwks),
    [`${ISSUER}/token`]: async () =>
      config.tokenStatus
        ? json({ error: 'invalid_grant' }, config.tokenStatus)
        : json({
            access_token: 'upstream-at-0123456789',
            token_type: 'Bearer',
            expires_in: 3600,
            refresh_token: 'upstream-rt-0123456789',
            scope: 'openid email',
            id_token: await idToken(config.idClaims ? config.idClaims(nonce) : { nonce }),
          }),
    [`${ISSUER}/userinfo`]: () => json(config.userinfo ?? { sub: 'u-1', email: 'u1@idp.test' }),
  });
  const setNonce = (n: string) => {
    nonce = n;
  };
  return { ...stub, setNonce };
}

function provider(fetchImpl: typeof fetch, extra: Partial<UpstreamOAuthProviderOptions> = {}) {
  return new UpstreamOAuthProvider({
    issuer: ISSUER,
    clientId: 'our-client',
    clientSecret: 'our-secret-0123456789',
    scopes: ['openid', 'email'],
    fetch: fetchImpl,
    mapIdentity: (user) => ({
      sub: `idp|${user.subject}`,
      attributes: { email: String(user.claims['email']) },
      grantableScopes: ['mcp:tools:get_weather'],
    }),
    ...extra,
  });
}

async function start(p: UpstreamOAuthProvider, up: ReturnType<typeof upstream>) {
  const { url, data } = await p.startLogin({
    state: STATE,
    redirectUri: CALLBACK,
    scopes: ['mcp:tools:get_weather'],
  });
  up.setNonce(url.searchParams.get('nonce') ?? '');
  return { url, data };
}

const callback = (params: Record<string, string>) =>
  new URLSearchParams({ state: STATE, iss: ISSUER, ...params });

describe('SECURITY-CASES 23: upstream URLs (SSRF)', () => {
  const bad = [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'http://idp.example.com',
    'https://10.0.0.1',
    'https://192.168.1.10',
    'https://169.254.169.254',
    'https://127.0.0.1',
    'https://localhost',
    'https://[::1]',
    'https://[fe80::1]',
    'https://[::ffff:10.0.0.1]',
    'https://intranet',
    'https://idp.internal',
    'https://user:pass@idp.example.com',
  ];
  for (const url of bad) {
    it(`refuses the issuer ${url}`, () => {
      expect(() => provider(stubFetch({}).fetchImpl, { issuer: url })).toThrow(TypeError);
    });
    it(`refuses the configured token endpoint ${url}`, () => {
      expect(() =>
        provider(stubFetch({}).fetchImpl, {
          issuer: undefined,
          authorizationEndpoint: `${ISSUER}/authorize`,
          tokenEndpoint: url,
          userinfoEndpoint: `${ISSUER}/userinfo`,
        }),
      ).toThrow(TypeError);
    });
  }

  it('allows http on loopback only when explicitly allowed (tests)', () => {
    expect(() => provider(stubFetch({}).fetchImpl, { issuer: 'http://127.0.0.1:4000' })).toThrow(
      TypeError,
    );
    expect(() =>
      provider(stubFetch({}).fetchImpl, {
        issuer: 'http://127.0.0.1:4000',
        allowInsecureLoopback: true,
      }),
    ).not.toThrow();
    expect(() =>
      provider(stubFetch({}).fetchImpl, {
        issuer: 'https://10.0.0.1',
        allowInsecureLoopback: true,
      }),
    ).toThrow(TypeError);
  });

  for (const [name, value] of [
    ['token_endpoint', 'https://169.254.169.254/latest/meta-data'],
    ['jwks_uri', 'http://10.0.0.5/jwks'],
    ['userinfo_endpoint', 'file:///etc/passwd'],
    ['authorization_endpoint', 'javascript:alert(1)'],
  ] as const) {
    it(`refuses discovered metadata whose ${name} is ${value}, and never fetches it`, async () => {
      const up = upstream({ meta: { [name]: value } });
      const err = await provider(up.fetchImpl)
        .startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ reason: 'discovery_failed' });
      expect(up.seen.map((s) => s.url)).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
    });
  }

  it('never follows a redirect from the upstream (e.g. to a private address)', async () => {
    const stub = stubFetch({
      [`${ISSUER}/.well-known/openid-configuration`]: () =>
        new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/' } }),
      [`${ISSUER}/.well-known/oauth-authorization-server`]: () =>
        new Response(null, { status: 307, headers: { location: 'http://10.0.0.1/' } }),
    });
    const err = await provider(stub.fetchImpl)
      .startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'discovery_failed' });
    expect(stub.seen.every((s) => s.redirect === 'manual')).toBe(true);
    expect(stub.seen.some((s) => s.url.includes('169.254') || s.url.includes('10.0.0.1'))).toBe(
      false,
    );
  });

  it('refuses metadata naming another issuer, or without PKCE S256', async () => {
    for (const meta of [
      { issuer: 'https://evil.example.com' },
      { code_challenge_methods_supported: ['plain'] },
    ]) {
      const up = upstream({ meta });
      await expect(
        provider(up.fetchImpl).startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] }),
      ).rejects.toMatchObject({ reason: 'discovery_failed' });
    }
  });
});

describe('UpstreamOAuthProvider login', () => {
  it('sends PKCE S256, state and nonce upstream, and redeems with the verifier and client auth', async () => {
    const up = upstream();
    const p = provider(up.fetchImpl);
    const { url, data } = await start(p, up);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
    expect(url.searchParams.get('state')).toBe(STATE);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(url.searchParams.get('scope')).toBe('openid email');
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const result = await p.completeLogin({
      params: callback({ code: 'upstream-code' }),
      redirectUri: CALLBACK,
      data,
    });
    expect(result.identity).toEqual({
      sub: 'idp|u-1',
      attributes: { email: 'u1@idp.test' },
      grantableScopes: ['mcp:tools:get_weather'],
    });
    expect(result.upstreamTokens).toMatchObject({
      accessToken: 'upstream-at-0123456789',
      refreshToken: 'upstream-rt-0123456789',
      tokenType: 'Bearer',
      scope: 'openid email',
    });

    const tokenCall = up.seen.find((s) => s.url === `${ISSUER}/token`)!;
    const form = new URLSearchParams(await tokenCall.request.text());
    expect(await computeS256Challenge(form.get('code_verifier')!)).toBe(
      url.searchParams.get('code_challenge'),
    );
    expect(form.get('code')).toBe('upstream-code');
    expect(form.get('redirect_uri')).toBe(CALLBACK);
    expect(tokenCall.request.headers.get('authorization')).toBe(
      `Basic ${btoa('our-client:our-secret-0123456789')}`,
    );
    const userinfoCall = up.seen.find((s) => s.url === `${ISSUER}/userinfo`)!;
    expect(userinfoCall.request.headers.get('authorization')).toBe('Bearer upstream-at-0123456789');
  });

  const failures: Array<
    [string, Upstream, Record<string, string>, string, Partial<UpstreamOAuthProviderOptions>?]
  > = [
    ['the upstream error=access_denied', {}, { error: 'access_denied' }, 'upstream_denied'],
    ['another upstream error', {}, { error: 'server_error' }, 'upstream_error'],
    [
      'a wrong iss (RFC 9207 mix-up)',
      {},
      { code: 'c', iss: 'https://evil.example.com' },
      'issuer_mismatch',
    ],
    ['no code', {}, {}, 'invalid_callback'],
    [
      'a refused code at the token endpoint',
      { tokenStatus: 400 },
      { code: 'c' },
      'token_request_failed',
    ],
    [
      'an ID token with a wrong nonce',
      { idClaims: () => ({ nonce: 'other-nonce' }) },
      { code: 'c' },
      'id_token_invalid',
    ],
    ['an ID token without nonce', { idClaims: () => ({}) }, { code: 'c' }, 'id_token_invalid'],
    [
      'an ID token for another client',
      { idClaims: (n) => ({ nonce: n, aud: 'someone-else' }) },
      { code: 'c' },
      'id_token_invalid',
    ],
    [
      'an ID token of another issuer',
      { idClaims: (n) => ({ nonce: n, iss: 'https://evil.example.com' }) },
      { code: 'c' },
      'id_token_invalid',
    ],
    [
      'userinfo for another user (OIDC Core §5.3.2)',
      { userinfo: { sub: 'u-2' } },
      { code: 'c' },
      'subject_mismatch',
    ],
    [
      'a mapping that throws',
      {},
      { code: 'c' },
      'mapping_failed',
      {
        mapIdentity: () => {
          throw new Error('no');
        },
      },
    ],
    [
      'a mapping without sub',
      {},
      { code: 'c' },
      'mapping_failed',
      { mapIdentity: () => ({ sub: '', grantableScopes: [] }) },
    ],
  ];
  for (const [name, config, params, reason, extra] of failures) {
    it(`refuses ${name} → ${reason}`, async () => {
      const up = upstream(config);
      const p = provider(up.fetchImpl, extra);
      const { data } = await start(p, up);
      const err = await p
        .completeLogin({ params: callback(params), redirectUri: CALLBACK, data })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ reason });
      expect((err as { status: number }).status).toBe(reason === 'upstream_denied' ? 403 : 502);
    });
  }

  it('a missing iss when the upstream advertises RFC 9207 → issuer_mismatch', async () => {
    const up = upstream();
    const p = provider(up.fetchImpl);
    const { data } = await start(p, up);
    const params = new URLSearchParams({ state: STATE, code: 'c' });
    await expect(p.completeLogin({ params, redirectUri: CALLBACK, data })).rejects.toMatchObject({
      reason: 'issuer_mismatch',
    });
    expect(up.seen.some((s) => s.url === `${ISSUER}/token`)).toBe(false);
  });

  it('an upstream outage → 503 temporarily_unavailable', async () => {
    const up = upstream({ tokenStatus: 503 });
    const p = provider(up.fetchImpl);
    const { data } = await start(p, up);
    await expect(
      p.completeLogin({ params: callback({ code: 'c' }), redirectUri: CALLBACK, data }),
    ).rejects.toMatchObject({ code: 'temporarily_unavailable', status: 503 });
  });

  it('login data for another callback URL, or forged data → invalid_callback', async () => {
    const up = upstream();
    const p = provider(up.fetchImpl);
    const { data } = await start(p, up);
    await expect(
      p.completeLogin({
        params: callback({ code: 'c' }),
        redirectUri: 'https://other.test/cb',
        data,
      }),
    ).rejects.toMatchObject({ reason: 'invalid_callback' });
    await expect(
      p.completeLogin({
        params: callback({ code: 'c' }),
        redirectUri: CALLBACK,
        data: 'x' as StoreValue,
      }),
    ).rejects.toMatchObject({ reason: 'invalid_callback' });
  });

  it('configured mode without OIDC: userinfo only (e.g. GitHub-style), no nonce', async () => {
    const stub = stubFetch({
      [`${ISSUER}/token`]: () => json({ access_token: 'gh-token', token_type: 'bearer' }),
      [`${ISSUER}/user`]: () => json({ id: 42, login: 'octo' }),
    });
    const p = new UpstreamOAuthProvider({
      authorizationEndpoint: `${ISSUER}/authorize`,
      tokenEndpoint: `${ISSUER}/token`,
      userinfoEndpoint: `${ISSUER}/user`,
      clientId: 'gh-client',
      clientSecret: 'gh-secret',
      tokenEndpointAuthMethod: 'client_secret_post',
      scopes: ['read:user'],
      fetch: stub.fetchImpl,
      mapIdentity: (user) => ({
        sub: `gh|${user.subject}`,
        attributes: { login: String(user.claims['login']) },
        grantableScopes: [],
      }),
    });
    const { url, data } = await p.startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] });
    expect(url.searchParams.get('nonce')).toBeNull();
    const result = await p.completeLogin({
      params: new URLSearchParams({ state: STATE, code: 'c' }),
      redirectUri: CALLBACK,
      data,
    });
    expect(result.identity.sub).toBe('gh|42');
    const form = new URLSearchParams(
      await stub.seen.find((s) => s.url === `${ISSUER}/token`)!.request.text(),
    );
    expect(form.get('client_secret')).toBe('gh-secret');
    expect(form.get('client_id')).toBe('gh-client');
  });

  it('programmer mistakes are TypeErrors at construction', () => {
    const f = stubFetch({}).fetchImpl;
    const base = {
      clientId: 'c',
      fetch: f,
      mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
    };
    expect(() => new UpstreamOAuthProvider({ ...base })).toThrow(TypeError);
    expect(() => new UpstreamOAuthProvider({ ...base, issuer: ISSUER, clientId: '' })).toThrow(
      TypeError,
    );
    expect(
      () =>
        new UpstreamOAuthProvider({
          ...base,
          issuer: ISSUER,
          tokenEndpointAuthMethod: 'client_secret_basic',
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new UpstreamOAuthProvider({
          ...base,
          authorizationEndpoint: `${ISSUER}/a`,
          tokenEndpoint: `${ISSUER}/t`,
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new UpstreamOAuthProvider({
          clientId: 'c',
          issuer: ISSUER,
        } as UpstreamOAuthProviderOptions),
    ).toThrow(TypeError);
  });
});

// alg "none" JWT with whatever claims: what a hostile or broken upstream may send.
const unsignedJwt = (claims: Record<string, unknown>) =>
  `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')}.${btoa(
    JSON.stringify(claims),
  ).replace(/=+$/, '')}.`;

describe('never an unverified ID token (issue 19 item 6)', () => {
  const configured = {
    authorizationEndpoint: `${ISSUER}/authorize`,
    tokenEndpoint: `${ISSUER}/token`,
    userinfoEndpoint: `${ISSUER}/userinfo`,
    clientId: 'our-client',
    clientSecret: 'our-secret-0123456789',
    mapIdentity: (user: { subject: string | undefined }) => ({
      sub: `idp|${user.subject}`,
      grantableScopes: [],
    }),
  };

  it('configured mode: openid without jwksUri is a TypeError at construction', () => {
    expect(
      () =>
        new UpstreamOAuthProvider({
          ...configured,
          scopes: ['openid', 'email'],
          fetch: stubFetch({}).fetchImpl,
        }),
    ).toThrow(/openid.*jwksUri/);
  });

  it('discovery without jwks_uri while openid is requested → discovery_failed', async () => {
    const up = upstream({ meta: { jwks_uri: undefined } });
    const p = provider(up.fetchImpl);
    await expect(
      p.startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] }),
    ).rejects.toMatchObject({ reason: 'discovery_failed' });
  });

  it('an unasked alg:none ID token with wrong iss/aud/nonce is dropped: not kept, not used', async () => {
    const stub = stubFetch({
      [`${ISSUER}/token`]: () =>
        json({
          access_token: 'upstream-at-0123456789',
          token_type: 'Bearer',
          id_token: unsignedJwt({
            iss: 'https://evil.example.com',
            aud: 'someone-else',
            sub: 'admin',
            nonce: 'x',
            email: 'admin@evil.example.com',
          }),
        }),
      [`${ISSUER}/userinfo`]: () => json({ sub: 'u-1', email: 'u1@idp.test' }),
    });
    const seen: Array<Record<string, unknown>> = [];
    const p = new UpstreamOAuthProvider({
      ...configured,
      scopes: ['email'],
      fetch: stub.fetchImpl,
      mapIdentity: (user) => {
        seen.push({ ...user.claims, idTokenClaims: user.idTokenClaims });
        return { sub: `idp|${user.subject}`, grantableScopes: [] };
      },
    });
    const { data } = await p.startLogin({ state: STATE, redirectUri: CALLBACK, scopes: [] });
    const result = await p.completeLogin({
      params: new URLSearchParams({ state: STATE, code: 'c' }),
      redirectUri: CALLBACK,
      data,
    });
    expect(result.identity.sub).toBe('idp|u-1');
    expect(result.upstreamTokens?.idToken).toBeUndefined();
    expect(seen[0]).toEqual({ sub: 'u-1', email: 'u1@idp.test', idTokenClaims: undefined });
  });
});

describe('azp is checked whenever present (issue 19 item 9, OIDC Core §3.1.3.7)', () => {
  it('single aud = us but azp = another party → id_token_invalid', async () => {
    const up = upstream({ idClaims: (n) => ({ nonce: n, azp: 'someone-else' }) });
    const p = provider(up.fetchImpl);
    const { data } = await start(p, up);
    await expect(
      p.completeLogin({ params: callback({ code: 'c' }), redirectUri: CALLBACK, data }),
    ).rejects.toMatchObject({ reason: 'id_token_invalid' });
  });

  it('several audiences without azp → id_token_invalid; azp = us → accepted', async () => {
    const multi = upstream({
      idClaims: (n) => ({ nonce: n, aud: ['our-client', 'other'] as unknown as string }),
    });
    const p1 = provider(multi.fetchImpl);
    const s1 = await start(p1, multi);
    await expect(
      p1.completeLogin({ params: callback({ code: 'c' }), redirectUri: CALLBACK, data: s1.data }),
    ).rejects.toMatchObject({ reason: 'id_token_invalid' });
    const ours = upstream({ idClaims: (n) => ({ nonce: n, azp: 'our-client' }) });
    const p2 = provider(ours.fetchImpl);
    const s2 = await start(p2, ours);
    const done = await p2.completeLogin({
      params: callback({ code: 'c' }),
      redirectUri: CALLBACK,
      data: s2.data,
    });
    expect(done.upstreamTokens?.idToken).toBeTruthy();
  });
});
