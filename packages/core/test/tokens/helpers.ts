import { createSecretKey } from '../../src/jwt/index.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { sha256Base64Url } from '../../src/runtime/sha256.js';
import type { HttpRequest, HttpResponse } from '../../src/http/messages.js';
import { handleIntrospectionRequest } from '../../src/server/introspection-endpoint.js';
import { handleRevocationRequest } from '../../src/server/revocation-endpoint.js';
import { handleTokenRequest } from '../../src/server/token-endpoint.js';
import type { ClientRecord, ClientRegistry } from '../../src/server/types.js';
import type { Identity } from '../../src/domain/identity.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store, StoreValue, StoreWriteOptions } from '../../src/store/store.js';
import { createTokenService } from '../../src/tokens/token-service.js';
import type { TokenService, TokenServiceOptions } from '../../src/tokens/types.js';

export const ISSUER = 'https://as.example.test';
export const RESOURCE = 'https://mcp.example.test/mcp';
export const REDIRECT = 'https://app.example.test/cb';
export const SECRET = 'conf-secret-0123456789-abcdefghijklmnop';
export const RS_SECRET = 'rs-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const HMAC_SECRET = 'hmac-secret-for-tests-0123456789-abcdefghijklmnop';

export const identity: Identity = {
  sub: 'user-1',
  attributes: { role: 'admin', sub: 'evil', scope: 'mcp:tools:*', aud: 'https://evil.test' },
  grantableScopes: ['mcp:tools:get_weather', 'mcp:tools:send_email', 'profile'],
};

export const SCOPES = ['mcp:tools:get_weather', 'mcp:tools:send_email', 'profile'];

function client(
  clientId: string,
  method: ClientRecord['tokenEndpointAuthMethod'],
  secretHash?: string,
  grantTypes = ['authorization_code', 'refresh_token'],
): ClientRecord {
  return {
    clientId,
    ...(secretHash === undefined ? {} : { clientSecretHash: secretHash }),
    redirectUris: [REDIRECT],
    tokenEndpointAuthMethod: method,
    grantTypes,
    responseTypes: ['code'],
    clientIdIssuedAt: 1_700_000_000,
    source: 'static',
  };
}

/**
 * An in-memory client registry: public `pub`, `pub2`, confidential `conf` (basic), `post`,
 * and `rs`, a confidential client configured as a resource server (may introspect).
 */
export async function createClients(): Promise<
  ClientRegistry & { records: Map<string, ClientRecord> }
> {
  const hash = await sha256Base64Url(SECRET);
  const records = new Map<string, ClientRecord>([
    ['pub', client('pub', 'none')],
    ['pub2', client('pub2', 'none')],
    ['pub-no-refresh', client('pub-no-refresh', 'none', undefined, ['authorization_code'])],
    ['conf', client('conf', 'client_secret_basic', hash)],
    ['post', client('post', 'client_secret_post', hash)],
    ['rs', { ...client('rs', 'client_secret_basic', hash), resourceServer: true }],
  ]);
  return { records, getClient: async (id) => records.get(id) };
}

export interface Setup {
  store: Store;
  tokens: TokenService;
  clients: ClientRegistry;
  token(body: Record<string, string>, headers?: Record<string, string>): Promise<HttpResponse>;
  revoke(body: Record<string, string>, headers?: Record<string, string>): Promise<HttpResponse>;
  introspect(token: string): Promise<HttpResponse>;
  /** Issues a code for `clientId` and returns it with its verifier. */
  code(clientId?: string, scopes?: readonly string[]): Promise<{ code: string; verifier: string }>;
  /** Issues a code and redeems it at the token endpoint; returns the 200 body. */
  grant(clientId?: string): Promise<TokenBody>;
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export function formRequest(
  body: Record<string, string>,
  headers: Record<string, string> = {},
  url = `${ISSUER}/token`,
): HttpRequest {
  return {
    method: 'POST',
    url: new URL(url),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  };
}

export function basic(id: string, secret: string): Record<string, string> {
  const enc = (s: string) => encodeURIComponent(s);
  return { authorization: `Basic ${btoa(`${enc(id)}:${enc(secret)}`)}` };
}

export function json(response: HttpResponse): Record<string, unknown> {
  return JSON.parse(response.body ?? 'null') as Record<string, unknown>;
}

export async function createSetup(overrides: Partial<TokenServiceOptions> = {}): Promise<Setup> {
  const store = overrides.store ?? new MemoryStore(overrides.now ? { now: overrides.now } : {});
  const tokens = createTokenService({
    store,
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: await createSecretKey(HMAC_SECRET),
    ...overrides,
  });
  const clients = await createClients();
  const setup: Setup = {
    store,
    tokens,
    clients,
    token: (body, headers) => handleTokenRequest(formRequest(body, headers), { tokens, clients }),
    revoke: (body, headers) =>
      handleRevocationRequest(formRequest(body, headers, `${ISSUER}/revoke`), { tokens, clients }),
    introspect: (token) =>
      handleIntrospectionRequest(
        formRequest({ token }, { authorization: `Bearer ${RS_SECRET}` }, `${ISSUER}/introspect`),
        { tokens, clients, resourceServerSecret: RS_SECRET },
      ),
    async code(clientId = 'pub', scopes = SCOPES) {
      const verifier = generateCodeVerifier();
      const code = await tokens.issueAuthorizationCode({
        clientId,
        redirectUri: REDIRECT,
        codeChallenge: await computeS256Challenge(verifier),
        codeChallengeMethod: 'S256',
        scopes,
        resource: RESOURCE,
        identity,
      });
      return { code, verifier };
    },
    async grant(clientId = 'pub') {
      const { code, verifier } = await setup.code(clientId);
      const auth = clientId === 'conf' ? basic('conf', SECRET) : {};
      const response = await setup.token(
        {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          ...(clientId === 'conf' ? {} : { client_id: clientId }),
        },
        auth,
      );
      if (response.status !== 200) throw new Error(`grant failed with ${response.status}`);
      return json(response) as unknown as TokenBody;
    },
  };
  return setup;
}

/** A store whose every operation waits a random few milliseconds, like a network store. */
export function withLatency(inner: Store, maxMs = 5): Store {
  const wait = () => new Promise<void>((r) => setTimeout(r, Math.random() * maxMs));
  const delayed =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await wait();
      const result = await fn(...args);
      await wait();
      return result;
    };
  return {
    get: delayed((k: string) => inner.get(k)),
    getMany: delayed((k: readonly string[]) => inner.getMany(k)),
    set: delayed((k: string, v: StoreValue, t: number, o?: StoreWriteOptions) =>
      inner.set(k, v, t, o),
    ),
    setIfAbsent: delayed((k: string, v: StoreValue, t: number, o?: StoreWriteOptions) =>
      inner.setIfAbsent(k, v, t, o),
    ),
    take: delayed((k: string) => inner.take(k)),
    delete: delayed((k: string) => inner.delete(k)),
  } as Store;
}

/** A store that rejects the operations named in `failing` while `broken.on` is true. */
export function breakable(
  inner: Store,
  failing: ReadonlyArray<keyof Store>,
): { store: Store; broken: { on: boolean } } {
  const broken = { on: false };
  const guard =
    <A extends unknown[], R>(name: keyof Store, fn: (...a: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      broken.on && failing.includes(name) ? Promise.reject(new Error('store down')) : fn(...args);
  const store = {
    get: guard('get', (k: string) => inner.get(k)),
    getMany: guard('getMany', (k: readonly string[]) => inner.getMany(k)),
    set: guard('set', (k: string, v: Parameters<Store['set']>[1], t: number) => inner.set(k, v, t)),
    setIfAbsent: guard('setIfAbsent', (k: string, v: Parameters<Store['set']>[1], t: number) =>
      inner.setIfAbsent(k, v, t),
    ),
    take: guard('take', (k: string) => inner.take(k)),
    delete: guard('delete', (k: string) => inner.delete(k)),
  } as Store;
  return { store, broken };
}
