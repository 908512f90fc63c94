import { describe, expect, it } from 'vitest';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { toFetchHandler } from '../../src/http/fetch.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms, CookieJar } from '../../src/testing/browser.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';
const SECRET = 'flow-test-secret-0123456789-abcdefghijkl';

const RS_SECRET = 'flow-resource-server-secret-0123456789abcdef';

function setup() {
  const store = new MemoryStore();
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: SECRET,
    store,
    introspectionSecret: RS_SECRET,
    scopesSupported: ['weather:read', 'email:send', 'users:delete'],
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [
        {
          username: 'alice',
          password: 'alice-password',
          scopes: ['weather:read', 'email:send'],
          attributes: { role: 'user' },
        },
      ],
    }),
  });
  const fetch = toFetchHandler(server);
  return { server, fetch, store };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function form(url: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
}

describe('whole flow through toFetchHandler (register → authorize → login → consent → token → refresh → revoke → introspect)', () => {
  it('discovers, registers, authorizes with PKCE, and uses the tokens', async () => {
    const { server, fetch } = setup();

    // Discovery: RFC 9728 then RFC 8414 (SECURITY-CASES 21, 22).
    const prm = await json(
      await fetch(new Request(`https://mcp.example.test/.well-known/oauth-protected-resource/mcp`)),
    );
    expect(prm.resource).toBe(RESOURCE);
    expect(prm.authorization_servers).toEqual([ISSUER]);
    const asm = await json(
      await fetch(new Request(`${ISSUER}/.well-known/oauth-authorization-server`)),
    );
    expect(asm.issuer).toBe(ISSUER);

    // RFC 7591 registration of a public client.
    const registered = await fetch(
      new Request(String(asm.registration_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Flow <Test> Client',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      }),
    );
    expect(registered.status).toBe(201);
    const client = await json(registered);
    const clientId = String(client.client_id);
    expect(client.client_secret).toBeUndefined();

    // Authorization request with PKCE S256 and RFC 8707 resource.
    const verifier = generateCodeVerifier();
    const url = new URL(String(asm.authorization_endpoint));
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      scope: 'weather:read email:send',
      state: 'st@te with spaces & symbols',
      resource: RESOURCE,
    }).toString();
    const result = await authorizeWithForms({
      fetch,
      authorizationUrl: url,
      username: 'alice',
      password: 'alice-password',
      untick: ['email:send'],
    });
    expect(result.pages).toEqual(['login', 'consent']);
    expect(result.error).toBeUndefined();
    expect(result.state).toBe('st@te with spaces & symbols');
    expect(result.iss).toBe(ISSUER);
    expect(result.code).toBeTruthy();
    // SECURITY-CASES 4: code, state and iss only.
    expect([...result.redirect.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);

    // Token request.
    const tokenResponse = await fetch(
      form(String(asm.token_endpoint), {
        grant_type: 'authorization_code',
        code: result.code!,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
        resource: RESOURCE,
      }),
    );
    expect(tokenResponse.status).toBe(200);
    expect(tokenResponse.headers.get('cache-control')).toBe('no-store');
    const tokens = await json(tokenResponse);
    expect(tokens.token_type).toBe('Bearer');
    expect(String(tokens.scope).split(' ')).toEqual(['weather:read']);
    const context = await server.tokenVerifier.verify(String(tokens.access_token));
    expect(context.userId).toBe('alice');
    expect(context.clientId).toBe(clientId);
    expect(context.scopes).toEqual(['weather:read']);
    expect(context.resource).toBe(RESOURCE);

    // Refresh (rotation).
    const refreshed = await fetch(
      form(String(asm.token_endpoint), {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: clientId,
      }),
    );
    expect(refreshed.status).toBe(200);
    const tokens2 = await json(refreshed);
    expect(tokens2.refresh_token).not.toBe(tokens.refresh_token);

    // Revoke the refresh token: the grant's access tokens become inactive.
    const revoked = await fetch(
      form(String(asm.revocation_endpoint), {
        token: String(tokens2.refresh_token),
        client_id: clientId,
      }),
    );
    expect(revoked.status).toBe(200);
    await expect(server.tokenVerifier.verify(String(tokens2.access_token))).rejects.toMatchObject({
      code: 'invalid_token',
    });

    // Introspection needs caller authentication (SECURITY-CASES 19): a confidential client.
    const confidential = await json(
      await fetch(
        new Request(String(asm.registration_endpoint), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['https://rs.example.test/cb'] }),
        }),
      ),
    );
    expect(typeof confidential.client_secret).toBe('string');
    const basic = `Basic ${btoa(`${encodeURIComponent(String(confidential.client_id))}:${encodeURIComponent(String(confidential.client_secret))}`)}`;
    const unauthenticated = await fetch(
      form(String(asm.introspection_endpoint), { token: String(tokens2.access_token) }),
    );
    expect(unauthenticated.status).toBe(401);
    // A self-registered confidential client is not a resource server (issue 12 §3).
    const selfRegistered = await fetch(
      form(
        String(asm.introspection_endpoint),
        { token: String(tokens2.access_token) },
        { authorization: basic },
      ),
    );
    expect(selfRegistered.status).toBe(401);
    expect((await json(selfRegistered)).error).toBe('invalid_client');
    const inactive = await fetch(
      form(
        String(asm.introspection_endpoint),
        { token: String(tokens2.access_token) },
        { authorization: `Bearer ${RS_SECRET}` },
      ),
    );
    expect(inactive.status).toBe(200);
    expect(await json(inactive)).toEqual({ active: false });
  });

  it('remembers consent per user + client + scopes and asks again for a wider request', async () => {
    const { fetch, server } = setup();
    const reg = await json(
      await fetch(
        new Request(`${ISSUER}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
        }),
      ),
    );
    const authorize = async (scope: string) => {
      const url = new URL(`${ISSUER}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: String(reg.client_id),
        redirect_uri: REDIRECT,
        code_challenge: await computeS256Challenge(generateCodeVerifier()),
        code_challenge_method: 'S256',
        scope,
      }).toString();
      return authorizeWithForms({
        fetch,
        authorizationUrl: url,
        username: 'alice',
        password: 'alice-password',
        jar: new CookieJar(),
      });
    };
    expect((await authorize('weather:read')).pages).toEqual(['login', 'consent']);
    const second = await authorize('weather:read');
    expect(second.pages).toEqual(['login']);
    expect(second.code).toBeTruthy();
    expect((await authorize('weather:read email:send')).pages).toEqual(['login', 'consent']);
    await server.revokeConsent('alice', String(reg.client_id));
    expect((await authorize('weather:read')).pages).toEqual(['login', 'consent']);
  });

  it('issue 11 (SEP-2350): consent offers a scope the user holds through the policy hierarchy', async () => {
    const policy = new PolicyEngine();
    policy.addToolScopePolicy('get_.*', ['mcp:tools:read']);
    policy.addToolScopePolicy('delete_.*', ['mcp:tools:admin']);
    policy.addScopeHierarchy({ 'mcp:tools:admin': ['mcp:tools:read'] });
    const server = createAuthorizationServer({
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: SECRET,
      store: new MemoryStore(),
      policy,
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'root', password: 'root-password', scopes: ['mcp:tools:admin'] }],
      }),
    });
    const fetch = toFetchHandler(server);
    const reg = await json(
      await fetch(
        new Request(`${ISSUER}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
        }),
      ),
    );
    const verifier = generateCodeVerifier();
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: String(reg.client_id),
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      scope: 'mcp:tools:read',
      resource: RESOURCE,
    }).toString();
    const result = await authorizeWithForms({
      fetch,
      authorizationUrl: url,
      username: 'root',
      password: 'root-password',
    });
    expect(result.error).toBeUndefined();
    const tokens = await json(
      await fetch(
        form(`${ISSUER}/token`, {
          grant_type: 'authorization_code',
          code: result.code!,
          redirect_uri: REDIRECT,
          client_id: String(reg.client_id),
          code_verifier: verifier,
          resource: RESOURCE,
        }),
      ),
    );
    // Granted as asked: admin implies read, so the narrower scope is grantable to this user.
    expect(tokens.scope).toBe('mcp:tools:read');
  });
});
