/**
 * Proxy mode against a scripted, misbehaving upstream IdP on loopback (issue 12 item 5):
 * state/nonce mix-up, upstream error pages, the upstream tokens never reaching the client,
 * a slow upstream and huge bodies. The authorization server is driven through `handle()`
 * with a cookie jar; the IdP is a real HTTP server, so timeouts and size caps act on real
 * sockets.
 */
import type { ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import type { HttpRequest, HttpResponse } from '../../src/http/messages.js';
import { UpstreamOAuthProvider } from '../../src/server/identity/upstream-provider.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { type Listening, listen } from './harness.js';

const ISSUER = 'https://as.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const CLIENT_REDIRECT = 'https://app.example.test/cb';
const UPSTREAM_AT = 'UPSTREAM-ACCESS-TOKEN-0123456789';
const UPSTREAM_RT = 'UPSTREAM-REFRESH-TOKEN-0123456789';

type TokenScript = (res: ServerResponse, form: URLSearchParams) => unknown;

let idp: Listening;
let tokenScript: TokenScript;
let userinfoScript: ((res: ServerResponse) => void) | undefined;
const tokenForms: URLSearchParams[] = [];
let written = 0; // bytes a huge-body script managed to write before the reader hung up
let privateKey: CryptoKey;
let jwks: unknown;

const sendJson = (res: ServerResponse, body: unknown, status = 200) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

async function signIdToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: 'mallory-or-alice', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(idp.origin)
    .setAudience('proxy-client')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
  idp = await listen((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      sendJson(res, {
        issuer: idp.origin,
        authorization_endpoint: `${idp.origin}/authorize`,
        token_endpoint: `${idp.origin}/token`,
        userinfo_endpoint: `${idp.origin}/userinfo`,
        jwks_uri: `${idp.origin}/jwks`,
        code_challenge_methods_supported: ['S256'],
      });
    } else if (path === '/jwks') {
      sendJson(res, jwks);
    } else if (path === '/token') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        tokenForms.push(form);
        void tokenScript(res, form);
      });
    } else if (path === '/userinfo') {
      if (userinfoScript) userinfoScript(res);
      else sendJson(res, { sub: 'alice', email: 'alice@idp.test' });
    } else {
      res.writeHead(404).end();
    }
  });
});

afterAll(async () => {
  await idp?.close();
});

/** A well-behaved token endpoint: the ID token carries the nonce of `nonceFor(code)`. */
const honest =
  (nonceFor: (code: string) => string | undefined): TokenScript =>
  async (res, form) =>
    sendJson(res, {
      access_token: UPSTREAM_AT,
      refresh_token: UPSTREAM_RT,
      token_type: 'Bearer',
      expires_in: 3600,
      id_token: await signIdToken({ sub: 'alice', nonce: nonceFor(form.get('code') ?? '') }),
    });

function makeAs(timeoutMs = 2000) {
  return createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'hostile-test-signing-secret-0123456789-abcdef',
    store: new MemoryStore(),
    scopesSupported: ['read'],
    clients: [{ clientId: 'mcp-client', redirectUris: [CLIENT_REDIRECT] }],
    upstreamEncryptionKey: 'hostile-upstream-encryption-key-0123456789ab',
    identityProvider: new UpstreamOAuthProvider({
      issuer: idp.origin,
      clientId: 'proxy-client',
      clientSecret: 'proxy-client-secret-0123456789',
      scopes: ['openid', 'email'],
      allowInsecureLoopback: true,
      timeoutMs,
      maxResponseBytes: 64 * 1024,
      mapIdentity: (user) => ({ sub: `idp|${user.subject}`, grantableScopes: ['read'] }),
    }),
  });
}

/** One browser: a cookie jar over `server.handle`. */
function browser(server: ReturnType<typeof makeAs>) {
  const jar = new Map<string, string>();
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const response = await server.handle({
      ...request,
      headers: { ...request.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const set = response.headers['set-cookie'];
    for (const line of typeof set === 'string' ? [set] : (set ?? [])) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (/Max-Age=0/.test(line)) jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
  return {
    async startUpstream(state: string) {
      const verifier = generateCodeVerifier();
      const url = new URL(`${ISSUER}/authorize`);
      for (const [k, v] of Object.entries({
        response_type: 'code',
        client_id: 'mcp-client',
        redirect_uri: CLIENT_REDIRECT,
        code_challenge: await computeS256Challenge(verifier),
        code_challenge_method: 'S256',
        state,
        scope: 'read',
      })) {
        url.searchParams.set(k, v);
      }
      const page = await send({ method: 'GET', url, headers: {} });
      expect(page.status).toBe(200);
      const fields: Record<string, string> = {};
      for (const m of page.body!.matchAll(
        /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
      )) {
        fields[m[1]!] = m[2]!;
      }
      const toIdp = await send({
        method: 'POST',
        url: new URL(`${ISSUER}/authorize/consent`),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, decision: 'approve', scope_0: 'read' }).toString(),
      });
      expect(toIdp.status).toBe(303);
      const upstream = new URL(String(toIdp.headers['location']));
      return {
        verifier,
        upstreamState: upstream.searchParams.get('state')!,
        nonce: upstream.searchParams.get('nonce')!,
        challenge: upstream.searchParams.get('code_challenge')!,
      };
    },
    callback(params: Record<string, string>) {
      return send({
        method: 'GET',
        url: new URL(`${ISSUER}/oauth/callback?${new URLSearchParams(params)}`),
        headers: {},
      });
    },
  };
}

const back = (response: HttpResponse) => new URL(String(response.headers['location']));

describe('proxy mode against a hostile scripted IdP (issue 12 item 5)', () => {
  it('state/nonce mix-up: B’s callback carrying A’s code (ID token with A’s nonce) → error, no code', async () => {
    const server = makeAs();
    const b = browser(server);
    const a = await b.startUpstream('client-a');
    const bb = await b.startUpstream('client-b');
    // The IdP issues for "code-a" an ID token bound to A's nonce, as a real one would.
    tokenScript = honest((code) => (code === 'code-a' ? a.nonce : bb.nonce));
    tokenForms.length = 0;
    const mixed = await b.callback({ state: bb.upstreamState, code: 'code-a', iss: idp.origin });
    expect(mixed.status).toBe(302);
    expect(back(mixed).searchParams.get('error')).toBe('server_error');
    expect(back(mixed).searchParams.get('state')).toBe('client-b');
    expect(back(mixed).searchParams.get('code')).toBeNull();
    // B's own PKCE verifier went upstream (a real IdP then refuses A's code outright).
    expect(await computeS256Challenge(tokenForms[0]!.get('code_verifier')!)).toBe(bb.challenge);
    // A still completes with its own code.
    const ok = await b.callback({ state: a.upstreamState, code: 'code-a', iss: idp.origin });
    expect(back(ok).searchParams.get('code')).toBeTruthy();
    expect(back(ok).searchParams.get('state')).toBe('client-a');
  });

  it('the upstream’s error and error_description are not relayed to the client (no reflection)', async () => {
    const b = browser(makeAs());
    const s = await b.startUpstream('st');
    const r = await b.callback({
      state: s.upstreamState,
      error: 'server_error',
      error_description: '<script>alert(1)</script> call +1-555-SCAM',
      iss: idp.origin,
    });
    expect(r.status).toBe(302);
    const to = back(r);
    expect(to.searchParams.get('error')).toBe('server_error');
    expect(String(r.headers['location'])).not.toMatch(/alert|SCAM|%3Cscript/i);
  });

  it('an HTML error page from the token endpoint → server_error (400) / temporarily_unavailable (500), nothing relayed', async () => {
    for (const [status, expected] of [
      [400, 'server_error'],
      [500, 'temporarily_unavailable'],
    ] as const) {
      tokenScript = (res) =>
        res
          .writeHead(status, { 'content-type': 'text/html' })
          .end('<html><body>IdP exploded: secret-internal-hostname</body></html>');
      const b = browser(makeAs());
      const s = await b.startUpstream('st');
      const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
      expect(back(r).searchParams.get('error')).toBe(expected);
      expect(String(r.headers['location'])).not.toContain('secret-internal-hostname');
      expect(r.body ?? '').not.toContain('secret-internal-hostname');
    }
  });

  it('an HTML userinfo page → server_error, no code', async () => {
    const b = browser(makeAs());
    const s = await b.startUpstream('st');
    tokenScript = honest(() => s.nonce);
    userinfoScript = (res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>');
    try {
      const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
      expect(back(r).searchParams.get('error')).toBe('server_error');
      expect(back(r).searchParams.get('code')).toBeNull();
    } finally {
      userinfoScript = undefined;
    }
  });

  it('the upstream tokens never reach the client: not in the redirect, the token response, the access token or a refresh', async () => {
    const server = makeAs();
    const b = browser(server);
    const s = await b.startUpstream('st');
    tokenScript = honest(() => s.nonce);
    const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
    const to = back(r);
    expect([...to.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    const tokenRequest = (body: Record<string, string>) =>
      server.handle({
        method: 'POST',
        url: new URL(`${ISSUER}/token`),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    const issued = await tokenRequest({
      grant_type: 'authorization_code',
      code: to.searchParams.get('code')!,
      code_verifier: s.verifier,
      redirect_uri: CLIENT_REDIRECT,
      client_id: 'mcp-client',
    });
    expect(issued.status).toBe(200);
    const body = JSON.parse(issued.body!) as Record<string, string>;
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: body['refresh_token']!,
      client_id: 'mcp-client',
    });
    expect(refreshed.status).toBe(200);
    const seenByClient = [
      String(r.headers['location']),
      issued.body!,
      JSON.stringify(decodeJwt(body['access_token']!)),
      refreshed.body!,
    ].join('\n');
    for (const secret of [UPSTREAM_AT, UPSTREAM_RT, 'UPSTREAM']) {
      expect(seenByClient).not.toContain(secret);
    }
    // …while the server keeps them for tools (encrypted at rest under the grant).
    const ctx = await server.tokenVerifier.verify(body['access_token']!);
    const kept = await (await server.tokenService()).getUpstreamTokens(ctx.grantId!);
    expect(kept?.accessToken).toBe(UPSTREAM_AT);
  });

  it('a token endpoint that never answers → temporarily_unavailable after timeoutMs, no code', async () => {
    tokenScript = () => {}; // holds the request open
    const b = browser(makeAs(200));
    const s = await b.startUpstream('st');
    const started = performance.now();
    const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
    expect(back(r).searchParams.get('error')).toBe('temporarily_unavailable');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a token endpoint that sends headers, then stalls the body → temporarily_unavailable', async () => {
    tokenScript = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"');
    };
    const b = browser(makeAs(200));
    const s = await b.startUpstream('st');
    const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
    expect(back(r).searchParams.get('error')).toBe('temporarily_unavailable');
  });

  it('a huge token response (chunked, no length) is cut at the cap: server_error, the rest never read', async () => {
    written = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    tokenScript = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"');
      const pump = () => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('"}');
      };
      res.on('close', () => {});
      pump();
    };
    const b = browser(makeAs());
    const s = await b.startUpstream('st');
    const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
    expect(back(r).searchParams.get('error')).toBe('server_error');
    // 64 MiB offered; the reader stopped after its 64 KiB cap (socket buffers aside).
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('a huge Content-Length is refused before reading the body', async () => {
    tokenScript = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '999999999' });
      res.write('{');
    };
    const b = browser(makeAs());
    const s = await b.startUpstream('st');
    const r = await b.callback({ state: s.upstreamState, code: 'c', iss: idp.origin });
    expect(back(r).searchParams.get('error')).toBe('server_error');
  });
});
