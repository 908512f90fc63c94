import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/http/messages.js';
import type { Store } from '../../src/store/store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import {
  authorizeParams,
  cookiePair,
  cookies,
  fakeUpstream,
  get,
  header,
  hiddenFields,
  ISSUER,
  LOOPBACK_REDIRECT,
  makeServer,
  postForm,
  REDIRECT,
} from './helpers.js';

function location(response: HttpResponse): URL {
  const value = header(response, 'location');
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value);
}

async function startLogin(setup = makeServer()) {
  const { url } = await authorizeParams();
  const page = await setup.server.handle(get(url));
  expect(page.status).toBe(200);
  return { ...setup, page, fields: hiddenFields(page.body!), cookie: cookiePair(page) };
}

async function reachConsent(setup = makeServer()) {
  const s = await startLogin(setup);
  const consent = await s.server.handle(
    postForm(
      `${ISSUER}/authorize/login`,
      { ...s.fields, username: 'alice', password: 'alice-pw' },
      { cookie: s.cookie },
    ),
  );
  expect(consent.status).toBe(200);
  return { ...s, consent, consentFields: hiddenFields(consent.body!) };
}

describe('SECURITY-CASES 1: client and exact redirect URI checked before any redirect', () => {
  it('an unknown client_id gives a 400 page and no redirect', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ client_id: 'no-such-client-000000000' });
    const response = await server.handle(get(url));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
    expect(header(response, 'content-type')).toMatch(/^text\/html/);
  });

  it('issue 17: a client checking its registration (Accept: application/json) gets invalid_client as JSON, never a redirect', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ client_id: 'no-such-client-000000000' });
    const response = await server.handle(get(url, { accept: 'application/json' }));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
    expect(header(response, 'content-type')).toBe('application/json');
    expect(JSON.parse(response.body ?? '{}').error).toBe('invalid_client');
    // A browser navigation still gets the page.
    const page = await server.handle(get(url, { accept: 'text/html,application/json;q=0.9' }));
    expect(header(page, 'content-type')).toMatch(/^text\/html/);
  });

  it.each([
    ['a trailing slash', `${REDIRECT}/`],
    ['host case', 'https://APP.example.test/cb'],
    ['an added query', `${REDIRECT}?x=1`],
    ['a path segment', 'https://app.example.test/cb/../x'],
    ['a suffix', 'https://app.example.test/cb.evil.com'],
    ['another host', 'https://evil.example/cb'],
    ['a loopback path change', 'http://127.0.0.1:3000/callback2'],
    ['a loopback host change', 'http://localhost:3000/callback'],
  ])('a redirect_uri differing by %s gives a 400 page and no redirect', async (_, redirectUri) => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ redirect_uri: redirectUri });
    const response = await server.handle(get(url));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('errors before the redirect URI is trusted (e.g. bad PKCE with a bad URI) still never redirect', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({
      redirect_uri: 'https://evil.example/cb',
      code_challenge: undefined,
    });
    const response = await server.handle(get(url));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('a repeated parameter gives a 400 page, no redirect (RFC 6749 §3.1)', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams();
    const response = await server.handle(get(`${url}&client_id=static-public-client`));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('only the port of a loopback redirect URI may vary (RFC 8252 §7.3)', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ redirect_uri: 'http://127.0.0.1:49152/callback' });
    expect(LOOPBACK_REDIRECT).not.toContain('49152');
    const response = await server.handle(get(url));
    expect(response.status).toBe(200);
  });
});

describe('SECURITY-CASES 2: PKCE S256 is required', () => {
  const valid = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  it.each([
    ['a missing challenge', { code_challenge: undefined }],
    ['method plain', { code_challenge_method: 'plain', code_challenge: valid }],
    ['an absent method', { code_challenge_method: undefined, code_challenge: valid }],
    ['a 42-character challenge', { code_challenge: valid.slice(0, 42) }],
    ['a 129-character challenge', { code_challenge: 'a'.repeat(129) }],
    ['a challenge with +', { code_challenge: `${valid.slice(0, 42)}+` }],
    ['a challenge with =', { code_challenge: `${valid.slice(0, 42)}=` }],
  ])('%s → redirect with error=invalid_request, the state and iss', async (_, overrides) => {
    const { server } = makeServer();
    const { url } = await authorizeParams(overrides);
    const response = await server.handle(get(url));
    expect(response.status).toBe(302);
    const target = location(response);
    expect(target.origin + target.pathname).toBe(REDIRECT);
    expect(target.searchParams.get('error')).toBe('invalid_request');
    expect(target.searchParams.get('state')).toBe('xyz-state');
    expect(target.searchParams.get('iss')).toBe(ISSUER);
    expect(target.searchParams.has('code')).toBe(false);
  });
});

describe('SECURITY-CASES 3: only response_type=code', () => {
  it('response_type=token → unsupported_response_type', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ response_type: 'token' });
    const target = location(await server.handle(get(url)));
    expect(target.searchParams.get('error')).toBe('unsupported_response_type');
    expect(target.searchParams.get('iss')).toBe(ISSUER);
    expect(target.searchParams.get('state')).toBe('xyz-state');
  });

  it('RFC 8707: a resource other than this server’s → invalid_target', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ resource: 'https://mcp.example.test/mcp/' });
    expect(location(await server.handle(get(url))).searchParams.get('error')).toBe(
      'invalid_target',
    );
  });

  it('an unknown scope → invalid_scope', async () => {
    const { server } = makeServer();
    const { url } = await authorizeParams({ scope: 'read admin' });
    expect(location(await server.handle(get(url))).searchParams.get('error')).toBe('invalid_scope');
  });
});

describe('SECURITY-CASES 4: the success redirect', () => {
  it('carries code, the exact state and iss equal to the metadata issuer; nothing else', async () => {
    const s = await reachConsent();
    const state = 'a b&c=d/é?';
    // Start again with an unusual state to prove it is returned exactly.
    const { url } = await authorizeParams({ state });
    const page = await s.server.handle(get(url));
    const fields = hiddenFields(page.body!);
    const cookie = cookiePair(page);
    const consent = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...fields, username: 'alice', password: 'alice-pw' },
        { cookie },
      ),
    );
    const approved = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(consent.body!), decision: 'approve', scope_0: 'read' },
        { cookie },
      ),
    );
    expect(approved.status).toBe(303);
    const target = location(approved);
    expect([...target.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(target.searchParams.get('state')).toBe(state);
    expect(target.searchParams.get('iss')).toBe(s.server.metadata().issuer);
    expect(target.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('deny → redirect with error=access_denied, state and iss, no code', async () => {
    const s = await reachConsent();
    const denied = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...s.consentFields, decision: 'deny' },
        { cookie: s.cookie },
      ),
    );
    const target = location(denied);
    expect(target.searchParams.get('error')).toBe('access_denied');
    expect(target.searchParams.get('state')).toBe('xyz-state');
    expect(target.searchParams.get('iss')).toBe(ISSUER);
    expect(target.searchParams.has('code')).toBe(false);
  });

  it('a consent form submitted twice gives one code only', async () => {
    const s = await reachConsent();
    const body = { ...s.consentFields, decision: 'approve', scope_0: 'read' };
    const first = await s.server.handle(
      postForm(`${ISSUER}/authorize/consent`, body, { cookie: s.cookie }),
    );
    const second = await s.server.handle(
      postForm(`${ISSUER}/authorize/consent`, body, { cookie: s.cookie }),
    );
    expect(location(first).searchParams.has('code')).toBe(true);
    expect(second.status).toBe(400);
    expect(header(second, 'location')).toBeUndefined();
  });
});

describe('SECURITY-CASES 5: page headers', () => {
  function expectPageHeaders(response: HttpResponse) {
    expect(header(response, 'content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(header(response, 'content-security-policy')).toMatch(/default-src 'none'/);
    expect(header(response, 'x-frame-options')).toBe('DENY');
    for (const name of Object.keys(response.headers)) {
      expect(name.toLowerCase().startsWith('access-control-')).toBe(false);
    }
  }

  it('login, consent and error pages send CSP frame-ancestors none, X-Frame-Options DENY, no CORS', async () => {
    const s = await reachConsent();
    expectPageHeaders(s.page);
    expectPageHeaders(s.consent);
    const { url } = await authorizeParams({ client_id: 'unknown-client-0000000000' });
    expectPageHeaders(await s.server.handle(get(url)));
    const fresh = await startLogin(makeServer());
    const bad = await fresh.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...fresh.fields, username: 'alice', password: 'nope' },
        { cookie: fresh.cookie },
      ),
    );
    expect(bad.status).toBe(401);
    expectPageHeaders(bad);
  });

  it('the inline style carries the CSP nonce; no external assets or scripts', async () => {
    const s = await reachConsent();
    const csp = header(s.consent, 'content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(s.consent.body).toContain(`<style nonce="${nonce}">`);
    // The only URLs on the page are text: the client's redirect host and the service's URL.
    // The one <link> is the empty inline icon (data:), so the browser requests no /favicon.ico.
    const withoutIcon = s.consent.body!.replace('<link rel="icon" href="data:,">', '');
    expect(withoutIcon).not.toMatch(
      /<script|<link|src=|url\(|https?:\/\/(?!app\.example\.test|mcp\.example\.test\/mcp<)/,
    );
    expect(s.consent.body).toContain('Allow access to mcp.example.test?');
  });

  it('everything a client registered is HTML-escaped', async () => {
    const s = await reachConsent();
    expect(s.consent.body).toContain('Static &#60;b&#62;App&#60;/b&#62;');
    expect(s.consent.body).not.toContain('<b>App</b>');
  });
});

describe('SECURITY-CASES 6: CSRF and cookies', () => {
  it('a consent POST without the CSRF token → 403', async () => {
    const s = await reachConsent();
    const { csrf_token: _, ...noCsrf } = s.consentFields;
    const response = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...noCsrf, decision: 'approve' },
        { cookie: s.cookie },
      ),
    );
    expect(response.status).toBe(403);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('a login POST without the CSRF token, or with a wrong one → 403', async () => {
    const s = await startLogin();
    const { csrf_token: _, ...noCsrf } = s.fields;
    const missing = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...noCsrf, username: 'alice', password: 'alice-pw' },
        { cookie: s.cookie },
      ),
    );
    expect(missing.status).toBe(403);
    const wrong = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...s.fields, csrf_token: 'A'.repeat(43), username: 'alice', password: 'alice-pw' },
        { cookie: s.cookie },
      ),
    );
    expect(wrong.status).toBe(403);
  });

  it('a POST without the interaction cookie (cross-site or another browser) → 403', async () => {
    const s = await reachConsent();
    const response = await s.server.handle(
      postForm(`${ISSUER}/authorize/consent`, { ...s.consentFields, decision: 'approve' }),
    );
    expect(response.status).toBe(403);
  });

  it('the cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const s = await startLogin();
    const set = cookies(s.page)[0]!;
    expect(set).toMatch(/^__Host-mcp-auth-interaction-[\w-]{43}=/);
    expect(set).toMatch(/; Secure(;|$)/);
    expect(set).toMatch(/; HttpOnly(;|$)/);
    expect(set).toMatch(/; SameSite=Lax(;|$)/);
    expect(set).toMatch(/; Path=\/(;|$)/);
    expect(set).not.toMatch(/Domain=/i);
  });

  it('over http (loopback development) the cookie is neither __Host- nor Secure', async () => {
    const s = await startLogin(makeServer({ issuer: 'http://localhost:9999' }));
    const set = cookies(s.page)[0]!;
    expect(set).toMatch(/^mcp-auth-interaction-[\w-]{43}=/);
    expect(set).not.toMatch(/Secure/);
  });

  it('the cookie is signed: a forged signature → 403', async () => {
    const s = await reachConsent();
    const [name, value] = s.cookie.split('=') as [string, string];
    const [id] = value.split('.');
    const response = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...s.consentFields, decision: 'approve' },
        { cookie: `${name}=${id}.${'A'.repeat(43)}` },
      ),
    );
    expect(response.status).toBe(403);
  });

  it('the cookie is bound to its interaction and client: another interaction’s cookie → 403', async () => {
    const setup = makeServer();
    const a = await reachConsent(setup);
    const b = await startLogin(setup);
    const response = await a.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...a.consentFields, decision: 'approve' },
        { cookie: b.cookie },
      ),
    );
    expect(response.status).toBe(403);
  });

  it('login: an unknown user and a wrong password give the same answer; 5 failures end the attempt', async () => {
    const s = await startLogin();
    const attempt = (username: string) =>
      s.server.handle(
        postForm(
          `${ISSUER}/authorize/login`,
          { ...s.fields, username, password: 'wrong' },
          { cookie: s.cookie },
        ),
      );
    const unknown = await attempt('mallory');
    const wrong = await attempt('alice');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const strip = (html: string) => html.replace(/value="[^"]*"|nonce="[^"]*"/g, '');
    expect(strip(unknown.body!)).toBe(strip(wrong.body!));
    await attempt('alice');
    await attempt('alice');
    const fifth = await attempt('alice');
    expect(fifth.status).toBe(429);
    const after = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...s.fields, username: 'alice', password: 'alice-pw' },
        { cookie: s.cookie },
      ),
    );
    expect(after.status).toBe(400);
  });

  it('parallel password guesses on one authorization are capped at maxLoginAttempts', async () => {
    let checked = 0;
    const counting = {
      kind: 'local' as const,
      async authenticate() {
        checked++;
        return undefined;
      },
    };
    const s = await startLogin(makeServer({ identityProvider: counting }));
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        s.server.handle(
          postForm(
            `${ISSUER}/authorize/login`,
            { ...s.fields, username: 'alice', password: 'guess' },
            { cookie: s.cookie },
          ),
        ),
      ),
    );
    expect(checked).toBeLessThanOrEqual(5);
    expect(responses.filter((r) => r.status === 401).length).toBeLessThanOrEqual(4);
  });

  it('upstream-proxy mode: our consent page is shown for a new client before any redirect upstream', async () => {
    const upstream = fakeUpstream();
    const { server } = makeServer({ identityProvider: upstream });
    const { url } = await authorizeParams();
    const page = await server.handle(get(url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="decision" value="approve"');
    expect(upstream.started).toBe(0);
    const next = await server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(page.body!), decision: 'approve', scope_0: 'read' },
        { cookie: cookiePair(page) },
      ),
    );
    expect(upstream.started).toBe(1);
    expect(next.status).toBe(303);
    expect(location(next).origin).toBe('https://idp.example.test');
  });
});

describe('SECURITY-CASES 7: the upstream callback state', () => {
  async function toUpstream() {
    const upstream = fakeUpstream();
    const setup = makeServer({ identityProvider: upstream });
    const { url } = await authorizeParams();
    const page = await setup.server.handle(get(url));
    const cookie = cookiePair(page);
    const next = await setup.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(page.body!), decision: 'approve', scope_0: 'read' },
        { cookie },
      ),
    );
    const state = location(next).searchParams.get('state')!;
    return { ...setup, upstream, cookie, state };
  }
  const callback = (state: string | undefined) =>
    `${ISSUER}/oauth/callback?code=upstream-code${state === undefined ? '' : `&state=${encodeURIComponent(state)}`}`;

  it('the right state completes the login and redirects with a code', async () => {
    const s = await toUpstream();
    const done = await s.server.handle(get(callback(s.state), { cookie: s.cookie }));
    expect(done.status).toBe(302);
    const target = location(done);
    expect(target.origin + target.pathname).toBe(REDIRECT);
    expect(target.searchParams.get('code')).toBeTruthy();
    expect(target.searchParams.get('state')).toBe('xyz-state');
    expect(target.searchParams.get('iss')).toBe(ISSUER);
  });

  it.each([
    ['missing', (_: string) => undefined],
    ['wrong', (_: string) => 'A'.repeat(43)],
    ['malformed', (_: string) => '../../etc'],
  ])('a %s state → 400, no code', async (_, pick) => {
    const s = await toUpstream();
    const response = await s.server.handle(get(callback(pick(s.state)), { cookie: s.cookie }));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
    expect(s.upstream.completed).toBe(0);
  });

  it('a replayed state → 400, no code', async () => {
    const s = await toUpstream();
    expect((await s.server.handle(get(callback(s.state), { cookie: s.cookie }))).status).toBe(302);
    const replay = await s.server.handle(get(callback(s.state), { cookie: s.cookie }));
    expect(replay.status).toBe(400);
    expect(header(replay, 'location')).toBeUndefined();
    expect(s.upstream.completed).toBe(1);
  });

  it('an expired state → 400, no code', async () => {
    const s = await toUpstream();
    s.advance(601_000);
    const response = await s.server.handle(get(callback(s.state), { cookie: s.cookie }));
    expect(response.status).toBe(400);
    expect(s.upstream.completed).toBe(0);
  });

  it('a state from another browser (no interaction cookie) → 400, no code', async () => {
    const s = await toUpstream();
    const response = await s.server.handle(get(callback(s.state)));
    expect(response.status).toBe(400);
    expect(s.upstream.completed).toBe(0);
  });

  it('an upstream refusal goes back to the client as an error with state and iss, no code', async () => {
    const s = await toUpstream();
    const response = await s.server.handle(
      get(`${ISSUER}/oauth/callback?error=access_denied&state=${s.state}`, { cookie: s.cookie }),
    );
    const target = location(response);
    expect(target.searchParams.get('error')).toBe('access_denied');
    expect(target.searchParams.get('iss')).toBe(ISSUER);
    expect(target.searchParams.has('code')).toBe(false);
  });
});

describe('store failures fail closed (ARCHITECTURE: Store)', () => {
  function failingStore(failOn: keyof Store): Store {
    const inner = new MemoryStore();
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === failOn) return () => Promise.reject(new Error('store down'));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
  }

  it('authorize with a failing store → 503 page with Retry-After, no redirect', async () => {
    const { server } = makeServer({ store: failingStore('set') });
    const { url } = await authorizeParams();
    const response = await server.handle(get(url));
    expect(response.status).toBe(503);
    expect(header(response, 'retry-after')).toBeTruthy();
    expect(header(response, 'location')).toBeUndefined();
  });

  it('issuing the code with a failing store → 503, no code', async () => {
    const store = new MemoryStore();
    let fail = false;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          fail && prop !== 'get' && prop !== 'take'
            ? Promise.reject(new Error('store down'))
            : value.apply(target, args);
      },
    }) as Store;
    const s = await reachConsent(makeServer({ store: flaky }));
    fail = true;
    const response = await s.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...s.consentFields, decision: 'approve', scope_0: 'read' },
        { cookie: s.cookie },
      ),
    );
    expect(response.status).toBe(503);
    expect(header(response, 'location')).toBeUndefined();
  });
});

describe('registration lifetime', () => {
  it('a registration used for an authorization outlives the unused-registration TTL', async () => {
    const setup = makeServer({ registration: { unusedTtlSeconds: 60 } });
    const reg = JSON.parse(
      (
        await setup.server.handle({
          method: 'POST',
          url: new URL(`${ISSUER}/register`),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
        })
      ).body!,
    );
    const { url } = await authorizeParams({ client_id: reg.client_id });
    const page = await setup.server.handle(get(url));
    const cookie = cookiePair(page);
    const consent = await setup.server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...hiddenFields(page.body!), username: 'alice', password: 'alice-pw' },
        { cookie },
      ),
    );
    const done = await setup.server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(consent.body!), decision: 'approve', scope_0: 'read' },
        { cookie },
      ),
    );
    expect(location(done).searchParams.has('code')).toBe(true);
    setup.advance(3_600_000);
    expect(await setup.server.clients.getClient(reg.client_id)).toBeDefined();
  });
});
