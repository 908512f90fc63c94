/**
 * Issue 14: the client credentials grant and `private_key_jwt` client authentication at the
 * authorization server's endpoints, with assertions built by `jose` (the oracle). Each hostile
 * case of docs/security-cases.md ("Machine clients") is a named test here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwksKeySource, consumeAssertionJti } from '../../src/server/client-assertion.js';
import { verifyJwtAssertion } from '../../src/jwt/assertion.js';
import { createLocalKeySet } from '../../src/jwt/key-set.js';
import type { Jwk } from '../../src/jwt/keys.js';
import type { AuthorizationServerOptions } from '../../src/server/authorization-server.js';
import type { StaticClientConfig } from '../../src/server/client-registry.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { StoreFullError, type Store } from '../../src/store/store.js';
import { ISSUER, makeServer, postForm, postJson, RESOURCE } from './helpers.js';

const TOKEN = `${ISSUER}/token`;
const NOW = Math.floor(Date.parse('2030-01-01T00:00:00Z') / 1000);
const AGENT_SECRET = 'agent-secret-0123456789-abcdefghijklmn';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let publicJwk: Jwk;
let otherKeys: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  keys = await jose.generateKeyPair('ES256', { extractable: true });
  otherKeys = await jose.generateKeyPair('ES256', { extractable: true });
  publicJwk = {
    ...(await jose.exportJWK(keys.publicKey)),
    kid: 'agent-key-1',
    alg: 'ES256',
  } as Jwk;
});

function machineClients(): StaticClientConfig[] {
  return [
    {
      clientId: 'agent-basic',
      clientSecret: AGENT_SECRET,
      grantTypes: ['client_credentials'],
      scope: 'read',
    },
    {
      clientId: 'agent-post',
      clientSecret: AGENT_SECRET,
      tokenEndpointAuthMethod: 'client_secret_post',
      grantTypes: ['client_credentials'],
      scope: 'read',
    },
    {
      clientId: 'agent-jwt',
      jwks: { keys: [publicJwk] },
      grantTypes: ['client_credentials'],
      scope: 'read',
    },
    { clientId: 'static-public-client', redirectUris: ['https://app.example.test/cb'] },
  ];
}

function server(overrides: Partial<AuthorizationServerOptions> = {}) {
  return makeServer({ clients: machineClients(), ...overrides });
}

type Claims = Record<string, unknown>;

/** A client assertion signed with `key` (default: the registered one), claims overridable. */
async function assertion(
  claims: Claims = {},
  options: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string } = {},
): Promise<string> {
  const payload: Claims = {
    iss: 'agent-jwt',
    sub: 'agent-jwt',
    aud: ISSUER,
    iat: NOW,
    exp: NOW + 60,
    jti: crypto.randomUUID(),
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? 'agent-key-1' })
    .sign(options.key ?? keys.privateKey);
}

function unsecured(claims: Claims): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', kid: 'agent-key-1' })}.${enc(claims)}.`;
}

function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${id}:${secret}`)}` };
}

async function token(
  srv: ReturnType<typeof server>,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await srv.server.handle(
    postForm(TOKEN, { grant_type: 'client_credentials', ...body }, headers),
  );
  return { status: response.status, body: JSON.parse(String(response.body)) as Claims };
}

async function withAssertion(srv: ReturnType<typeof server>, jwt: string, extra = {}) {
  return token(srv, { client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra });
}

describe('client credentials grant (OAuth 2.1 §4.2)', () => {
  it('client_secret_basic: a machine token whose subject is the client, no refresh token', async () => {
    const srv = server();
    const { status, body } = await token(srv, {}, basic('agent-basic', AGENT_SECRET));
    expect(status).toBe(200);
    expect(body['refresh_token']).toBeUndefined();
    expect(body['scope']).toBe('read');
    const auth = await srv.server.tokenVerifier.verify(String(body['access_token']));
    expect(auth).toMatchObject({
      userId: 'agent-basic',
      clientId: 'agent-basic',
      principal: 'client',
    });
    expect(auth.claims['mcp_principal']).toBe('client');
    expect(auth.claims['mcp_grantable_scopes']).toEqual(['read']);
    expect(auth.resource).toBe(RESOURCE);
  });

  it('client_secret_post', async () => {
    const srv = server();
    const { status, body } = await token(srv, {
      client_id: 'agent-post',
      client_secret: AGENT_SECRET,
    });
    expect(status).toBe(200);
    expect(body['token_type']).toBe('Bearer');
  });

  it('private_key_jwt (ES256) with aud = the issuer, and with aud = the token endpoint', async () => {
    const srv = server();
    const first = await withAssertion(srv, await assertion());
    expect(first.status).toBe(200);
    const auth = await srv.server.tokenVerifier.verify(String(first.body['access_token']));
    expect(auth.principal).toBe('client');
    const second = await withAssertion(srv, await assertion({ aud: [TOKEN, 'https://other'] }));
    expect(second.status).toBe(200);
  });

  it('a client_id in the form must name the assertion subject', async () => {
    const srv = server();
    const ok = await withAssertion(srv, await assertion(), { client_id: 'agent-jwt' });
    expect(ok.status).toBe(200);
    const mismatch = await withAssertion(srv, await assertion(), { client_id: 'agent-basic' });
    expect(mismatch.status).toBe(401);
    expect(mismatch.body['error']).toBe('invalid_client');
  });

  it('the resource parameter must be this server’s resource (RFC 8707)', async () => {
    const srv = server();
    const ok = await token(srv, { resource: RESOURCE }, basic('agent-basic', AGENT_SECRET));
    expect(ok.status).toBe(200);
    const other = await token(
      srv,
      { resource: 'https://evil.example/mcp' },
      basic('agent-basic', AGENT_SECRET),
    );
    expect(other.body['error']).toBe('invalid_target');
  });

  it('several resources: the resource parameter picks one (its scopes), and is required', async () => {
    const NOTES = 'https://notes.example.test/mcp';
    const srv = server({
      resource: undefined,
      resources: [
        { url: RESOURCE, scopes: ['read', 'write'] },
        { url: NOTES, scopes: ['notes:read'] },
      ],
      clients: [
        {
          clientId: 'agent-multi',
          clientSecret: AGENT_SECRET,
          grantTypes: ['client_credentials'],
          scope: 'read notes:read',
        },
      ],
    });
    const auth = basic('agent-multi', AGENT_SECRET);
    expect((await token(srv, {}, auth)).body['error']).toBe('invalid_target');
    const notes = await token(srv, { resource: NOTES }, auth);
    expect(notes.body['scope']).toBe('notes:read');
    const verified = await srv.server
      .forResource(NOTES)
      .tokenVerifier.verify(String(notes.body['access_token']));
    expect(verified).toMatchObject({ resource: NOTES, principal: 'client' });
    // A token for one resource is refused by the other.
    await expect(
      srv.server.tokenVerifier.verify(String(notes.body['access_token'])),
    ).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('grant_types_supported lists client_credentials only when it is served', async () => {
    expect(server().server.metadata().grant_types_supported).toContain('client_credentials');
    const plain = makeServer();
    expect(plain.server.metadata().grant_types_supported).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    const refused = await plain.server.handle(
      postForm(TOKEN, { grant_type: 'client_credentials', client_id: 'static-public-client' }),
    );
    expect(JSON.parse(String(refused.body)).error).toBe('unsupported_grant_type');
  });

  it('metadata advertises private_key_jwt with asymmetric signing algorithms only', () => {
    const metadata = server().server.metadata();
    for (const name of ['token', 'revocation', 'introspection'] as const) {
      expect(metadata[`${name}_endpoint_auth_methods_supported`]).toContain('private_key_jwt');
      const algs = metadata[`${name}_endpoint_auth_signing_alg_values_supported`] as string[];
      expect(algs).toContain('ES256');
      expect(algs.some((a) => a === 'none' || a.startsWith('HS'))).toBe(false);
    }
  });

  it('private_key_jwt authenticates a resource server at the introspection endpoint', async () => {
    const srv = makeServer({
      clients: [
        ...machineClients(),
        {
          clientId: 'rs-jwt',
          jwks: { keys: [{ ...publicJwk, kid: 'rs-key' }] },
          grantTypes: ['client_credentials'],
          resourceServer: true,
        },
      ],
    });
    const issued = await token(srv, {}, basic('agent-basic', AGENT_SECRET));
    const introspect = async (jwt: string) =>
      srv.server.handle(
        postForm(`${ISSUER}/introspect`, {
          token: String(issued.body['access_token']),
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: jwt,
        }),
      );
    const rsAssertion = () => assertion({ iss: 'rs-jwt', sub: 'rs-jwt' }, { kid: 'rs-key' });
    const answer = await introspect(await rsAssertion());
    expect(answer.status).toBe(200);
    expect(JSON.parse(String(answer.body))).toMatchObject({
      active: true,
      sub: 'agent-basic',
      mcp_principal: 'client',
    });
    // A machine client that is not a resource server may not introspect.
    const other = await introspect(await assertion());
    expect(other.status).toBe(401);
  });

  it('private_key_jwt authenticates at the revocation endpoint too', async () => {
    const srv = server();
    const issued = await withAssertion(srv, await assertion());
    const accessToken = String(issued.body['access_token']);
    const revoked = await srv.server.handle(
      postForm(`${ISSUER}/revoke`, {
        token: accessToken,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await assertion(),
      }),
    );
    expect(revoked.status).toBe(200);
    await expect(srv.server.tokenVerifier.verify(accessToken)).rejects.toMatchObject({
      code: 'invalid_token',
    });
  });
});

describe('machine clients: hostile cases (docs/security-cases.md)', () => {
  async function refused(jwt: string, srv = server()) {
    const { status, body } = await withAssertion(srv, jwt);
    expect(status).toBe(401);
    expect(body['error']).toBe('invalid_client');
    // The description names the check, never the assertion.
    expect(String(body['error_description'] ?? '')).not.toContain(jwt.slice(0, 20));
    return body;
  }

  it('MC-1 wrong aud: an assertion for another audience is refused', async () => {
    await refused(await assertion({ aud: 'https://other-as.example/token' }));
    await refused(await assertion({ aud: `${ISSUER}/` }));
  });

  it('MC-2 replayed jti: the same assertion twice is refused the second time', async () => {
    const srv = server();
    const jwt = await assertion();
    expect((await withAssertion(srv, jwt)).status).toBe(200);
    const body = await refused(jwt, srv);
    expect(body['error_description']).toMatch(/already used/);
  });

  it('MC-2b an assertion without jti is refused', async () => {
    await refused(await assertion({ jti: undefined }));
  });

  it('MC-3 expired assertion (past exp + 30 s skew)', async () => {
    await refused(await assertion({ iat: NOW - 600, exp: NOW - 31 }));
    await refused(await assertion({ exp: undefined }));
  });

  it('MC-4 future iat or nbf beyond the 30 s skew', async () => {
    await refused(await assertion({ iat: NOW + 120, exp: NOW + 180 }));
    await refused(await assertion({ nbf: NOW + 120 }));
    // Within the skew it passes.
    const srv = server();
    expect((await withAssertion(srv, await assertion({ iat: NOW + 10 }))).status).toBe(200);
  });

  it('MC-5 exp too far ahead (over 5 minutes)', async () => {
    const body = await refused(await assertion({ exp: NOW + 3600 }));
    expect(body['error_description']).toMatch(/exp/);
  });

  it('MC-6 untrusted key: signed by a key the client never registered', async () => {
    await refused(await assertion({}, { key: otherKeys.privateKey }));
    await refused(await assertion({}, { key: otherKeys.privateKey, kid: 'unknown-kid' }));
  });

  it('MC-7 alg none', async () => {
    await refused(
      unsecured({ iss: 'agent-jwt', sub: 'agent-jwt', aud: ISSUER, exp: NOW + 60, jti: 'x' }),
    );
  });

  it('MC-8 alg confusion: HS256 keyed with the client public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    await refused(await assertion({}, { key: secret, alg: 'HS256' }));
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
    await refused(await assertion({}, { key: raw, alg: 'HS256' }));
  });

  it('MC-9 client mismatch: iss ≠ sub, or sub naming another client', async () => {
    await refused(await assertion({ iss: 'agent-basic' }));
    // sub names a secret client: the method is not the one it registered.
    await refused(await assertion({ iss: 'agent-basic', sub: 'agent-basic' }));
    await refused(await assertion({ sub: undefined }));
  });

  it('MC-10 scope escalation: a scope beyond the client’s is never granted', async () => {
    const srv = server();
    // Only scopes it may not hold: refused.
    const only = await token(srv, { scope: 'write' }, basic('agent-basic', AGENT_SECRET));
    expect(only.status).toBe(400);
    expect(only.body['error']).toBe('invalid_scope');
    // Asking for more than it may hold (as MCP clients do: every advertised scope): the token
    // carries only the client's own, and says so (RFC 6749 §3.3).
    const more = await token(srv, { scope: 'read write' }, basic('agent-basic', AGENT_SECRET));
    expect(more.status).toBe(200);
    expect(more.body['scope']).toBe('read');
    const auth = await srv.server.tokenVerifier.verify(String(more.body['access_token']));
    expect(auth.scopes).toEqual(['read']);
  });

  it('MC-11 anonymous registration asking for client_credentials is refused', async () => {
    const srv = server();
    const response = await srv.server.handle(
      postJson(`${ISSUER}/register`, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(String(response.body)).error).toBe('invalid_client_metadata');
  });

  it('MC-11b with allowDynamicClients, the hook decides at every token request', async () => {
    let allow = true;
    const srv = server({ clientCredentials: { allowDynamicClients: () => allow } });
    const registered = await srv.server.handle(
      postJson(`${ISSUER}/register`, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
        scope: 'read',
      }),
    );
    expect(registered.status).toBe(201);
    const client = JSON.parse(String(registered.body)) as Claims;
    expect(client['client_secret']).toBeUndefined();
    const id = String(client['client_id']);
    const jwt = () => assertion({ iss: id, sub: id });
    expect((await withAssertion(srv, await jwt())).status).toBe(200);
    allow = false;
    const denied = await withAssertion(srv, await jwt());
    expect(denied.body['error']).toBe('unauthorized_client');
  });

  it('MC-11c allowDynamicClients must be a function (TypeError at start-up)', () => {
    expect(() => server({ clientCredentials: { allowDynamicClients: true as never } })).toThrow(
      /allowDynamicClients must be a function/,
    );
  });

  it('MC-12 a public client cannot use client_credentials', async () => {
    const srv = server();
    const response = await token(srv, { client_id: 'static-public-client' });
    expect(response.body['error']).toBe('unauthorized_client');
    expect(() =>
      makeServer({ clients: [{ clientId: 'pub-machine', grantTypes: ['client_credentials'] }] }),
    ).toThrow(/confidential/);
    const registration = await srv.server.handle(
      postJson(`${ISSUER}/register`, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'none',
      }),
    );
    expect(JSON.parse(String(registration.body)).error).toBe('invalid_client_metadata');
  });

  it('MC-13 jwks_uri to a private or loopback address is refused, and never fetched', async () => {
    const srv = server({ clientCredentials: { allowDynamicClients: () => true } });
    for (const uri of [
      'https://10.0.0.1/jwks.json',
      'https://127.0.0.1/jwks.json',
      'https://169.254.169.254/latest/meta-data',
      'http://example.com/jwks.json',
      'https://intranet.local/jwks.json',
    ]) {
      const response = await srv.server.handle(
        postJson(`${ISSUER}/register`, {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: uri,
        }),
      );
      expect(response.status).toBe(400);
      expect(JSON.parse(String(response.body)).error).toBe('invalid_client_metadata');
    }
    // The key source itself refuses such a URL without calling fetch.
    const calls: string[] = [];
    const source = createJwksKeySource(
      { jwksUri: 'https://192.168.1.10/jwks.json' },
      {
        fetch: async (input) => {
          calls.push(String(input));
          return new Response('{}');
        },
      },
    );
    await expect(source.resolveKey({ alg: 'ES256' })).rejects.toMatchObject({
      code: 'ERR_JWKS_FETCH_FAILED',
    });
    expect(calls).toEqual([]);
  });

  it('MC-14 a jwks with private key material or a symmetric key is refused', async () => {
    const srv = server({ clientCredentials: { allowDynamicClients: () => true } });
    const privateJwk = await jose.exportJWK(keys.privateKey);
    for (const jwks of [
      { keys: [privateJwk] },
      { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' }] },
      { keys: [] },
    ]) {
      const response = await srv.server.handle(
        postJson(`${ISSUER}/register`, {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks,
        }),
      );
      expect(JSON.parse(String(response.body)).error).toBe('invalid_client_metadata');
    }
  });

  it('MC-15 mixing methods: Basic credentials and a client assertion → invalid_request', async () => {
    const srv = server();
    const response = await srv.server.handle(
      postForm(
        TOKEN,
        {
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: await assertion(),
        },
        basic('agent-basic', AGENT_SECRET),
      ),
    );
    expect(JSON.parse(String(response.body)).error).toBe('invalid_request');
  });

  it('MC-16 the registered signing algorithm is enforced', async () => {
    const rsa = await jose.generateKeyPair('RS256', { extractable: true });
    const rsaJwk = { ...(await jose.exportJWK(rsa.publicKey)), kid: 'rsa-1' } as Jwk;
    const srv = makeServer({
      clients: [
        {
          clientId: 'agent-jwt',
          jwks: { keys: [publicJwk, rsaJwk] },
          tokenEndpointAuthSigningAlg: 'ES256',
          grantTypes: ['client_credentials'],
        },
      ],
    });
    expect((await withAssertion(srv, await assertion())).status).toBe(200);
    await refused(await assertion({}, { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' }), srv);
  });

  it('MC-17 a full store refuses the assertion (503), never accepts it unchecked', async () => {
    const full: Store = new MemoryStore();
    const store = new Proxy(full, {
      get(target, name, receiver) {
        if (name === 'setIfAbsent') {
          return (key: string, ...rest: unknown[]) =>
            key.startsWith('as:jti:')
              ? Promise.reject(new StoreFullError())
              : (target.setIfAbsent as (...a: unknown[]) => Promise<boolean>)(key, ...rest);
        }
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const srv = server({ store, now: () => NOW * 1000 });
    const response = await withAssertion(srv, await assertion());
    expect(response.status).toBe(503);
    expect(response.body['access_token']).toBeUndefined();
  });
});

describe('the reusable pieces (for other JWT assertions such as ID-JAG)', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let fetches = 0;

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  const rules = { issuer: 'agent-jwt', subject: 'agent-jwt', audience: ISSUER };
  const now = () => NOW * 1000;

  it('createJwksKeySource fetches a loopback jwks_uri only when allowed, and caches it', async () => {
    const refusedSource = createJwksKeySource({ jwksUri: jwksUrl });
    await expect(
      verifyJwtAssertion(await assertion(), refusedSource, { ...rules, now }),
    ).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
    expect(fetches).toBe(0);
    const source = createJwksKeySource({ jwksUri: jwksUrl }, { allowInsecureLoopback: true });
    await verifyJwtAssertion(await assertion(), source, { ...rules, now });
    await verifyJwtAssertion(await assertion(), source, { ...rules, now });
    expect(fetches).toBe(1);
  });

  it('verifyJwtAssertion refuses HS* or none in its algorithm list (TypeError)', async () => {
    const set = await createLocalKeySet({ keys: [publicJwk as never] });
    await expect(
      verifyJwtAssertion(await assertion(), set, { ...rules, algorithms: ['HS256'] }),
    ).rejects.toThrow(TypeError);
  });

  it('verifyJwtAssertion checks typ when asked', async () => {
    const set = await createLocalKeySet({ keys: [publicJwk as never] });
    await expect(
      verifyJwtAssertion(await assertion(), set, { ...rules, now, typ: 'oauth-id-jag+jwt' }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'typ' });
  });

  it('consumeAssertionJti: first use true, replay false, kinds and issuers apart', async () => {
    const store = new MemoryStore();
    const input = { kind: 'id-jag', issuer: 'https://idp', jti: 'j1', expiresAt: NOW + 60 };
    const nowMs = NOW * 1000;
    expect(await consumeAssertionJti(store, { ...input, nowMs })).toBe(true);
    expect(await consumeAssertionJti(store, { ...input, nowMs })).toBe(false);
    expect(await consumeAssertionJti(store, { ...input, kind: 'client-assertion', nowMs })).toBe(
      true,
    );
    expect(await consumeAssertionJti(store, { ...input, issuer: 'https://idp2', nowMs })).toBe(
      true,
    );
  });
});

describe('a Client ID Metadata Document client with private_key_jwt (jwks_uri)', () => {
  let docs: Server;
  let base: string;
  beforeAll(async () => {
    docs = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/jwks.json') {
        res.end(JSON.stringify({ keys: [publicJwk] }));
        return;
      }
      res.end(
        JSON.stringify({
          client_id: `${base}/agent.json`,
          client_name: 'Metadata document agent',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `${base}/jwks.json`,
          grant_types: ['client_credentials'],
          scope: 'read',
        }),
      );
    });
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => docs.close(() => resolve())));

  it('authenticates with keys fetched from its jwks_uri, when the hook allows documents', async () => {
    const clientId = `${base}/agent.json`;
    const srv = server({
      clientIdMetadataDocuments: { allowInsecureLoopback: true },
      privateKeyJwt: { allowInsecureLoopback: true },
      clientCredentials: { allowDynamicClients: (c) => c.source === 'metadata-document' },
    });
    const jwt = () => assertion({ iss: clientId, sub: clientId });
    const ok = await withAssertion(srv, await jwt());
    expect(ok.status).toBe(200);
    const auth = await srv.server.tokenVerifier.verify(String(ok.body['access_token']));
    expect(auth).toMatchObject({ userId: clientId, principal: 'client', scopes: ['read'] });
    // Without the loopback allowance for keys, the same document's jwks_uri is never fetched.
    const strict = server({
      clientIdMetadataDocuments: { allowInsecureLoopback: true },
      clientCredentials: { allowDynamicClients: () => true },
    });
    const refused = await withAssertion(strict, await jwt());
    expect(refused.status).toBe(401);
  });
});
