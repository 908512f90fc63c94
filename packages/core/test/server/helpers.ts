import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import {
  type AuthorizationServerOptions,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import type { HttpRequest, HttpResponse } from '../../src/http/messages.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import type { RedirectIdentityProvider } from '../../src/server/types.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';

export const ISSUER = 'https://auth.example.test';
export const RESOURCE = 'https://mcp.example.test/mcp';
export const REDIRECT = 'https://app.example.test/cb';
export const LOOPBACK_REDIRECT = 'http://127.0.0.1:3000/callback';
export const SECRET = 'server-test-secret-0123456789-abcdefghij';

export const users = () =>
  new DevIdentityProvider({
    iterations: 10_000,
    users: [
      {
        username: 'alice',
        password: 'alice-pw',
        scopes: ['read', 'write'],
        attributes: { role: 'user' },
      },
    ],
  });

export function makeServer(overrides: Partial<AuthorizationServerOptions> = {}) {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const store = (overrides.store as Store | undefined) ?? new MemoryStore({ now: () => clock });
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: SECRET,
    store,
    scopesSupported: ['read', 'write'],
    identityProvider: users(),
    clients: [
      {
        clientId: 'static-public-client',
        redirectUris: [REDIRECT, LOOPBACK_REDIRECT],
        clientName: 'Static <b>App</b>',
      },
    ],
    upstreamEncryptionKey: 'test-upstream-encryption-key-0123456789abcdef',
    now: () => clock,
    ...overrides,
  });
  return {
    server,
    store,
    advance(ms: number) {
      clock += ms;
    },
  };
}

export function get(url: string, headers: Record<string, string> = {}): HttpRequest {
  return { method: 'GET', url: new URL(url), headers };
}

export function postForm(
  url: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): HttpRequest {
  return {
    method: 'POST',
    url: new URL(url),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  };
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): HttpRequest {
  return {
    method: 'POST',
    url: new URL(url),
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export async function authorizeParams(overrides: Record<string, string | undefined> = {}) {
  const verifier = generateCodeVerifier();
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'static-public-client',
    redirect_uri: REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    state: 'xyz-state',
    scope: 'read',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  return { verifier, query, url: `${ISSUER}/authorize?${query}` };
}

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join('\n') : (value as string | undefined);
}

export function cookies(response: HttpResponse): string[] {
  const value = response.headers['set-cookie'];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The hidden fields of the first form of a page. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** `name=value` of the interaction cookie from a Set-Cookie list. */
export function cookiePair(response: HttpResponse): string {
  return cookies(response)[0]!.split(';', 1)[0]!;
}

/** A redirect identity provider double: records calls, answers from a fixed identity. */
export function fakeUpstream(): RedirectIdentityProvider & { started: number; completed: number } {
  const provider = {
    kind: 'redirect' as const,
    started: 0,
    completed: 0,
    async startLogin(input: { state: string; redirectUri: string; scopes: readonly string[] }) {
      provider.started++;
      const url = new URL('https://idp.example.test/authorize');
      url.searchParams.set('state', input.state);
      url.searchParams.set('redirect_uri', input.redirectUri);
      return { url, data: { verifier: 'upstream-pkce' } };
    },
    async completeLogin(input: { params: URLSearchParams; data: unknown }) {
      provider.completed++;
      if (input.params.get('code') !== 'upstream-code') throw new Error('upstream refused');
      return {
        identity: { sub: 'upstream-user', attributes: {}, grantableScopes: ['read'] },
        upstreamTokens: { accessToken: 'upstream-access' },
      };
    },
  };
  return provider;
}
