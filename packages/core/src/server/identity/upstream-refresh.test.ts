/**
 * `UpstreamOAuthProvider.refreshTokens` and `revokeTokens` against scripted upstream answers,
 * hostile ones included (the real oidc-provider runs in test/upstream/refresh.test.ts): what is
 * sent, what each answer becomes, and that no token ever appears in an error.
 */
import { describe, expect, it } from 'vitest';
import { UpstreamOAuthProvider, type UpstreamOAuthProviderOptions } from './upstream-provider.js';

const ISSUER = 'https://idp.example.com';
const REFRESH = 'upstream-refresh-token-secret-value';
const ACCESS = 'upstream-access-token-secret-value';

type Route = (request: Request) => Response | Promise<Response>;

function stubFetch(routes: Record<string, Route>) {
  const seen: Request[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request.clone());
    const route = routes[request.url.split('?')[0]!];
    return route ? route(request) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { fetchImpl, seen };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const discovery = (extra: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  code_challenge_methods_supported: ['S256'],
  ...extra,
});

function provider(
  routes: Record<string, Route>,
  options: Partial<UpstreamOAuthProviderOptions> = {},
) {
  const { fetchImpl, seen } = stubFetch({
    [`${ISSUER}/.well-known/openid-configuration`]: () =>
      json(discovery({ revocation_endpoint: `${ISSUER}/revoke` })),
    ...routes,
  });
  const p = new UpstreamOAuthProvider({
    issuer: ISSUER,
    clientId: 'our-client',
    clientSecret: 'our-client-secret',
    fetch: fetchImpl,
    now: () => 1_900_000_000_000,
    mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
    ...options,
  });
  return { p, seen };
}

const stored = {
  accessToken: ACCESS,
  refreshToken: REFRESH,
  idToken: 'verified-at-sign-in',
  scope: 'openid email',
  expiresAt: 1_899_999_990,
};

describe('UpstreamOAuthProvider.refreshTokens', () => {
  it('sends a refresh_token grant with client authentication; keeps the verified ID token and a refresh token the IdP did not rotate', async () => {
    const { p, seen } = provider({
      [`${ISSUER}/token`]: () =>
        json({
          access_token: 'new-at',
          token_type: 'Bearer',
          expires_in: 600,
          id_token: 'unverified',
        }),
    });
    const fresh = await p.refreshTokens(stored);
    expect(fresh).toEqual({
      accessToken: 'new-at',
      tokenType: 'Bearer',
      refreshToken: REFRESH,
      idToken: 'verified-at-sign-in',
      scope: 'openid email',
      expiresAt: 1_900_000_000 + 600,
    });
    const request = seen.find((r) => r.url === `${ISSUER}/token`)!;
    expect(request.method).toBe('POST');
    expect(request.headers.get('authorization')).toMatch(/^Basic /);
    const form = new URLSearchParams(await request.text());
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
    });
  });

  it('a rotated refresh token replaces the old one', async () => {
    const { p } = provider({
      [`${ISSUER}/token`]: () =>
        json({ access_token: 'new-at', token_type: 'bearer', refresh_token: 'rotated-rt' }),
    });
    expect((await p.refreshTokens(stored)).refreshToken).toBe('rotated-rt');
  });

  it('hostile or failing answers: invalid_grant, invalid_client, 5xx, a redirect, a DPoP token type, no access token', async () => {
    const cases: [Route, Record<string, unknown>][] = [
      [() => json({ error: 'invalid_grant' }, 400), { code: 'invalid_grant' }],
      [
        () => json({ error: 'invalid_client' }, 401),
        { code: 'server_error', reason: 'refresh_failed' },
      ],
      [() => new Response('down', { status: 503 }), { code: 'temporarily_unavailable' }],
      [
        () => new Response(null, { status: 302, headers: { location: 'http://10.0.0.1/x' } }),
        { reason: 'refresh_failed' },
      ],
      [() => json({ access_token: 'x', token_type: 'DPoP' }), { reason: 'invalid_token_response' }],
      [() => json({ token_type: 'Bearer' }), { reason: 'invalid_token_response' }],
      [() => new Response('not json', { status: 200 }), { reason: 'refresh_failed' }],
    ];
    for (const [route, expected] of cases) {
      const { p } = provider({ [`${ISSUER}/token`]: route });
      const error = await p.refreshTokens(stored).catch((e: unknown) => e);
      expect(error).toMatchObject(expected);
      expect(String((error as Error).message)).not.toContain(REFRESH);
      expect(JSON.stringify(error)).not.toContain(REFRESH);
    }
  });

  it('no refresh token → invalid_grant without any request', async () => {
    const { p, seen } = provider({});
    await expect(p.refreshTokens({ accessToken: ACCESS })).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('UpstreamOAuthProvider.revokeTokens (RFC 7009)', () => {
  it('revokes the refresh token, then the access token, at the discovered endpoint, authenticated', async () => {
    const { p, seen } = provider({
      [`${ISSUER}/revoke`]: () => new Response(null, { status: 200 }),
    });
    await p.revokeTokens(stored);
    const revocations = seen.filter((r) => r.url === `${ISSUER}/revoke`);
    expect(revocations).toHaveLength(2);
    const forms = await Promise.all(
      revocations.map(async (r) => Object.fromEntries(new URLSearchParams(await r.text()))),
    );
    expect(forms).toEqual([
      { token: REFRESH, token_type_hint: 'refresh_token' },
      { token: ACCESS, token_type_hint: 'access_token' },
    ]);
    for (const r of revocations) expect(r.headers.get('authorization')).toMatch(/^Basic /);
  });

  it('an IdP without a revocation endpoint: nothing is sent; a refusal is a revocation_failed error', async () => {
    const { fetchImpl, seen } = stubFetch({
      [`${ISSUER}/.well-known/openid-configuration`]: () => json(discovery()),
    });
    const bare = new UpstreamOAuthProvider({
      issuer: ISSUER,
      clientId: 'our-client',
      fetch: fetchImpl,
      mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
    });
    await bare.revokeTokens(stored);
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(0);

    const { p } = provider({
      [`${ISSUER}/revoke`]: () => json({ error: 'unsupported_token_type' }, 400),
    });
    const error = await p.revokeTokens(stored).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'revocation_failed' });
    expect(String((error as Error).message)).not.toContain(REFRESH);
  });

  it('configured mode: revocationEndpoint is used, and a private address is refused at construction (SSRF)', async () => {
    const { fetchImpl, seen } = stubFetch({
      'https://github.example.com/revoke': () => new Response(null, { status: 200 }),
    });
    const configured = new UpstreamOAuthProvider({
      authorizationEndpoint: 'https://github.example.com/authorize',
      tokenEndpoint: 'https://github.example.com/token',
      userinfoEndpoint: 'https://api.github.example.com/user',
      revocationEndpoint: 'https://github.example.com/revoke',
      clientId: 'our-client',
      clientSecret: 'our-client-secret',
      fetch: fetchImpl,
      mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
    });
    await configured.revokeTokens({ accessToken: ACCESS });
    expect(seen.map((r) => r.url)).toEqual(['https://github.example.com/revoke']);
    for (const bad of [
      'http://10.0.0.1/revoke',
      'https://169.254.169.254/revoke',
      'file:///etc/passwd',
    ]) {
      expect(
        () =>
          new UpstreamOAuthProvider({
            authorizationEndpoint: 'https://github.example.com/authorize',
            tokenEndpoint: 'https://github.example.com/token',
            userinfoEndpoint: 'https://api.github.example.com/user',
            revocationEndpoint: bad,
            clientId: 'our-client',
            mapIdentity: () => ({ sub: 's', grantableScopes: [] }),
          }),
      ).toThrow(TypeError);
    }
  });
});
