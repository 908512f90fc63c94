// Several protected resources behind one issuer (`resources`): options, the RFC 8707 `resource`
// picking the audience, scopes per resource, PRM per resource, consent naming and remembering
// per resource, refresh keeping its audience, and each resource's verifier refusing the others.
import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import {
  type AuthorizationServerOptions,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms, CookieJar, parseForms } from '../../src/testing/browser.js';

const ISSUER = 'https://auth.example.test';
const NOTES = 'https://notes.example.test/mcp';
const TASKS = 'https://tasks.example.test/mcp';
const LOCAL = 'https://auth.example.test/local/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';
const SECRET = 'multi-resource-secret-0123456789-abcdefgh';

function options(overrides: Partial<AuthorizationServerOptions> = {}): AuthorizationServerOptions {
  return {
    issuer: ISSUER,
    signingKey: SECRET,
    store: new MemoryStore(),
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [
        {
          username: 'alice',
          password: 'alice-password',
          scopes: ['notes:read', 'notes:write', 'tasks:read'],
        },
      ],
    }),
    clients: [{ clientId: 'cli', redirectUris: [REDIRECT], clientName: 'The CLI' }],
    resources: [
      { url: NOTES, scopes: ['notes:read', 'notes:write'], name: 'Notes service' },
      {
        url: TASKS,
        scopes: ['tasks:read', 'tasks:write'],
        name: 'Tasks service',
        documentation: 'https://tasks.example.test/docs',
      },
    ],
    ...overrides,
  };
}

function setup(overrides: Partial<AuthorizationServerOptions> = {}) {
  const server = createAuthorizationServer(options(overrides));
  return { server, fetch: toFetchHandler(server) };
}

async function authorizeUrl(params: Record<string, string | undefined>) {
  const verifier = generateCodeVerifier();
  const query = new URLSearchParams();
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'cli',
    redirect_uri: REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    state: 's',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v);
  return { verifier, url: `${ISSUER}/authorize?${query}` };
}

async function authorizeFor(
  fetch: (r: Request) => Promise<Response>,
  resource: string | undefined,
  scope: string,
  jar?: CookieJar,
) {
  const { verifier, url } = await authorizeUrl({ resource, scope });
  const result = await authorizeWithForms({
    fetch,
    authorizationUrl: url,
    username: 'alice',
    password: 'alice-password',
    ...(jar ? { jar } : {}),
  });
  return { ...result, verifier };
}

async function token(fetch: (r: Request) => Promise<Response>, body: Record<string, string>) {
  const response = await fetch(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'cli', ...body }).toString(),
    }),
  );
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

async function tokensFor(
  fetch: (r: Request) => Promise<Response>,
  resource: string,
  scope: string,
) {
  const { code, verifier } = await authorizeFor(fetch, resource, scope);
  expect(code).toBeDefined();
  const { status, json } = await token(fetch, {
    grant_type: 'authorization_code',
    code: code!,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    resource,
  });
  expect(status).toBe(200);
  return json;
}

describe('resources: options (TypeError when misconfigured)', () => {
  it.each([
    ['both resource and resources', { resource: NOTES }, /either resource or resources/],
    ['neither', { resources: undefined }, /resource is required/],
    ['an empty list', { resources: [] }, /at least one/],
    ['a duplicate URL', { resources: [{ url: NOTES }, { url: NOTES }] }, /listed twice/],
    ['a remote http URL', { resources: [{ url: 'http://notes.example.test/mcp' }] }, /https/],
    ['a fragment', { resources: [{ url: `${NOTES}#x` }] }, /fragment/],
    ['a missing url', { resources: [{} as never] }, /resources\[0\]\.url/],
    [
      'an entry that is no object',
      { resources: ['https://a.example.test/mcp' as never] },
      /object/,
    ],
    [
      'a policy without scopesSupported',
      { resources: [{ url: NOTES, policy: {} as never }] },
      /scopesSupported/,
    ],
    ['a malformed scope', { resources: [{ url: NOTES, scopes: ['a b'] }] }, /scopes/],
    ['resourceName next to resources', { resourceName: 'x' }, /resources\[\]\.name/],
  ])('%s → TypeError', (_, overrides, message) => {
    expect(() =>
      createAuthorizationServer(options(overrides as Partial<AuthorizationServerOptions>)),
    ).toThrow(message);
  });

  it('resource stays the one-resource shorthand: resources lists it, forResource(it) is the server', () => {
    const server = createAuthorizationServer(options({ resources: undefined, resource: NOTES }));
    expect(server.resources).toEqual([NOTES]);
    expect(server.resource).toBe(NOTES);
    expect(server.forResource(NOTES)).toBe(server);
  });

  it('forResource: the first resource is the server itself, another gets its own URLs and metadata; an unknown URL → TypeError', () => {
    const { server } = setup();
    expect(server.resources).toEqual([NOTES, TASKS]);
    expect(server.resource).toBe(NOTES);
    expect(server.forResource(NOTES)).toBe(server);
    const tasks = server.forResource(TASKS);
    expect(tasks.resource).toBe(TASKS);
    expect(tasks.resourceMetadataUrl).toBe(
      'https://tasks.example.test/.well-known/oauth-protected-resource/mcp',
    );
    expect(tasks.protectedResourceMetadata()).toMatchObject({
      resource: TASKS,
      authorization_servers: [ISSUER],
      scopes_supported: ['tasks:read', 'tasks:write'],
      resource_name: 'Tasks service',
      resource_documentation: 'https://tasks.example.test/docs',
    });
    expect(tasks.routes).toBe(server.routes);
    expect(() => server.forResource('https://other.example.test/mcp')).toThrow(TypeError);
    expect(() => server.forResource(`${TASKS}/`)).toThrow(/not one of this server's resources/);
  });
});

describe('resources: metadata', () => {
  it('RFC 8414 scopes_supported is every resource’s scopes; RFC 9728 metadata is served per resource at its path', async () => {
    const { fetch } = setup({
      resources: [
        { url: NOTES, scopes: ['notes:read'] },
        { url: LOCAL, scopes: ['local:read'], name: 'Local' },
      ],
    });
    const asm = (await (
      await fetch(new Request(`${ISSUER}/.well-known/oauth-authorization-server`))
    ).json()) as Record<string, unknown>;
    expect(asm['scopes_supported']).toEqual(['notes:read', 'local:read']);
    const notes = await fetch(
      new Request('https://notes.example.test/.well-known/oauth-protected-resource/mcp'),
    );
    expect(await notes.json()).toMatchObject({ resource: NOTES, scopes_supported: ['notes:read'] });
    const local = await fetch(
      new Request(`${ISSUER}/.well-known/oauth-protected-resource/local/mcp`),
    );
    expect(await local.json()).toMatchObject({
      resource: LOCAL,
      scopes_supported: ['local:read'],
      resource_name: 'Local',
    });
    // No bare well-known document: it could only name one of several resources.
    expect(
      (await fetch(new Request(`${ISSUER}/.well-known/oauth-protected-resource`))).status,
    ).toBe(404);
  });

  it('two resources with the same path on two hosts: the issuer-origin one is served there', async () => {
    const { fetch, server } = setup({
      resources: [{ url: NOTES }, { url: 'https://auth.example.test/mcp', name: 'Here' }],
    });
    const res = await fetch(new Request(`${ISSUER}/.well-known/oauth-protected-resource/mcp`));
    expect(((await res.json()) as { resource: string }).resource).toBe(
      'https://auth.example.test/mcp',
    );
    // The other one's resource server serves its own document.
    expect(server.forResource(NOTES).protectedResourceMetadata().resource).toBe(NOTES);
  });
});

describe('resources: the RFC 8707 resource parameter picks the audience', () => {
  it('hostile: no resource with several configured → invalid_target to the client; no login page', async () => {
    const { fetch } = setup();
    const { url } = await authorizeUrl({ scope: 'notes:read' });
    const res = await fetch(new Request(url, { redirect: 'manual' }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('iss')).toBe(ISSUER);
  });

  it.each([
    ['an unknown resource', 'https://evil.example.test/mcp'],
    ['a configured one with a trailing slash', `${NOTES}/`],
    ['the issuer itself', ISSUER],
  ])('hostile: %s → invalid_target', async (_, resource) => {
    const { fetch } = setup();
    const { url } = await authorizeUrl({ resource, scope: 'notes:read' });
    const res = await fetch(new Request(url, { redirect: 'manual' }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
  });

  it('hostile: a scope of another resource → invalid_scope (scopes are checked against the named resource)', async () => {
    const { fetch } = setup();
    const { url } = await authorizeUrl({ resource: TASKS, scope: 'notes:read' });
    const res = await fetch(new Request(url, { redirect: 'manual' }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('without scope, only the named resource’s scopes are offered', async () => {
    const { fetch } = setup();
    const result = await authorizeFor(fetch, TASKS, '');
    expect(result.code).toBeDefined();
    const { json } = await token(fetch, {
      grant_type: 'authorization_code',
      code: result.code!,
      code_verifier: result.verifier,
      redirect_uri: REDIRECT,
    });
    // alice may hold tasks:read only; notes scopes were never offered for tasks.
    expect(json['scope']).toBe('tasks:read');
    expect(claims(json['access_token']!)['aud']).toBe(TASKS);
  });

  it('hostile: a server-wide defaultScopes never hands one resource another resource’s scope', async () => {
    const { fetch } = setup({ defaultScopes: ['notes:read', 'tasks:read'] });
    const result = await authorizeFor(fetch, TASKS, '');
    const { json } = await token(fetch, {
      grant_type: 'authorization_code',
      code: result.code!,
      code_verifier: result.verifier,
      redirect_uri: REDIRECT,
    });
    expect(json['scope']).toBe('tasks:read');
  });

  it('the token’s aud is the named resource; that resource’s verifier accepts it, the other’s refuses it', async () => {
    const { fetch, server } = setup();
    const notes = await tokensFor(fetch, NOTES, 'notes:read notes:write');
    const tasks = await tokensFor(fetch, TASKS, 'tasks:read');
    expect(claims(notes['access_token']!)['aud']).toBe(NOTES);
    expect(claims(tasks['access_token']!)['aud']).toBe(TASKS);
    expect(notes['scope']).toBe('notes:read notes:write');

    const notesVerifier = server.forResource(NOTES).tokenVerifier;
    const tasksVerifier = server.forResource(TASKS).tokenVerifier;
    expect((await notesVerifier.verify(notes['access_token']!)).resource).toBe(NOTES);
    expect((await tasksVerifier.verify(tasks['access_token']!)).resource).toBe(TASKS);
    await expect(tasksVerifier.verify(notes['access_token']!)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    await expect(notesVerifier.verify(tasks['access_token']!)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    await expect(server.tokenVerifier.verify(tasks['access_token']!)).rejects.toMatchObject({
      code: 'invalid_token',
    });
  });

  it('hostile: a code issued for one resource redeemed for another → invalid_target', async () => {
    const { fetch } = setup();
    const { code, verifier } = await authorizeFor(fetch, NOTES, 'notes:read');
    const { status, json } = await token(fetch, {
      grant_type: 'authorization_code',
      code: code!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      resource: TASKS,
    });
    expect(status).toBe(400);
    expect(json['error']).toBe('invalid_target');
    expect(json['access_token']).toBeUndefined();
  });

  it('refresh keeps the audience; hostile: a refresh for another resource → invalid_target', async () => {
    const { fetch } = setup();
    const notes = await tokensFor(fetch, NOTES, 'notes:read');
    const refused = await token(fetch, {
      grant_type: 'refresh_token',
      refresh_token: notes['refresh_token']!,
      resource: TASKS,
    });
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toBe('invalid_target');
    expect(refused.json['access_token']).toBeUndefined();
    const kept = await token(fetch, {
      grant_type: 'refresh_token',
      refresh_token: notes['refresh_token']!,
    });
    expect(kept.status).toBe(200);
    expect(claims(kept.json['access_token']!)['aud']).toBe(NOTES);
  });
});

describe('resources: consent', () => {
  it('the login and consent pages name the resource asked for (its name and URL)', async () => {
    const { fetch } = setup();
    const jar = new CookieJar();
    const { url } = await authorizeUrl({ resource: TASKS, scope: 'tasks:read' });
    const first = await fetch(new Request(url));
    jar.store(first);
    const login = await first.text();
    expect(login).toContain('Tasks service');
    expect(login).not.toContain('Notes service');
    const form = parseForms(login)[0]!;
    const fields = new URLSearchParams([...form.fields]);
    fields.set('username', 'alice');
    fields.set(form.passwordFields[0]!, 'alice-password');
    const consent = await fetch(
      new Request(new URL(form.action, ISSUER), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: jar.header() ?? '',
        },
        body: fields.toString(),
      }),
    );
    const consentHtml = await consent.text();
    expect(parseForms(consentHtml)[0]!.buttons.some((b) => b.name === 'decision')).toBe(true);
    expect(consentHtml).toContain('Tasks service');
    expect(consentHtml).toContain('tasks.example.test');
    expect(consentHtml).not.toContain('Notes service');
  });

  it('remembered consent is per resource: approving notes does not approve tasks', async () => {
    const { fetch, server } = setup();
    const jar = new CookieJar();
    expect((await authorizeFor(fetch, NOTES, 'notes:read', jar)).pages).toEqual([
      'login',
      'consent',
    ]);
    // Same client, same user, same resource: remembered.
    expect((await authorizeFor(fetch, NOTES, 'notes:read', jar)).pages).toEqual(['login']);
    // Another resource behind the same issuer: asked again.
    const tasks = await authorizeFor(fetch, TASKS, 'tasks:read', jar);
    expect(tasks.pages).toEqual(['login', 'consent']);
    expect(tasks.code).toBeDefined();
    // revokeConsent forgets every resource's approval.
    await server.revokeConsent('alice', 'cli');
    expect((await authorizeFor(fetch, NOTES, 'notes:read', jar)).pages).toEqual([
      'login',
      'consent',
    ]);
    expect((await authorizeFor(fetch, TASKS, 'tasks:read', jar)).pages).toEqual([
      'login',
      'consent',
    ]);
  });
});
