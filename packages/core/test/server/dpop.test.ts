// DPoP (RFC 9449) end to end inside core: the token endpoint binds tokens to the proof's key,
// and the one resource guard checks the DPoP scheme. Every hostile case is a named test; jose
// signs the proofs (as the MCP SDK v2 client does) and is the thumbprint oracle.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../../src/jwt/index.js';
import { computeAccessTokenHash } from '../../src/jwt/dpop.js';
import { createDefaultPolicies } from '../../src/policy/index.js';
import { createMcpGuard, type McpGuard } from '../../src/resource/mcp-guard.js';
import { generateCodeVerifier, computeS256Challenge } from '../../src/pkce.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { StoreFullError, type Store } from '../../src/store/store.js';
import type { AuthorizationServerOptions } from '../../src/server/authorization-server.js';
import { createNodeMcpAuth } from '../../src/resource/node-http.js';
import { handleTokenRequest } from '../../src/server/token-endpoint.js';
import { createDpopContext } from '../../src/tokens/dpop.js';
import { ISSUER, makeServer, postForm, REDIRECT, RESOURCE } from './helpers.js';

const TOKEN_URL = `${ISSUER}/token`;
const START = Date.parse('2030-01-01T00:00:00Z');

interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}

async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  accessToken?: string;
  nonce?: string;
  jti?: string;
}

function proofFor(key: DpopKey, clock: () => number, options: ProofOptions = {}) {
  return (async () => {
    const claims: Record<string, unknown> = {
      jti: options.jti ?? crypto.randomUUID(),
      htm: options.htm ?? 'POST',
      htu: options.htu ?? TOKEN_URL,
      iat: options.iat ?? Math.floor(clock() / 1000),
    };
    if (options.accessToken !== undefined)
      claims.ath = await computeAccessTokenHash(options.accessToken);
    if (options.nonce !== undefined) claims.nonce = options.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk } as never)
      .sign(key.privateKey);
  })();
}

type Body = Record<string, unknown>;

async function setup(overrides: Partial<AuthorizationServerOptions> = {}) {
  let clock = START;
  const now = () => clock;
  const store: Store = (overrides.store as Store | undefined) ?? new MemoryStore({ now });
  const { server } = makeServer({
    dpop: true,
    store,
    now,
    clients: [
      { clientId: 'public-client', redirectUris: [REDIRECT] },
      {
        clientId: 'confidential-client',
        clientSecret: 'confidential-secret-0123456789-abcdef',
        redirectUris: [REDIRECT],
      },
    ],
    ...overrides,
  });
  const tokens = await server.tokenService();

  async function code(clientId = 'public-client') {
    const verifier = generateCodeVerifier();
    const value = await tokens.issueAuthorizationCode({
      clientId,
      redirectUri: REDIRECT,
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['read'],
      resource: RESOURCE,
      identity: { sub: 'alice', attributes: {}, grantableScopes: ['read', 'write'] },
    });
    return { code: value, verifier };
  }

  async function token(form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await server.handle(postForm(TOKEN_URL, form, headers));
    return {
      status: response.status,
      headers: response.headers as Record<string, string>,
      body: JSON.parse(String(response.body)) as Body,
    };
  }

  async function redeem(key: DpopKey | undefined, clientId = 'public-client') {
    const { code: value, verifier } = await code(clientId);
    const auth: Record<string, string> =
      clientId === 'confidential-client'
        ? {
            authorization: `Basic ${btoa('confidential-client:confidential-secret-0123456789-abcdef')}`,
          }
        : {};
    return token(
      {
        grant_type: 'authorization_code',
        code: value,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        ...(clientId === 'public-client' ? { client_id: clientId } : {}),
      },
      key === undefined ? auth : { ...auth, dpop: await proofFor(key, now) },
    );
  }

  const guardFor = (extra: { required?: boolean } = {}): McpGuard =>
    createMcpGuard({
      verifier: server.tokenVerifier,
      policy: createDefaultPolicies(),
      resourceMetadataUrl: server.resourceMetadataUrl,
      dpop: { ...server.dpop!, ...extra },
    });

  return {
    server,
    store,
    now,
    advance: (ms: number) => {
      clock += ms;
    },
    token,
    redeem,
    guardFor,
  };
}

/** Runs the guard on a bodyless GET of the MCP endpoint with these headers. */
async function guardCheck(guard: McpGuard, headers: Record<string, string>, method = 'GET') {
  const outcome = await guard.check({
    method,
    header: (name) => headers[name],
    headerNames: Object.keys(headers),
    readBody: async () => new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"ping"}'),
  });
  if (outcome.ok) return { ok: true as const, status: 200, headers: {} as Record<string, string> };
  return {
    ok: false as const,
    status: outcome.response.status,
    headers: outcome.response.headers as Record<string, string>,
  };
}

describe('DPoP at the token endpoint (RFC 9449 §5)', () => {
  it('metadata lists dpop_signing_alg_values_supported (asymmetric only)', async () => {
    const { server } = await setup();
    expect(server.metadata().dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'ES384',
      'EdDSA',
      'PS256',
      'RS256',
    ]);
    expect(makeServer().server.metadata().dpop_signing_alg_values_supported).toBeUndefined();
  });

  it('a code redeemed with a proof → token_type DPoP, cnf.jkt = the key thumbprint (jose)', async () => {
    const s = await setup();
    const key = await dpopKey();
    const answer = await s.redeem(key);
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    const { payload } = decodeJwt(String(answer.body.access_token));
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it('protected-resource metadata lists the algorithms; introspection says token_type DPoP with cnf', async () => {
    const s = await setup();
    expect(s.server.protectedResourceMetadata().dpop_signing_alg_values_supported).toEqual(
      s.server.metadata().dpop_signing_alg_values_supported,
    );
    const key = await dpopKey();
    const answer = await s.redeem(key);
    const tokens = await s.server.tokenService();
    const active = await tokens.introspect(String(answer.body.access_token));
    expect(active).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    const bearer = await s.redeem(undefined);
    expect(await tokens.introspect(String(bearer.body.access_token))).toMatchObject({
      token_type: 'Bearer',
    });
  });

  it('client_credentials with a proof → a DPoP-bound machine token (binding happens where tokens are minted)', async () => {
    const secret = 'machine-secret-0123456789-abcdefghijkl';
    const s = await setup({
      clients: [
        {
          clientId: 'machine',
          clientSecret: secret,
          grantTypes: ['client_credentials'],
          scope: 'read',
        },
      ],
    });
    const key = await dpopKey();
    const answer = await s.token(
      { grant_type: 'client_credentials', scope: 'read' },
      { authorization: `Basic ${btoa(`machine:${secret}`)}`, dpop: await proofFor(key, s.now) },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    expect(decodeJwt(String(answer.body.access_token)).payload.cnf).toEqual({ jkt: key.jkt });
  });

  it('fail closed: a grant that answers a proven request with a Bearer token → 500, no token', async () => {
    const s = await setup();
    const key = await dpopKey();
    const response = await handleTokenRequest(
      postForm(
        TOKEN_URL,
        { grant_type: 'authorization_code', client_id: 'public-client' },
        {
          dpop: await proofFor(key, s.now),
        },
      ),
      {
        tokens: await s.server.tokenService(),
        clients: s.server.clients,
        grants: {
          authorization_code: async () => ({
            access_token: 'forgot-the-binding',
            token_type: 'Bearer',
            expires_in: 60,
            scope: '',
          }),
        },
        dpop: { context: createDpopContext({}, s.store, s.now, 'test'), url: TOKEN_URL },
      },
    );
    expect(response.status).toBe(500);
    expect(String(response.body)).not.toContain('forgot-the-binding');
  });

  it('without a proof the same flow gives a Bearer token without cnf', async () => {
    const s = await setup();
    const answer = await s.redeem(undefined);
    expect(answer.body.token_type).toBe('Bearer');
    expect(decodeJwt(String(answer.body.access_token)).payload.cnf).toBeUndefined();
  });

  it('hostile: a proof for another URL or method at the token endpoint → 400 invalid_dpop_proof, nothing minted', async () => {
    const s = await setup();
    const key = await dpopKey();
    for (const bad of [{ htu: `${ISSUER}/other` }, { htm: 'GET' }]) {
      const { code, verifier } = await (async () => {
        const v = generateCodeVerifier();
        const tokens = await s.server.tokenService();
        return {
          verifier: v,
          code: await tokens.issueAuthorizationCode({
            clientId: 'public-client',
            redirectUri: REDIRECT,
            codeChallenge: await computeS256Challenge(v),
            codeChallengeMethod: 'S256',
            scopes: ['read'],
            resource: RESOURCE,
            identity: { sub: 'alice', attributes: {}, grantableScopes: ['read'] },
          }),
        };
      })();
      const answer = await s.token(
        {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          client_id: 'public-client',
        },
        { dpop: await proofFor(key, s.now, bad) },
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_dpop_proof');
      expect(answer.body.access_token).toBeUndefined();
    }
  });

  it('hostile: a replayed proof at the token endpoint → invalid_dpop_proof', async () => {
    const s = await setup();
    const key = await dpopKey();
    const proof = await proofFor(key, s.now);
    const first = await s.redeem(undefined).then(() => s.redeem(undefined));
    expect(first.status).toBe(200);
    const c1 = await s.token(
      {
        grant_type: 'refresh_token',
        refresh_token: String(first.body.refresh_token),
        client_id: 'public-client',
      },
      { dpop: proof },
    );
    expect(c1.status).toBe(200);
    const again = await s.redeem(undefined);
    const c2 = await s.token(
      {
        grant_type: 'refresh_token',
        refresh_token: String(again.body.refresh_token),
        client_id: 'public-client',
      },
      { dpop: proof },
    );
    expect(c2.status).toBe(400);
    expect(c2.body.error).toBe('invalid_dpop_proof');
  });

  it('hostile: two DPoP headers (joined with a comma) → invalid_dpop_proof', async () => {
    const s = await setup();
    const key = await dpopKey();
    const proof = await proofFor(key, s.now);
    const answer = await s.redeem(undefined);
    const refreshed = await s.token(
      {
        grant_type: 'refresh_token',
        refresh_token: String(answer.body.refresh_token),
        client_id: 'public-client',
      },
      { dpop: `${proof}, ${proof}` },
    );
    expect(refreshed.body.error).toBe('invalid_dpop_proof');
  });

  it('a public client’s refresh token is bound: the same key refreshes (still DPoP), another key → invalid_grant, no proof → invalid_dpop_proof, and the token still works after both', async () => {
    const s = await setup();
    const key = await dpopKey();
    const thief = await dpopKey();
    const first = await s.redeem(key);
    const rt = String(first.body.refresh_token);
    const refresh = async (k: DpopKey | undefined, refreshToken = rt) =>
      s.token(
        { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'public-client' },
        k === undefined ? {} : { dpop: await proofFor(k, s.now) },
      );
    const stolen = await refresh(thief);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    const bare = await refresh(undefined);
    expect(bare.body.error).toBe('invalid_dpop_proof');
    // Neither attempt consumed or revoked it: the holder of the key still refreshes.
    const ok = await refresh(key);
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
    expect(decodeJwt(String(ok.body.access_token)).payload.cnf).toEqual({ jkt: key.jkt });
    // The rotated refresh token stays bound to the same key.
    const next = await refresh(thief, String(ok.body.refresh_token));
    expect(next.body.error).toBe('invalid_grant');
  });

  it('a confidential client’s refresh token is not bound (it authenticates): a new key binds the new token', async () => {
    const s = await setup();
    const key = await dpopKey();
    const other = await dpopKey();
    const first = await s.redeem(key, 'confidential-client');
    expect(first.body.token_type).toBe('DPoP');
    const answer = await s.token(
      { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
      {
        authorization: `Basic ${btoa('confidential-client:confidential-secret-0123456789-abcdef')}`,
        dpop: await proofFor(other, s.now),
      },
    );
    expect(answer.status).toBe(200);
    expect(decodeJwt(String(answer.body.access_token)).payload.cnf).toEqual({ jkt: other.jkt });
  });

  it('nonce round trip: use_dpop_nonce + DPoP-Nonce, then the proof with it is accepted; a made-up nonce is not', async () => {
    const s = await setup({ dpop: { nonce: true } });
    const key = await dpopKey();
    const answer = await s.redeem(undefined); // a Bearer grant whose refresh we retry with DPoP
    const form = {
      grant_type: 'refresh_token',
      refresh_token: String(answer.body.refresh_token),
      client_id: 'public-client',
    };
    const first = await s.token(form, { dpop: await proofFor(key, s.now) });
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const forged = await s.token(form, {
      dpop: await proofFor(key, s.now, { nonce: 'x'.repeat(43) }),
    });
    expect(forged.body.error).toBe('use_dpop_nonce');
    const second = await s.token(form, { dpop: await proofFor(key, s.now, { nonce }) });
    expect(second.status).toBe(200);
    expect(second.body.token_type).toBe('DPoP');
    expect(second.headers['dpop-nonce']).toBe(nonce);
    // Two periods later the nonce is stale.
    s.advance(601_000);
    const late = await s.token(
      { ...form, refresh_token: String(second.body.refresh_token) },
      { dpop: await proofFor(key, s.now, { nonce }) },
    );
    expect(late.body.error).toBe('use_dpop_nonce');
  });

  it('a store that refuses the replay marker (StoreFullError) → 503, nothing minted', async () => {
    const inner = new MemoryStore({ now: () => START });
    let full = false;
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'setIfAbsent')
          return (...args: unknown[]) =>
            full && String(args[0]).startsWith('tok:dpop:')
              ? Promise.reject(new StoreFullError())
              : (value as (...a: unknown[]) => unknown).apply(target, args);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    const s = await setup({ store });
    const key = await dpopKey();
    full = true;
    const answer = await s.redeem(key);
    expect(answer.status).toBe(503);
    expect(answer.body.access_token).toBeUndefined();
  });
});

describe('DPoP at the resource guard (RFC 9449 §7)', () => {
  async function bound() {
    const s = await setup();
    const key = await dpopKey();
    const answer = await s.redeem(key);
    const token = String(answer.body.access_token);
    const proof = (options: ProofOptions = {}, k: DpopKey = key) =>
      proofFor(k, s.now, { htm: 'GET', htu: RESOURCE, accessToken: token, ...options });
    return { s, key, token, proof, guard: s.guardFor() };
  }

  it('the DPoP scheme with a fresh proof is let through', async () => {
    const { guard, token, proof } = await bound();
    const outcome = await guardCheck(guard, {
      authorization: `DPoP ${token}`,
      dpop: await proof(),
    });
    expect(outcome.ok).toBe(true);
  });

  it('hostile: a replayed proof → 401 invalid_dpop_proof with a DPoP challenge', async () => {
    const { guard, token, proof } = await bound();
    const p = await proof();
    expect((await guardCheck(guard, { authorization: `DPoP ${token}`, dpop: p })).ok).toBe(true);
    const replay = await guardCheck(guard, { authorization: `DPoP ${token}`, dpop: p });
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect(replay.headers['www-authenticate']).toContain('algs="ES256 ES384 EdDSA PS256 RS256"');
    expect(replay.headers['www-authenticate']).toContain(`resource_metadata="`);
  });

  it('hostile: the token used without its key (a proof signed by another key) → 401 invalid_dpop_proof', async () => {
    const { guard, token, proof } = await bound();
    const thief = await dpopKey();
    const outcome = await guardCheck(guard, {
      authorization: `DPoP ${token}`,
      dpop: await proof({}, thief),
    });
    expect(outcome.status).toBe(401);
    expect(outcome.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it('hostile: the DPoP scheme without a proof → 401 invalid_dpop_proof', async () => {
    const { guard, token } = await bound();
    const outcome = await guardCheck(guard, { authorization: `DPoP ${token}` });
    expect(outcome.status).toBe(401);
    expect(outcome.headers['www-authenticate']).toMatch(/error="invalid_dpop_proof"/);
  });

  it('hostile: a bound token presented as Bearer → 401 invalid_token (even on a guard without DPoP)', async () => {
    const { s, guard, token } = await bound();
    const outcome = await guardCheck(guard, { authorization: `Bearer ${token}` });
    expect(outcome.status).toBe(401);
    expect(outcome.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    const plain = createMcpGuard({
      verifier: s.server.tokenVerifier,
      policy: createDefaultPolicies(),
      resourceMetadataUrl: s.server.resourceMetadataUrl,
    });
    expect((await guardCheck(plain, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('hostile: wrong htm, wrong htu, stale iat, missing or wrong ath → 401 invalid_dpop_proof', async () => {
    const { guard, token, proof, s } = await bound();
    const cases: ProofOptions[] = [
      { htm: 'POST' },
      { htu: 'https://mcp.example.test/other' },
      { htu: 'https://evil.example.test/mcp' },
      { iat: Math.floor(s.now() / 1000) - 300 },
      { accessToken: `${token}x` },
    ];
    for (const bad of cases) {
      const outcome = await guardCheck(guard, {
        authorization: `DPoP ${token}`,
        dpop: await proof(bad),
      });
      expect(outcome.status, JSON.stringify(bad)).toBe(401);
      expect(outcome.headers['www-authenticate']).toMatch(/error="invalid_dpop_proof"/);
    }
    const noAth = await proofFor(await dpopKey(), s.now, { htm: 'GET', htu: RESOURCE });
    const outcome = await guardCheck(guard, { authorization: `DPoP ${token}`, dpop: noAth });
    expect(outcome.status).toBe(401);
  });

  it('hostile: a Bearer (unbound) token under the DPoP scheme → 401 invalid_token', async () => {
    const s = await setup();
    const answer = await s.redeem(undefined);
    const token = String(answer.body.access_token);
    const key = await dpopKey();
    const outcome = await guardCheck(s.guardFor(), {
      authorization: `DPoP ${token}`,
      dpop: await proofFor(key, s.now, { htm: 'GET', htu: RESOURCE, accessToken: token }),
    });
    expect(outcome.status).toBe(401);
    expect(outcome.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
  });

  it('required: a Bearer token is refused with a DPoP challenge; the 401 without credentials offers DPoP only', async () => {
    const s = await setup();
    const answer = await s.redeem(undefined);
    const guard = s.guardFor({ required: true });
    const refused = await guardCheck(guard, {
      authorization: `Bearer ${String(answer.body.access_token)}`,
    });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
    const none = await guardCheck(guard, {});
    expect(none.headers['www-authenticate']).toMatch(/^DPoP resource_metadata="[^"]+", algs="/);
    // Not required: both schemes are offered.
    const both = await guardCheck(s.guardFor(), {});
    expect(both.headers['www-authenticate']).toMatch(/^Bearer resource_metadata="[^"]+", DPoP /);
  });

  it('required per client: a function of the caller decides', async () => {
    const s = await setup();
    const answer = await s.redeem(undefined);
    const bearer = `Bearer ${String(answer.body.access_token)}`;
    const only = (clientId: string) =>
      createMcpGuard({
        verifier: s.server.tokenVerifier,
        policy: createDefaultPolicies(),
        resourceMetadataUrl: s.server.resourceMetadataUrl,
        dpop: { ...s.server.dpop!, required: (auth) => auth.clientId === clientId },
      });
    expect((await guardCheck(only('public-client'), { authorization: bearer })).status).toBe(401);
    expect((await guardCheck(only('someone-else'), { authorization: bearer })).ok).toBe(true);
  });

  it('nonce round trip at the resource: 401 use_dpop_nonce with DPoP-Nonce, then accepted', async () => {
    const s = await setup({ dpop: { nonce: true } });
    const key = await dpopKey();
    // Token endpoint first (its nonce is the resource's too: one secret for both).
    const { code, verifier } = await (async () => {
      const v = generateCodeVerifier();
      const tokens = await s.server.tokenService();
      return {
        verifier: v,
        code: await tokens.issueAuthorizationCode({
          clientId: 'public-client',
          redirectUri: REDIRECT,
          codeChallenge: await computeS256Challenge(v),
          codeChallengeMethod: 'S256',
          scopes: ['read'],
          resource: RESOURCE,
          identity: { sub: 'alice', attributes: {}, grantableScopes: ['read'] },
        }),
      };
    })();
    const form = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'public-client',
    };
    const challenged = await s.token(form, { dpop: await proofFor(key, s.now) });
    const nonce = challenged.headers['dpop-nonce']!;
    const answer = await s.token(form, { dpop: await proofFor(key, s.now, { nonce }) });
    expect(answer.body.token_type).toBe('DPoP');
    const token = String(answer.body.access_token);
    const guard = s.guardFor();
    const bare = await guardCheck(guard, {
      authorization: `DPoP ${token}`,
      dpop: await proofFor(key, s.now, { htm: 'GET', htu: RESOURCE, accessToken: token }),
    });
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
    expect(bare.headers['dpop-nonce']).toBe(nonce);
    const retried = await guardCheck(guard, {
      authorization: `DPoP ${token}`,
      dpop: await proofFor(key, s.now, { htm: 'GET', htu: RESOURCE, accessToken: token, nonce }),
    });
    expect(retried.ok).toBe(true);
  });

  it('a store error while recording the proof → 503, never let through', async () => {
    const { s, guard, token, proof } = await bound();
    const p = await proof();
    const original = s.store.setIfAbsent.bind(s.store);
    s.store.setIfAbsent = () => Promise.reject(new Error('down'));
    const outcome = await guardCheck(guard, { authorization: `DPoP ${token}`, dpop: p });
    s.store.setIfAbsent = original;
    expect(outcome.status).toBe(503);
  });
});

describe('mcpAuth wiring (createNodeMcpAuth): dpopRequired', () => {
  const body = { jsonrpc: '2.0', id: 1, method: 'ping' };
  const nodeRequest = (headers: Record<string, string>) => ({
    method: 'POST',
    url: '/mcp',
    headers: { host: 'mcp.example.test', 'content-type': 'application/json', ...headers },
    body,
    readableEnded: true,
  });

  it('dpopRequired without DPoP on the server → TypeError at mount time', () => {
    const { server } = makeServer();
    expect(() =>
      createNodeMcpAuth({ server, policy: createDefaultPolicies(), dpopRequired: true }),
    ).toThrow(TypeError);
  });

  it('dpopRequired: true → a Bearer token is refused with a DPoP challenge; a DPoP request with a proof passes', async () => {
    const s = await setup();
    const wired = createNodeMcpAuth({
      server: s.server,
      policy: createDefaultPolicies(),
      dpopRequired: true,
    });
    const bearer = await s.redeem(undefined);
    const refused = await wired.protect(
      nodeRequest({ authorization: `Bearer ${String(bearer.body.access_token)}` }),
    );
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.response.status).toBe(401);
      expect((refused.response.headers as Record<string, string>)['www-authenticate']).toMatch(
        /^DPoP error="invalid_token"/,
      );
    }
    const key = await dpopKey();
    const bound = await s.redeem(key);
    const token = String(bound.body.access_token);
    const passed = await wired.protect(
      nodeRequest({
        authorization: `DPoP ${token}`,
        dpop: await proofFor(key, s.now, { htu: RESOURCE, accessToken: token }),
      }),
    );
    expect(passed.ok).toBe(true);
  });
});
