/**
 * Issue 12 through the authorization server's handlers: security state survives a flood of
 * disposable entries (§2), per-client / per-address caps, introspection for resource servers
 * only (§3), login throttling and per-address registration limits (§4), CSP-safe redirect
 * hosts (§5). Listed in docs/security-cases.md (AS-n).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthorizationServerOptions } from '../../src/server/authorization-server.js';
import type { HttpRequest, HttpResponse } from '../../src/http/messages.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { createLoginThrottle } from '../../src/server/identity/login-throttle.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import {
  authorizeParams,
  cookiePair,
  get,
  header,
  hiddenFields,
  ISSUER,
  makeServer,
  postForm,
  postJson,
  REDIRECT,
} from './helpers.js';

const CAROL = 'carol-correct-horse';

function carolProvider(extra: { now?: () => number; store?: MemoryStore } = {}) {
  return new DevIdentityProvider({
    iterations: 10_000,
    users: [{ username: 'carol', password: CAROL, scopes: ['read', 'write'] }],
    throttle: createLoginThrottle({
      store: extra.store ?? new MemoryStore(extra.now ? { now: extra.now } : {}),
      ...(extra.now ? { now: extra.now } : {}),
    }),
  });
}

function from(request: HttpRequest, remoteAddress: string): HttpRequest {
  return { ...request, remoteAddress };
}

type Setup = ReturnType<typeof makeServer>;

/** Runs authorize → login → consent → token for carol; returns the token response. */
async function signIn(s: Setup, remoteAddress = '198.51.100.1') {
  const { url, verifier } = await authorizeParams();
  const page = await s.server.handle(from(get(url), remoteAddress));
  expect(page.status).toBe(200);
  const cookie = cookiePair(page);
  const consent = await s.server.handle(
    from(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...hiddenFields(page.body!), username: 'carol', password: CAROL },
        { cookie },
      ),
      remoteAddress,
    ),
  );
  // A remembered consent skips the page: the login answers with the redirect directly.
  const approved =
    consent.status === 303
      ? consent
      : await s.server.handle(
          postForm(
            `${ISSUER}/authorize/consent`,
            { ...hiddenFields(consent.body!), decision: 'approve', scope_0: 'read' },
            { cookie },
          ),
        );
  expect(consent.status === 200 || consent.status === 303).toBe(true);
  const code = new URL(header(approved, 'location')!).searchParams.get('code')!;
  const token = await s.server.handle(
    postForm(`${ISSUER}/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'static-public-client',
    }),
  );
  expect(token.status).toBe(200);
  return JSON.parse(token.body!) as { access_token: string; refresh_token: string };
}

async function accepted(s: Setup, accessToken: string): Promise<boolean> {
  return s.server.tokenVerifier.verify(accessToken).then(
    () => true,
    () => false,
  );
}

function json(response: HttpResponse): Record<string, unknown> {
  return JSON.parse(response.body ?? 'null') as Record<string, unknown>;
}

function serverWith(overrides: Partial<AuthorizationServerOptions> = {}, maxEntries?: number) {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const store = new MemoryStore({ now: () => clock, ...(maxEntries ? { maxEntries } : {}) });
  const setup = makeServer({
    store,
    identityProvider: carolProvider({ now: () => clock }),
    now: () => clock,
    ...overrides,
  });
  return {
    ...setup,
    advance(ms: number) {
      clock += ms;
      setup.advance(ms);
    },
  };
}

describe('AS-1..3: a flood of unauthenticated requests never revives a revoked token (§2)', () => {
  it("AS-1: the issue's scenario: 2,000-entry store, revoke carol's refresh token, 2,100 GET /authorize → her access token is still refused", async () => {
    const s = serverWith({}, 2_000);
    const tokens = await signIn(s);
    expect(await accepted(s, tokens.access_token)).toBe(true);
    const revoked = await s.server.handle(
      postForm(`${ISSUER}/revoke`, {
        token: tokens.refresh_token,
        client_id: 'static-public-client',
      }),
    );
    expect(revoked.status).toBe(200);
    expect(await accepted(s, tokens.access_token)).toBe(false);
    for (let i = 0; i < 2_100; i++) {
      const { url } = await authorizeParams({ state: `s${i}` });
      const page = await s.server.handle(get(url));
      expect(page.status).toBe(200);
    }
    expect(await accepted(s, tokens.access_token)).toBe(false);
    const refresh = await s.server.handle(
      postForm(`${ISSUER}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'static-public-client',
      }),
    );
    expect(json(refresh).error).toBe('invalid_grant');
  }, 60_000);

  it('AS-2: when durable state fills the store, writes fail closed with 503 and nothing already stored is forgotten', async () => {
    const s = serverWith({ registration: { rateLimit: false } }, 60);
    const tokens = await signIn(s);
    await s.server.handle(
      postForm(`${ISSUER}/revoke`, {
        token: tokens.refresh_token,
        client_id: 'static-public-client',
      }),
    );
    const statuses: number[] = [];
    let last: HttpResponse | undefined;
    for (let i = 0; i < 80; i++) {
      last = await s.server.handle(
        postJson(`${ISSUER}/register`, { redirect_uris: ['https://a.example.test/cb'] }),
      );
      statuses.push(last.status);
    }
    expect(statuses).toContain(201);
    expect(statuses.at(-1)).toBe(503);
    expect(json(last!).error).toBe('temporarily_unavailable');
    expect(header(last!, 'retry-after')).toBeDefined();
    expect(await accepted(s, tokens.access_token)).toBe(false);
  });

  it('AS-3: pending interactions are capped per address and per client (429 page); X-Forwarded-For is ignored unless proxies are trusted', async () => {
    const s = serverWith({ interactionLimits: { perAddress: 3, perClient: 6 } });
    const attempt = async (address: string, headers: Record<string, string> = {}) => {
      const { url } = await authorizeParams();
      return s.server.handle(from(get(url, headers), address));
    };
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.7')).status).toBe(200);
    const capped = await attempt('203.0.113.7', { 'x-forwarded-for': `192.0.2.${9}` });
    expect(capped.status).toBe(429);
    expect(header(capped, 'retry-after')).toBeDefined();
    expect(capped.body).toContain('too_many_interactions');
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.8')).status).toBe(200);
    // The client's cap (6) is reached now, whatever the address.
    expect((await attempt('203.0.113.9')).status).toBe(429);
    s.advance(600_000); // one interaction TTL later
    expect((await attempt('203.0.113.7')).status).toBe(200);

    const proxied = serverWith({ interactionLimits: { perAddress: 1 }, trustedProxyHops: 1 });
    // Behind one trusted proxy (10.0.0.1), the caller is the entry it appended: the last one.
    // Whatever a client put before it is ignored.
    const via = async (spoofed: string, client: string) => {
      const { url } = await authorizeParams();
      return proxied.server.handle(
        from(get(url, { 'x-forwarded-for': `${spoofed}, ${client}` }), '10.0.0.1'),
      );
    };
    expect((await via('1.1.1.1', '192.0.2.1')).status).toBe(200);
    expect((await via('1.1.1.1', '192.0.2.2')).status).toBe(200);
    expect((await via('8.8.8.8', '192.0.2.1')).status).toBe(429);
  });
});

describe('AS-4: introspection through the authorization server (§3)', () => {
  it('AS-4: a self-registered confidential client → 401 invalid_client; a configured resourceServer client → 200', async () => {
    const s = serverWith({
      clients: [
        { clientId: 'static-public-client', redirectUris: [REDIRECT] },
        {
          clientId: 'mcp-resource-server',
          clientSecret: 'resource-server-secret-0123456789',
          redirectUris: ['https://rs.example.test/cb'],
          resourceServer: true,
        },
      ],
    });
    const tokens = await signIn(s);
    const registered = json(
      await s.server.handle(
        postJson(`${ISSUER}/register`, { redirect_uris: ['https://evil.example.test/cb'] }),
      ),
    );
    const basic = (id: string, secret: string) => ({
      authorization: `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`,
    });
    for (const token of [tokens.refresh_token, tokens.access_token]) {
      const refused = await s.server.handle(
        postForm(
          `${ISSUER}/introspect`,
          { token },
          basic(String(registered.client_id), String(registered.client_secret)),
        ),
      );
      expect(refused.status).toBe(401);
      expect(json(refused).error).toBe('invalid_client');
      const ok = await s.server.handle(
        postForm(
          `${ISSUER}/introspect`,
          { token },
          basic('mcp-resource-server', 'resource-server-secret-0123456789'),
        ),
      );
      expect(json(ok)).toMatchObject({ active: true, sub: 'carol' });
    }
    // The refresh token still works: introspection did not consume it.
    const refresh = await s.server.handle(
      postForm(`${ISSUER}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'static-public-client',
      }),
    );
    expect(refresh.status).toBe(200);
  });

  it('a registration cannot mark itself a resource server; a configured one needs a secret', async () => {
    const s = serverWith({ registration: { rateLimit: false } });
    const reg = json(
      await s.server.handle(
        postJson(`${ISSUER}/register`, {
          redirect_uris: ['https://x.example.test/cb'],
          resourceServer: true,
          resource_server: true,
        }),
      ),
    );
    const client = await s.server.clients.getClient(String(reg.client_id));
    expect(client?.resourceServer).toBeUndefined();
    expect(() =>
      makeServer({
        clients: [{ clientId: 'rs', redirectUris: [REDIRECT], resourceServer: true }],
      }),
    ).toThrow(TypeError);
  });
});

describe('AS-10, AS-11: password guessing (§4)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("AS-10: carol's password does not fall to 20 quick guesses over 4 authorizations: backoff per username (429), and the right password is refused while locked", async () => {
    const s = serverWith({ maxLoginAttempts: 5 });
    const outcomes: { status: number; throttled: boolean }[] = [];
    let guesses = 0;
    for (let round = 0; round < 4; round++) {
      const { url } = await authorizeParams();
      const page = await s.server.handle(from(get(url), `198.51.100.${round}`));
      const fields = hiddenFields(page.body!);
      const cookie = cookiePair(page);
      for (let i = 0; i < 5; i++) {
        guesses++;
        const password = guesses === 20 ? CAROL : `guess-${guesses}`;
        const response = await s.server.handle(
          from(
            postForm(
              `${ISSUER}/authorize/login`,
              { ...fields, username: 'carol', password },
              { cookie },
            ),
            `198.51.100.${round}`,
          ),
        );
        outcomes.push({
          status: response.status,
          throttled: response.body!.includes('too_many_requests'),
        });
      }
      s.advance(100); // 20 guesses in well under 2 s
    }
    // 5 free guesses (the 5th also ends its authorization), one more when the backoff starts,
    // then the username waits: the 20th guess, the right password, is refused unchecked.
    expect(outcomes.slice(0, 6).map((o) => o.status)).toEqual([401, 401, 401, 401, 429, 401]);
    expect(outcomes.slice(6).every((o) => o.status === 429 && o.throttled)).toBe(true);
    expect(outcomes).toHaveLength(20);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(0); // never the consent page
  });

  it('AS-10: the backoff doubles and lets one attempt through per wait; success resets it', async () => {
    let clock = 0;
    const throttle = createLoginThrottle({
      store: new MemoryStore({ now: () => clock }),
      now: () => clock,
      freeAttemptsPerUser: 2,
    });
    await throttle.attempt('carol');
    await throttle.attempt('carol');
    await throttle.attempt('carol'); // sets a 1 s lock
    await expect(throttle.attempt('carol')).rejects.toMatchObject({
      code: 'too_many_requests',
      status: 429,
    });
    clock += 1_000;
    // Concurrent claims after the wait: exactly one gets through.
    const settled = await Promise.allSettled([
      throttle.attempt('carol'),
      throttle.attempt('carol'),
    ]);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    clock += 1_000;
    await expect(throttle.attempt('carol')).rejects.toMatchObject({ status: 429 });
    await throttle.succeeded('carol');
    await throttle.attempt('carol');
  });

  it('AS-10: per address: one address guessing many usernames is throttled too; successes never charge it', async () => {
    let clock = 0;
    const throttle = createLoginThrottle({
      store: new MemoryStore({ now: () => clock }),
      now: () => clock,
      freeAttemptsPerAddress: 3,
    });
    const ctx = { remoteAddress: '203.0.113.5' };
    for (let i = 0; i < 30; i++) {
      await throttle.attempt(`user-${i}`, ctx);
      await throttle.succeeded(`user-${i}`);
    }
    for (const user of ['a', 'b', 'c', 'd']) {
      await throttle.attempt(user, ctx);
      await throttle.failed(user, ctx);
    }
    await expect(throttle.attempt('e', ctx)).rejects.toMatchObject({ status: 429 });
    await throttle.attempt('e', { remoteAddress: '203.0.113.6' });
    clock += 1_000;
    await throttle.attempt('e', ctx);
  });

  it('AS-10: 30 successful sign-ins of one user from one address are never throttled', async () => {
    const s = serverWith();
    for (let i = 0; i < 30; i++) await signIn(s, '198.51.100.7');
  });

  it('AS-11: known and unknown usernames cost the same PBKDF2 work; throttled answers do not depend on existence', async () => {
    const provider = carolProvider();
    await provider.authenticate('carol', 'warm-up'); // the constructor's own hashing is done
    const derive = vi.spyOn(crypto.subtle, 'deriveBits');
    await provider.authenticate('carol', 'wrong');
    const known = derive.mock.calls.length;
    await provider.authenticate('nobody-here', 'wrong');
    expect(derive.mock.calls.length - known).toBe(known);
    expect(known).toBe(1);

    const locked = new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'carol', password: CAROL, scopes: [] }],
      throttle: createLoginThrottle({ store: new MemoryStore(), freeAttemptsPerUser: 0 }),
    });
    await locked.authenticate('warm-up-user', 'x');
    for (const user of ['carol', 'nobody-here']) {
      await locked.authenticate(user, 'x'); // the first attempt sets the lock
      const before = derive.mock.calls.length;
      await expect(locked.authenticate(user, CAROL)).rejects.toMatchObject({ status: 429 });
      expect(derive.mock.calls.length).toBe(before);
    }
  });
});

describe('AS-15, AS-16: registration limits per caller address (§4)', () => {
  it('AS-15: one address flooding /register does not lock out another; X-Forwarded-For is not trusted by default', async () => {
    const s = serverWith({ registration: { rateLimit: { max: 3, windowSeconds: 60 } } });
    const register = (address: string, headers: Record<string, string> = {}) =>
      s.server.handle(
        from(postJson(`${ISSUER}/register`, { redirect_uris: [REDIRECT] }, headers), address),
      );
    for (let i = 0; i < 3; i++) expect((await register('203.0.113.1')).status).toBe(201);
    const flood = await register('203.0.113.1', { 'x-forwarded-for': '192.0.2.77' });
    expect(flood.status).toBe(429);
    expect(header(flood, 'retry-after')).toBeDefined();
    expect((await register('203.0.113.2')).status).toBe(201);
    // IPv6: one /64 is one caller.
    for (let i = 1; i <= 3; i++) expect((await register(`2001:db8:1:2::${i}`)).status).toBe(201);
    expect((await register('2001:db8:1:2:ffff::9')).status).toBe(429);
  });

  it('AS-16: a global cap is the last resort, and the counts are shared by instances on one store', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const store = new MemoryStore({ now: () => clock });
    const options = {
      store,
      now: () => clock,
      registration: { rateLimit: { max: 2, windowSeconds: 60, globalMax: 5 } },
    };
    const a = makeServer(options);
    const b = makeServer(options);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const server = i % 2 === 0 ? a.server : b.server;
      const response = await server.handle(
        from(postJson(`${ISSUER}/register`, { redirect_uris: [REDIRECT] }), `192.0.2.${i}`),
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    clock += 60_000;
    const later = await a.server.handle(
      from(postJson(`${ISSUER}/register`, { redirect_uris: [REDIRECT] }), '192.0.2.50'),
    );
    expect(later.status).toBe(201);
  });
});

describe('AS-7, AS-9: redirect URI hosts cannot inject CSP directives (§5)', () => {
  it('AS-7: registering https://x;sandbox/cb → 400 invalid_redirect_uri; configuring it → TypeError', async () => {
    const s = serverWith();
    for (const uri of ['https://x;sandbox/cb', 'https://x,y/cb', "https://x'none'/cb"]) {
      const response = await s.server.handle(
        postJson(`${ISSUER}/register`, { redirect_uris: [uri] }),
      );
      expect(response.status).toBe(400);
      expect(json(response).error).toBe('invalid_redirect_uri');
    }
    expect(() =>
      makeServer({ clients: [{ clientId: 'bad', redirectUris: ['https://x;sandbox/cb'] }] }),
    ).toThrow(TypeError);
  });

  it("AS-9: a client stored before the check (hostile host) gets form-action 'self' 'none', never the host", async () => {
    const s = serverWith();
    const clientId = 'legacy-client-with-bad-host-0001';
    await s.store.set(
      `as:client:${clientId}`,
      {
        clientId,
        redirectUris: ['https://x;sandbox/cb'],
        tokenEndpointAuthMethod: 'none',
        grantTypes: ['authorization_code'],
        responseTypes: ['code'],
        clientIdIssuedAt: 0,
        source: 'registration',
      },
      60_000,
    );
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'https://x;sandbox/cb',
    });
    const page = await s.server.handle(get(url));
    expect(page.status).toBe(200);
    const csp = header(page, 'content-security-policy')!;
    expect(csp).not.toContain('sandbox');
    expect(csp).toContain("form-action 'self' 'none';");
  });
});
