import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { fromFetchRequest, toFetchHandler } from '../../src/http/fetch.js';
import { checkOutboundUrl, ipClass } from '../../src/net/host.js';
import {
  authorizeParams,
  get,
  header,
  ISSUER,
  makeServer,
  postForm,
  postJson,
  RESOURCE,
  SECRET,
  users,
} from './helpers.js';

const register = (body: unknown) => postJson(`${ISSUER}/register`, body);

describe('SECURITY-CASES 20: registration validation', () => {
  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a fragment', 'https://app.example.test/cb#frag'],
    ['non-loopback http:', 'http://app.example.test/cb'],
    ['a wildcard', 'https://*.example.test/cb'],
    ['a relative URI', '/cb'],
    ['file:', 'file:///etc/passwd'],
    ['user information', 'https://user:pw@app.example.test/cb'],
    ['dot segments', 'https://app.example.test/a/../cb'],
  ])('redirect_uris holding %s → 400 invalid_redirect_uri', async (_, uri) => {
    const { server } = makeServer();
    const response = await server.handle(
      register({ redirect_uris: ['https://ok.example.test/cb', uri] }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body!).error).toBe('invalid_redirect_uri');
  });

  it('missing redirect_uris → 400 invalid_redirect_uri', async () => {
    const { server } = makeServer();
    const response = await server.handle(register({ client_name: 'x' }));
    expect(JSON.parse(response.body!).error).toBe('invalid_redirect_uri');
  });

  it('unsupported grant types or auth methods → 400 invalid_client_metadata', async () => {
    const { server } = makeServer();
    for (const extra of [
      { grant_types: ['implicit'] },
      { grant_types: ['authorization_code', 'password'] },
      { token_endpoint_auth_method: 'private_key_jwt' },
      { response_types: ['token'] },
    ]) {
      const response = await server.handle(
        register({ redirect_uris: ['https://a.example.test/cb'], ...extra }),
      );
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body!).error).toBe('invalid_client_metadata');
    }
  });

  it('loopback http, https and private-use schemes are accepted (RFC 8252 §7)', async () => {
    const { server } = makeServer();
    const response = await server.handle(
      register({
        redirect_uris: [
          'http://127.0.0.1/cb',
          'http://localhost:33418',
          'https://a.example.test/cb',
          'com.example.app:/oauth',
        ],
        token_endpoint_auth_method: 'none',
      }),
    );
    expect(response.status).toBe(201);
  });

  it('a body over 64 KiB → 413', async () => {
    const { server } = makeServer();
    const response = await server.handle(
      register({ redirect_uris: ['https://a.example.test/cb'], client_name: 'x'.repeat(70_000) }),
    );
    expect(response.status).toBe(413);
  });

  it('a flood of registrations → 429 with Retry-After', async () => {
    const { server } = makeServer({ registration: { rateLimit: { max: 5, windowSeconds: 60 } } });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof server.handle>> | undefined;
    for (let i = 0; i < 8; i++) {
      last = await server.handle(register({ redirect_uris: ['https://a.example.test/cb'] }));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect(JSON.parse(last!.body!).error).toBe('too_many_requests');
    expect(Number(header(last!, 'retry-after'))).toBeGreaterThan(0);
  });

  it('a confidential client gets a secret that is stored only as a hash', async () => {
    const { server, store } = makeServer();
    const response = await server.handle(
      register({ redirect_uris: ['https://a.example.test/cb'], client_name: 'C' }),
    );
    expect(response.status).toBe(201);
    expect(header(response, 'cache-control')).toBe('no-store');
    const body = JSON.parse(response.body!);
    expect(body.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(body.client_secret.length).toBeGreaterThanOrEqual(43);
    const stored = JSON.stringify(await store.get(`as:client:${body.client_id}`));
    expect(stored).not.toContain(body.client_secret);
    expect(stored).toContain('clientSecretHash');
  });

  it('the onRegister hook can refuse (403 access_denied) and sees the metadata', async () => {
    const seen: string[] = [];
    const { server } = makeServer({
      registration: {
        onRegister: (metadata) => {
          seen.push(metadata.clientName ?? '');
          return metadata.clientName !== 'blocked';
        },
      },
    });
    const refused = await server.handle(
      register({ redirect_uris: ['https://a.example.test/cb'], client_name: 'blocked' }),
    );
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body!).error).toBe('access_denied');
    const allowed = await server.handle(
      register({ redirect_uris: ['https://a.example.test/cb'], client_name: 'ok' }),
    );
    expect(allowed.status).toBe(201);
    expect(seen).toEqual(['blocked', 'ok']);
  });

  it('an unused registration expires; registration can be turned off', async () => {
    const setup = makeServer({ registration: { unusedTtlSeconds: 60 } });
    const body = JSON.parse(
      (
        await setup.server.handle(
          register({
            redirect_uris: ['https://a.example.test/cb'],
            token_endpoint_auth_method: 'none',
          }),
        )
      ).body!,
    );
    expect(await setup.server.clients.getClient(body.client_id)).toBeDefined();
    setup.advance(61_000);
    expect(await setup.server.clients.getClient(body.client_id)).toBeUndefined();

    const off = makeServer({ registration: false });
    expect(
      (await off.server.handle(register({ redirect_uris: ['https://a.example.test/cb'] }))).status,
    ).toBe(404);
    expect(off.server.metadata().registration_endpoint).toBeUndefined();
  });
});

describe('SECURITY-CASES 21: authorization server metadata (RFC 8414)', () => {
  it('issuer exactly as configured, S256 only, iss parameter supported, only what is supported', async () => {
    const { server } = makeServer();
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]) {
      const response = await server.handle(get(`${ISSUER}${path}`));
      expect(response.status).toBe(200);
      const doc = JSON.parse(response.body!);
      expect(doc.issuer).toBe(ISSUER);
      expect(doc.code_challenge_methods_supported).toEqual(['S256']);
      expect(doc.authorization_response_iss_parameter_supported).toBe(true);
      expect(doc.response_types_supported).toEqual(['code']);
      expect(doc.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
      expect(doc.scopes_supported).toEqual(['read', 'write']);
      expect(doc.authorization_endpoint).toBe(`${ISSUER}/authorize`);
      expect(doc.token_endpoint).toBe(`${ISSUER}/token`);
      expect(doc.jwks_uri).toBeUndefined(); // HS256: nothing to publish
      expect(doc.client_id_metadata_document_supported).toBeUndefined();
    }
  });

  it('scopes_supported comes from the policy', async () => {
    const { server } = makeServer({
      scopesSupported: undefined,
      policy: { scopesSupported: () => ['weather:read', 'mcp:tools:send_email'] },
    });
    expect(server.metadata().scopes_supported).toEqual(['weather:read', 'mcp:tools:send_email']);
    expect(server.protectedResourceMetadata().scopes_supported).toEqual([
      'weather:read',
      'mcp:tools:send_email',
    ]);
  });

  it('an issuer with a path is served path-aware (RFC 8414 §3.1) and at the OIDC paths', async () => {
    const issuer = 'https://auth.example.test/tenant1';
    const { server } = makeServer({ issuer });
    for (const path of [
      '/.well-known/oauth-authorization-server/tenant1',
      '/.well-known/openid-configuration/tenant1',
      '/tenant1/.well-known/openid-configuration',
    ]) {
      const response = await server.handle(get(`https://auth.example.test${path}`));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body!).issuer).toBe(issuer);
    }
    expect(server.metadata().authorization_endpoint).toBe(`${issuer}/authorize`);
    expect(
      (await server.handle(get('https://auth.example.test/.well-known/oauth-authorization-server')))
        .status,
    ).toBe(404);
  });

  it('with an asymmetric key the JWKS is published with public members only', async () => {
    const { generateKeyPair } = await import('../../src/jwt/keys.js');
    const { privateKey } = await generateKeyPair('ES256', { kid: 'k1' });
    const { server } = makeServer({ signingKey: privateKey });
    expect(server.metadata().jwks_uri).toBe(`${ISSUER}/jwks.json`);
    const response = await server.handle(get(`${ISSUER}/jwks.json`));
    expect(response.status).toBe(200);
    const jwks = JSON.parse(response.body!);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0].kid).toBe('k1');
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe('SECURITY-CASES 22: protected resource metadata (RFC 9728)', () => {
  it('resource equals the MCP endpoint URL, path-aware and at the root form', async () => {
    const { server } = makeServer();
    expect(server.resourceMetadataUrl).toBe(
      'https://mcp.example.test/.well-known/oauth-protected-resource/mcp',
    );
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await server.handle(get(`https://mcp.example.test${path}`));
      expect(response.status).toBe(200);
      const doc = JSON.parse(response.body!);
      expect(doc.resource).toBe(RESOURCE);
      expect(doc.authorization_servers).toEqual([ISSUER]);
      expect(doc.bearer_methods_supported).toEqual(['header']);
    }
  });
});

describe('routing', () => {
  it('unknown path → 404 JSON; wrong method → 405 with Allow', async () => {
    const { server } = makeServer();
    const missing = await server.handle(get(`${ISSUER}/nope`));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body!).error).toBe('not_found');
    const wrong = await server.handle(get(`${ISSUER}/token`));
    expect(wrong.status).toBe(405);
    expect(header(wrong, 'allow')).toContain('POST');
    const put = await server.handle({
      method: 'PUT',
      url: new URL(`${ISSUER}/authorize`),
      headers: {},
    });
    expect(put.status).toBe(405);
    expect(header(put, 'allow')).toBe('GET, POST');
  });

  it('routes lists every mounted path; CORS on metadata/token, never on authorize or introspect', async () => {
    const { server } = makeServer();
    const paths = server.routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /authorize',
      'POST /authorize',
      'POST /authorize/login',
      'POST /authorize/consent',
      'POST /token',
      'POST /revoke',
      'POST /introspect',
      'POST /register',
      'GET /.well-known/oauth-authorization-server',
      'GET /.well-known/oauth-protected-resource/mcp',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(paths).not.toContain('GET /oauth/callback'); // local identity provider
    const preflight = await server.handle({
      method: 'OPTIONS',
      url: new URL(`${ISSUER}/token`),
      headers: {},
    });
    expect(preflight.status).toBe(204);
    expect(header(preflight, 'access-control-allow-origin')).toBe('*');
    const meta = await server.handle(get(`${ISSUER}/.well-known/oauth-authorization-server`));
    expect(header(meta, 'access-control-allow-origin')).toBe('*');
    const { url } = await authorizeParams();
    expect(header(await server.handle(get(url)), 'access-control-allow-origin')).toBeUndefined();
    const introspect = await server.handle(postForm(`${ISSUER}/introspect`, { token: 'x' }));
    expect(header(introspect, 'access-control-allow-origin')).toBeUndefined();
  });

  it('toFetchHandler: a body over 64 KiB is refused with 413 without reading it all', async () => {
    const { server } = makeServer();
    const handler = toFetchHandler(server);
    const response = await handler(
      new Request(`${ISSUER}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"client_name":"${'x'.repeat(200_000)}"}`,
      }),
    );
    expect(response.status).toBe(413);
    const converted = await fromFetchRequest(
      new Request(`${ISSUER}/token`, { method: 'POST', body: 'y'.repeat(100_000) }),
    );
    expect((converted.body as Uint8Array).length).toBe(64 * 1024 + 1);
  });

  it('toFetchHandler keeps several Set-Cookie headers apart and the issuer never comes from Host', async () => {
    const { server } = makeServer();
    const handler = toFetchHandler(server);
    const response = await handler(
      new Request('https://attacker.example/.well-known/oauth-authorization-server', {
        headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' },
      }),
    );
    const doc = (await response.json()) as { issuer: string; token_endpoint: string };
    expect(doc.issuer).toBe(ISSUER);
    expect(doc.token_endpoint).toBe(`${ISSUER}/token`);
  });
});

describe('configuration errors are TypeErrors at construction', () => {
  const base = {
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: SECRET,
    identityProvider: users(),
  };
  it.each([
    ['http issuer on a public host', { issuer: 'http://auth.example.test' }],
    ['an issuer with a query', { issuer: 'https://auth.example.test?x=1' }],
    ['an issuer with a trailing slash', { issuer: 'https://auth.example.test/' }],
    ['a relative resource', { resource: '/mcp' }],
    ['a short HS256 secret', { signingKey: 'too-short' }],
    ['no identity provider', { identityProvider: undefined }],
    ['a short cookie secret', { consent: { cookieSecret: 'short' } }],
    ['a bad scope list', { scopesSupported: ['has space'] }],
    [
      'a static client with a javascript: redirect',
      { clients: [{ clientId: 'c', redirectUris: ['javascript:x'] }] },
    ],
  ])('%s', (_, overrides) => {
    expect(() => createAuthorizationServer({ ...base, ...(overrides as object) } as never)).toThrow(
      TypeError,
    );
  });
});

describe('SECURITY-CASES 23: outbound URL checks (SSRF)', () => {
  it.each([
    'http://app.example.test/client.json',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://127.0.0.1/client.json',
    'https://localhost/client.json',
    'https://app.localhost/client.json',
    'https://10.0.0.1/client.json',
    'https://172.16.5.4/client.json',
    'https://192.168.1.1/client.json',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/client.json',
    'https://0.0.0.0/client.json',
    'https://[::1]/client.json',
    'https://[fe80::1]/client.json',
    'https://[fd00::1]/client.json',
    'https://[::ffff:127.0.0.1]/client.json',
    'https://[::ffff:169.254.169.254]/client.json',
    'https://[64:ff9b::a9fe:a9fe]/client.json',
    'https://2130706433/client.json',
    'https://0x7f.1/client.json',
    'https://intranet/client.json',
    'https://printer.local/client.json',
    'https://user:pw@app.example.test/client.json',
  ])('%s is refused', (url) => {
    expect(checkOutboundUrl(new URL(url))).toBeDefined();
  });

  it('public https hosts and public IP literals are allowed', () => {
    expect(checkOutboundUrl(new URL('https://app.example.test/client.json'))).toBeUndefined();
    expect(checkOutboundUrl(new URL('https://8.8.8.8/x'))).toBeUndefined();
    expect(ipClass('[2606:4700::1111]')).toBe('public');
  });

  it('loopback http is allowed only when explicitly allowed for development', () => {
    const url = new URL('http://127.0.0.1:8080/client.json');
    expect(checkOutboundUrl(url)).toBeDefined();
    expect(checkOutboundUrl(url, { allowInsecureLoopback: true })).toBeUndefined();
    // Even then, private (non-loopback) targets stay refused.
    expect(
      checkOutboundUrl(new URL('http://10.0.0.1/x'), { allowInsecureLoopback: true }),
    ).toBeDefined();
  });
});

describe('Client ID Metadata Documents (SECURITY-CASES 23)', () => {
  let http: Server;
  let origin = '';
  const hits: string[] = [];
  const documents = new Map<
    string,
    { status: number; body?: string; headers?: Record<string, string> }
  >();

  beforeAll(async () => {
    http = createServer((req, res) => {
      hits.push(req.url ?? '');
      const doc = documents.get(req.url ?? '');
      if (!doc) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(doc.status, { 'content-type': 'application/json', ...doc.headers })
        .end(doc.body ?? '');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  function serve(
    path: string,
    body: Record<string, unknown> | string,
    status = 200,
    headers: Record<string, string> = {},
  ) {
    documents.set(path, {
      status,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    });
    return `${origin}${path}`;
  }

  const server = () =>
    makeServer({ clientIdMetadataDocuments: { allowInsecureLoopback: true } }).server;

  it('a valid document is fetched, cached, and its redirect URI accepted; metadata advertises support', async () => {
    const clientId = serve('/good/client.json', {});
    documents.set('/good/client.json', {
      status: 200,
      body: JSON.stringify({
        client_id: clientId,
        client_name: 'Doc App',
        redirect_uris: ['http://127.0.0.1:7777/cb'],
      }),
    });
    const s = server();
    expect(s.metadata().client_id_metadata_document_supported).toBe(true);
    const before = hits.length;
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:7777/cb',
    });
    const page = await s.handle(get(url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('Doc App');
    await s.handle(get(url));
    expect(hits.length - before).toBe(1); // cached
  });

  it('a document whose client_id is not its URL → 400 page', async () => {
    const clientId = serve('/mismatch/client.json', {
      client_id: 'https://other.example/client.json',
      redirect_uris: ['http://127.0.0.1:7777/cb'],
    });
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:7777/cb',
    });
    const response = await server().handle(get(url));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('a redirect URI the document does not list → 400 page, no redirect', async () => {
    const clientId = `${origin}/listed/client.json`;
    serve('/listed/client.json', {
      client_id: clientId,
      redirect_uris: ['http://127.0.0.1:7777/cb'],
    });
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'https://evil.example/cb',
    });
    const response = await server().handle(get(url));
    expect(response.status).toBe(400);
    expect(header(response, 'location')).toBeUndefined();
  });

  it('a document URL that redirects (e.g. to the metadata service) is refused and not followed', async () => {
    const clientId = serve('/redirect/client.json', '', 302, {
      location: 'http://169.254.169.254/latest/meta-data',
    });
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:7777/cb',
    });
    const response = await server().handle(get(url));
    expect(response.status).toBe(400);
  });

  it('an oversized document is refused', async () => {
    const clientId = `${origin}/big/client.json`;
    serve('/big/client.json', {
      client_id: clientId,
      redirect_uris: ['http://127.0.0.1:7777/cb'],
      client_name: 'x'.repeat(150),
      pad: 'y'.repeat(6000),
    });
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:7777/cb',
    });
    expect((await server().handle(get(url))).status).toBe(400);
  });

  it('without allowInsecureLoopback, loopback and private document URLs are never fetched', async () => {
    let calls = 0;
    const s = makeServer({
      clientIdMetadataDocuments: {
        fetch: async () => {
          calls++;
          return new Response('{}');
        },
      },
    }).server;
    for (const clientId of [
      `${origin}/good/client.json`,
      'https://169.254.169.254/client.json',
      'https://10.1.2.3/client.json',
      'https://[::1]/client.json',
      'https://localhost/client.json',
    ]) {
      const { url } = await authorizeParams({
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1:7777/cb',
      });
      expect((await s.handle(get(url))).status).toBe(400);
    }
    expect(calls).toBe(0);
  });

  it('a custom fetch is used for public URLs (the hook for DNS-pinning fetches)', async () => {
    const requested: string[] = [];
    const clientId = 'https://app.example.test/oauth/client.json';
    const s = makeServer({
      clientIdMetadataDocuments: {
        fetch: async (input) => {
          requested.push(String(input));
          return new Response(
            JSON.stringify({ client_id: clientId, redirect_uris: ['https://app.example.test/cb'] }),
          );
        },
      },
    }).server;
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'https://app.example.test/cb',
    });
    expect((await s.handle(get(url))).status).toBe(200);
    expect(requested).toEqual([clientId]);
  });
});

describe('construction-time checks for secrets', () => {
  it('requires an upstream encryption key with an upstream identity provider', () => {
    const upstream = {
      kind: 'redirect' as const,
      startLogin: async () => ({ url: new URL('https://idp.example.test/authorize'), data: null }),
      completeLogin: async () => {
        throw new Error('not reached');
      },
    };
    expect(() =>
      makeServer({ identityProvider: upstream, upstreamEncryptionKey: undefined }),
    ).toThrow(TypeError);
  });

  it('refuses an introspection secret under 32 characters', () => {
    expect(() => makeServer({ introspectionSecret: 'short' })).toThrow(TypeError);
  });
});
