// Grant management (issue 16 item 4, docs/grant-management.md): list a user's grants, revoke
// one or all (access tokens refused at once, refresh refused), delete a client and everything
// it holds, the signed-in user's /grants page (session cookie, CSRF, same origin), the consent
// page's link to it, the per-user index cap, and the store-only manager the CLI uses.
import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms, CookieJar, parseForms } from '../../src/testing/browser.js';
import { registerGrant } from '../../src/tokens/grant-index.js';
import { createGrantManager } from '../../src/tokens/grants.js';
import type { AuditEventInput } from '../../src/observability/audit.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';

function setup() {
  const store = new MemoryStore();
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'grants-test-secret-0123456789-abcdefghijkl',
    store,
    scopesSupported: ['weather:read', 'email:send'],
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [
        { username: 'alice', password: 'pw-alice', scopes: ['weather:read', 'email:send'] },
        { username: 'bob', password: 'pw-bob', scopes: ['weather:read'] },
      ],
    }),
  });
  return { server, store, fetch: toFetchHandler(server) };
}

type Fetch = (request: Request) => Promise<Response>;

async function register(fetch: Fetch, name: string): Promise<string> {
  const response = await fetch(
    new Request(`${ISSUER}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    }),
  );
  expect(response.status).toBe(201);
  return String(((await response.json()) as { client_id: string }).client_id);
}

const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  new Request(`${ISSUER}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });

/** Signs `user` in for `clientId` (forms, PKCE) and redeems the code. */
async function signIn(fetch: Fetch, clientId: string, user: string, jar = new CookieJar()) {
  const verifier = generateCodeVerifier();
  const url = new URL(`${ISSUER}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    scope: 'weather:read',
    resource: RESOURCE,
    prompt: 'consent',
  }).toString();
  const result = await authorizeWithForms({
    fetch,
    authorizationUrl: url,
    username: user,
    password: `pw-${user}`,
    jar,
  });
  expect(result.code).toBeDefined();
  const token = await fetch(
    form('/token', {
      grant_type: 'authorization_code',
      code: result.code!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: clientId,
    }),
  );
  expect(token.status).toBe(200);
  const tokens = (await token.json()) as { access_token: string; refresh_token: string };
  return { ...tokens, jar, result };
}

const refresh = (fetch: Fetch, clientId: string, refreshToken: string) =>
  fetch(
    form('/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    }),
  );

async function accepted(server: ReturnType<typeof setup>['server'], token: string) {
  try {
    await server.tokenVerifier.verify(token);
    return true;
  } catch (error) {
    expect((error as { code?: string }).code).toBe('invalid_token');
    return false;
  }
}

describe('grant management: the core API', () => {
  it('lists a grant (client, scopes, resource, created, last used) and revokes it: access refused at once, refresh refused', async () => {
    const { server, fetch } = setup();
    const clientId = await register(fetch, 'Mail <Agent>');
    const alice = await signIn(fetch, clientId, 'alice');
    const [grant, ...more] = await server.grants.list('alice');
    expect(more).toEqual([]);
    expect(grant).toMatchObject({
      clientId,
      clientName: 'Mail <Agent>',
      scopes: ['weather:read'],
      resource: RESOURCE,
    });
    expect(grant!.lastUsedAt).toBeGreaterThanOrEqual(grant!.createdAt);
    expect(await server.grants.list('bob')).toEqual([]);
    // bob cannot revoke alice's grant.
    expect(await server.grants.revoke('bob', grant!.grantId)).toBe(false);
    expect(await accepted(server, alice.access_token)).toBe(true);

    expect(await server.grants.revoke('alice', grant!.grantId)).toBe(true);
    expect(await accepted(server, alice.access_token)).toBe(false);
    const refused = await refresh(fetch, clientId, alice.refresh_token);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    expect(await server.grants.list('alice')).toEqual([]);
    expect(await server.grants.revoke('alice', grant!.grantId)).toBe(false);
  });

  it('a refresh records the last use; revokeAll kills every grant of the user and only theirs', async () => {
    const { server, fetch } = setup();
    const one = await register(fetch, 'One');
    const two = await register(fetch, 'Two');
    const a1 = await signIn(fetch, one, 'alice');
    const a2 = await signIn(fetch, two, 'alice');
    const b = await signIn(fetch, one, 'bob');
    const rotated = await refresh(fetch, one, a1.refresh_token);
    expect(rotated.status).toBe(200);
    const a1b = (await rotated.json()) as { access_token: string };
    expect((await server.grants.list('alice')).map((g) => g.clientName)).toEqual(['One', 'Two']);
    expect(await server.grants.revokeAll('alice')).toBe(2);
    for (const token of [a1.access_token, a1b.access_token, a2.access_token])
      expect(await accepted(server, token)).toBe(false);
    expect(await accepted(server, b.access_token)).toBe(true);
    expect(await server.grants.list('alice')).toEqual([]);
    expect(await server.grants.revokeAll('alice')).toBe(0);
    expect((await server.grants.list('bob')).length).toBe(1);
  });

  it('revokeAll also kills a grant whose code was in flight (not yet redeemed): the code is refused; a sign-in after it lives', async () => {
    let offset = 0;
    const store = new MemoryStore();
    const server = createAuthorizationServer({
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: 'grants-test-secret-0123456789-abcdefghijkl',
      store,
      now: () => Date.now() + offset,
      scopesSupported: ['weather:read'],
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'alice', password: 'pw-alice', scopes: ['weather:read'] }],
      }),
    });
    const fetch = toFetchHandler(server);
    const clientId = await register(fetch, 'In flight');
    const live = await signIn(fetch, clientId, 'alice');
    // A second authorization: the code is issued, not yet redeemed.
    const verifier = generateCodeVerifier();
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      scope: 'weather:read',
      resource: RESOURCE,
      prompt: 'consent',
    }).toString();
    const pending = await authorizeWithForms({
      fetch,
      authorizationUrl: url,
      username: 'alice',
      password: 'pw-alice',
    });
    expect(await server.grants.revokeAll('alice')).toBe(1);
    expect(await accepted(server, live.access_token)).toBe(false);
    const redeemed = await fetch(
      form('/token', {
        grant_type: 'authorization_code',
        code: pending.code!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: clientId,
      }),
    );
    expect(redeemed.status).toBe(400);
    expect(await server.grants.list('alice')).toEqual([]);
    offset += 2000;
    const after = await signIn(fetch, clientId, 'alice');
    expect(await accepted(server, after.access_token)).toBe(true);
    expect((await refresh(fetch, clientId, after.refresh_token)).status).toBe(200);
  });

  it('deleteClient: its tokens die, its refresh tokens die, it cannot authenticate again; other clients live', async () => {
    const { server, fetch } = setup();
    const doomed = await register(fetch, 'Doomed');
    const other = await register(fetch, 'Other');
    const a = await signIn(fetch, doomed, 'alice');
    const b = await signIn(fetch, doomed, 'bob');
    const c = await signIn(fetch, other, 'alice');
    await server.grants.deleteClient(doomed);
    expect(await accepted(server, a.access_token)).toBe(false);
    expect(await accepted(server, b.access_token)).toBe(false);
    expect(await accepted(server, c.access_token)).toBe(true);
    expect((await refresh(fetch, doomed, a.refresh_token)).status).toBeGreaterThanOrEqual(400);
    expect(await server.clients.getClient(doomed)).toBeUndefined();
    expect((await server.grants.list('alice')).map((g) => g.clientName)).toEqual(['Other']);
    // bob's only grant died with the client: nothing left to revoke, as list says.
    expect(await server.grants.list('bob')).toEqual([]);
    expect(await server.grants.revokeAll('bob')).toBe(0);
  });

  it('a deleted client that comes back (configured, or a metadata document) asks for consent again, and its new grant lives', async () => {
    const store = new MemoryStore();
    // Tokens carry `iat` in whole seconds: one issued in the second of the deletion is refused
    // (on doubt, refuse), so the clock moves on before the client comes back.
    let offset = 0;
    const server = createAuthorizationServer({
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: 'grants-test-secret-0123456789-abcdefghijkl',
      store,
      now: () => Date.now() + offset,
      scopesSupported: ['weather:read'],
      clients: [{ clientId: 'static-app', redirectUris: [REDIRECT] }],
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'alice', password: 'pw-alice', scopes: ['weather:read'] }],
      }),
    });
    const fetch = toFetchHandler(server);
    const authorize = async () => {
      const verifier = generateCodeVerifier();
      const url = new URL(`${ISSUER}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'static-app',
        redirect_uri: REDIRECT,
        code_challenge: await computeS256Challenge(verifier),
        code_challenge_method: 'S256',
        scope: 'weather:read',
        resource: RESOURCE,
      }).toString();
      const result = await authorizeWithForms({
        fetch,
        authorizationUrl: url,
        username: 'alice',
        password: 'pw-alice',
      });
      const token = await fetch(
        form('/token', {
          grant_type: 'authorization_code',
          code: result.code!,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
          client_id: 'static-app',
        }),
      );
      expect(token.status).toBe(200);
      return { pages: result.pages, ...((await token.json()) as { access_token: string }) };
    };
    const first = await authorize();
    expect(first.pages).toEqual(['login', 'consent']);
    // Remembered: the second sign-in skips the consent page.
    expect((await authorize()).pages).toEqual(['login']);
    await server.grants.deleteClient('static-app');
    expect(await accepted(server, first.access_token)).toBe(false);
    offset += 2000;
    const back = await authorize();
    expect(back.pages).toEqual(['login', 'consent']);
    expect(await accepted(server, back.access_token)).toBe(true);
    expect((await server.grants.list('alice')).length).toBe(1);
  });

  it('the store-only manager (CLI) revokes across instances sharing the store', async () => {
    const { server, fetch, store } = setup();
    const clientId = await register(fetch, 'Shared');
    const alice = await signIn(fetch, clientId, 'alice');
    const events: AuditEventInput[] = [];
    const ops = createGrantManager({ store, audit: { record: (event) => events.push(event) } });
    const [grant] = await ops.list('alice');
    expect(grant?.clientId).toBe(clientId);
    expect(await ops.revoke('alice', grant!.grantId)).toBe(true);
    expect(events).toEqual([
      {
        type: 'grant.revoked',
        subject: 'alice',
        clientId,
        grantId: grant!.grantId,
        code: 'grant_management',
      },
    ]);
    expect(await accepted(server, alice.access_token)).toBe(false);
    expect((await refresh(fetch, clientId, alice.refresh_token)).status).toBe(400);
  });

  it('concurrent sign-ins of one user all enter the index (atomic addToSet); a store without sets cannot list', async () => {
    const store = new MemoryStore();
    const ctx = {
      store,
      now: Date.now,
      accessTtl: 3600,
      refreshTtl: 86_400,
      revokedGrantMs: 90_000_000,
    };
    const grant = (i: number) => ({
      grantId: `g${i}`,
      userId: 'u',
      clientId: 'c',
      scopes: [],
      resource: RESOURCE,
      approvedAt: Date.now(),
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => registerGrant(ctx, grant(i))));
    expect((await createGrantManager({ store }).list('u')).length).toBe(100);
    const plain = {
      get: store.get.bind(store),
      getMany: store.getMany.bind(store),
      set: store.set.bind(store),
      setIfAbsent: store.setIfAbsent.bind(store),
      take: store.take.bind(store),
      delete: store.delete.bind(store),
    };
    await expect(createGrantManager({ store: plain }).list('u')).rejects.toBeInstanceOf(TypeError);
  });
});

describe("grant management: the signed-in user's /grants page", () => {
  it('the consent page links to /grants; the sign-in sets a Secure HttpOnly session cookie', async () => {
    const { fetch } = setup();
    const clientId = await register(fetch, 'Linker');
    const alice = await signIn(fetch, clientId, 'alice');
    const setCookies = alice.result.responses.flatMap((r) => r.headers.getSetCookie());
    const session = setCookies.find((c) => c.startsWith('__Host-mcp-auth-session='));
    expect(session).toMatch(/; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/);
    // The consent page itself: GET /authorize → login form → POST it → the consent page.
    const jar = new CookieJar();
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(generateCodeVerifier()),
      code_challenge_method: 'S256',
      scope: 'weather:read',
      resource: RESOURCE,
      prompt: 'consent',
    }).toString();
    const login = await fetch(new Request(url));
    jar.store(login);
    const loginForm = parseForms(await login.text())[0]!;
    const fields = Object.fromEntries(loginForm.fields);
    const consent = await fetch(
      form(
        new URL(loginForm.action, url).pathname,
        { ...fields, username: 'alice', password: 'pw-alice' },
        { cookie: jar.header()! },
      ),
    );
    expect(consent.status).toBe(200);
    const consentHtml = await consent.text();
    expect(consentHtml).toContain('name="decision"');
    expect(consentHtml).toMatch(
      /<footer>[\s\S]*<a href="\/grants" target="_blank" rel="noopener">Manage what you granted<\/a><\/footer>/,
    );
  });

  it('the footer link works from the consent page: the accepted password starts the session, and the link opens beside the consent in progress', async () => {
    const { fetch } = setup();
    const clientId = await register(fetch, 'Midway');
    const jar = new CookieJar();
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(generateCodeVerifier()),
      code_challenge_method: 'S256',
      scope: 'weather:read',
      resource: RESOURCE,
    }).toString();
    const login = await fetch(new Request(url));
    jar.store(login);
    const loginForm = parseForms(await login.text())[0]!;
    const fields = Object.fromEntries(loginForm.fields);
    const post = (password: string) =>
      fetch(
        form(
          new URL(loginForm.action, url).pathname,
          { ...fields, username: 'alice', password },
          { cookie: jar.header()! },
        ),
      );
    // A wrong password starts nothing.
    const failed = await post('wrong');
    expect(failed.status).toBe(401);
    expect(failed.headers.getSetCookie().some((c) => c.includes('mcp-auth-session='))).toBe(false);
    const consent = await post('pw-alice');
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('name="decision"');
    const session = consent.headers
      .getSetCookie()
      .find((c) => c.startsWith('__Host-mcp-auth-session='));
    expect(session).toMatch(/; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/);
    // Following the link before approving: the page knows alice (no grant yet).
    const page = await fetch(
      new Request(`${ISSUER}/grants`, { headers: { cookie: session!.split(';')[0]! } }),
    );
    const html = await page.text();
    expect(html).not.toContain('Not signed in');
    expect(html).toContain('Your grants');
    expect(html).toContain('You have not allowed any application');
  });

  it('shows the grants without any token, refuses a POST without the CSRF token or from another origin, revokes with it: the token dies', async () => {
    const { server, fetch } = setup();
    const clientId = await register(fetch, 'Page <Client>');
    const alice = await signIn(fetch, clientId, 'alice');
    const cookie = alice.jar.header()!;
    expect(cookie).toContain('__Host-mcp-auth-session=');

    const anonymous = await fetch(new Request(`${ISSUER}/grants`));
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toContain('Not signed in');

    const page = await fetch(new Request(`${ISSUER}/grants`, { headers: { cookie } }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Page &#60;Client&#62;');
    expect(html).not.toContain('Page <Client>');
    expect(html).not.toContain(alice.access_token);
    expect(html).not.toContain(alice.refresh_token);
    const [grant] = await server.grants.list('alice');
    const forms = parseForms(html);
    const revokeForm = forms.find((f) => f.fields.get('grant') === grant!.grantId)!;
    expect(revokeForm).toBeDefined();
    const csrf = revokeForm.fields.get('csrf')!;

    // No CSRF token → 403; another origin → 403; bob's session cannot use alice's token.
    const noCsrf = await fetch(
      form('/grants', { action: 'revoke', grant: grant!.grantId }, { cookie }),
    );
    expect(noCsrf.status).toBe(403);
    const foreign = await fetch(
      form(
        '/grants',
        { action: 'revoke', grant: grant!.grantId, csrf },
        { cookie, origin: 'https://evil.example' },
      ),
    );
    expect(foreign.status).toBe(403);
    const noSession = await fetch(
      form('/grants', { action: 'revoke', grant: grant!.grantId, csrf }),
    );
    expect(noSession.status).toBe(200);
    expect(await accepted(server, alice.access_token)).toBe(true);

    const revoked = await fetch(
      form(
        '/grants',
        { action: 'revoke', grant: grant!.grantId, csrf },
        { cookie, origin: ISSUER },
      ),
    );
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/grants?done=revoked');
    expect(await accepted(server, alice.access_token)).toBe(false);
    const after = await fetch(
      new Request(`${ISSUER}/grants?done=revoked`, { headers: { cookie } }),
    );
    const afterHtml = await after.text();
    expect(afterHtml).toContain('Access revoked');
    expect(afterHtml).toContain('You have not allowed any application');
  });

  it('signing out ends the session everywhere: a copy of the cookie is refused afterwards', async () => {
    const { fetch } = setup();
    const clientId = await register(fetch, 'Sign out');
    const alice = await signIn(fetch, clientId, 'alice');
    const cookie = alice.jar.header()!;
    const page = await (
      await fetch(new Request(`${ISSUER}/grants`, { headers: { cookie } }))
    ).text();
    const csrf = parseForms(page)[0]!.fields.get('csrf')!;
    const out = await fetch(form('/grants', { action: 'sign_out', csrf }, { cookie }));
    expect(out.headers.getSetCookie().join()).toMatch(
      /__Host-mcp-auth-session=; Path=\/; Max-Age=0/,
    );
    // The old cookie, replayed: not a session any more.
    const replay = await fetch(new Request(`${ISSUER}/grants`, { headers: { cookie } }));
    expect(await replay.text()).toContain('Not signed in');
    const post = await fetch(form('/grants', { action: 'revoke_all', csrf }, { cookie }));
    expect(await post.text()).toContain('Not signed in');
  });

  it('a forged or tampered session cookie is not a session', async () => {
    const { fetch } = setup();
    const clientId = await register(fetch, 'Tamper');
    const alice = await signIn(fetch, clientId, 'alice');
    const value = alice.jar.get('__Host-mcp-auth-session')!;
    const [payload, sig] = value.split('.');
    const forged = `${btoa(JSON.stringify({ sub: 'bob', name: 'bob', sid: 'x', exp: 9e9 })).replace(/=+$/, '')}.${sig}`;
    for (const bad of [forged, `${payload}.${sig}x`, `${payload}`]) {
      const response = await fetch(
        new Request(`${ISSUER}/grants`, { headers: { cookie: `__Host-mcp-auth-session=${bad}` } }),
      );
      expect(await response.text()).toContain('Not signed in');
    }
  });
});
