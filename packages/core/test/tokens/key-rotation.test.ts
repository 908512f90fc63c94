/**
 * Signing-key rotation without downtime (issue 15 item 3, docs/key-rotation.md): an
 * authorization server whose key ring is re-read at runtime, a resource server verifying
 * through the AS's JWKS over HTTP, and many concurrent verifications while the AS goes through
 * publish-next → switch → retire. No verification may fail. Then the hostile cases: a token
 * signed by a retired key is refused once the key is removed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import {
  type AuthorizationServer,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { toFetchHandler } from '../../src/http/fetch.js';
import { createNodeBearerAuth } from '../../src/resource/node-http.js';
import { createAccessTokenVerifier } from '../../src/tokens/access-token-verifier.js';
import { createRemoteKeySet } from '../../src/jwt/remote-key-set.js';
import { exportJwk, generateKeyPair } from '../../src/jwt/keys.js';
import { importKeyRing, type KeyRingDocument } from '../../src/jwt/key-ring.js';
import type { Jwk } from '../../src/jwt/keys.js';
import type { JwtKey } from '../../src/jwt/types.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { type Listening, listen, nodeBridge } from '../upstream/harness.js';

const SCOPES = ['mcp:tools:get_weather'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Scaled-down timings: the resource server's JWKS cache age, and the publish wait ≥ it.
const RS_CACHE_MS = 300;
const PUBLISH_WAIT_MS = 2 * RS_CACHE_MS;

let as: Listening;
let rs: Listening;
let server: AuthorizationServer;
let resource = '';
let ring: KeyRingDocument;
let keys: Record<'a' | 'b', { privateJwk: Jwk; publicJwk: Jwk; privateKey: JwtKey }>;

async function keyPair(kid: string) {
  const pair = await generateKeyPair('ES256', { kid, extractable: true });
  return {
    privateKey: pair.privateKey,
    privateJwk: await exportJwk(pair.privateKey),
    publicJwk: await exportJwk(pair.publicKey),
  };
}

/** A resource server verifying tokens through the AS's JWKS over HTTP (its own key-set cache). */
async function startResourceServer(jwksUrl: string, cacheMaxAgeMs: number, cooldownMs: number) {
  const authenticate = createNodeBearerAuth({
    verifier: createAccessTokenVerifier({
      key: createRemoteKeySet(jwksUrl, { cacheMaxAgeMs, cooldownMs }),
      issuer: as.origin,
      audience: resource,
      cacheSize: 1,
    }),
    resourceMetadataUrl: `${as.origin}/.well-known/oauth-protected-resource`,
  });
  return listen((req: IncomingMessage, res: ServerResponse) => {
    void authenticate(req).then((outcome) => {
      res.statusCode = outcome.ok ? 200 : outcome.response.status;
      res.end(outcome.ok ? outcome.auth.userId : '');
    });
  });
}

beforeAll(async () => {
  keys = { a: await keyPair('key-a'), b: await keyPair('key-b') };
  ring = { version: 1, keys: [{ status: 'current', jwk: keys.a.privateJwk }] };
  let origin = '';
  let handler: ((request: Request) => Promise<Response>) | undefined;
  as = await listen(
    nodeBridge(
      () => origin,
      (request) => handler!(request),
    ),
  );
  origin = as.origin;
  resource = `${origin}/mcp`;
  server = createAuthorizationServer({
    issuer: origin,
    resource,
    // What a deployment does with the file `mcp-auth keys rotate` writes: re-read it.
    signingKeys: async () => importKeyRing(JSON.parse(JSON.stringify(ring)) as KeyRingDocument),
    keyRingReloadSeconds: 3600, // the test switches explicitly with reloadSigningKeys()
    store: new MemoryStore({ maxEntries: 1_000_000 }),
    scopesSupported: SCOPES,
    identityProvider: new DevIdentityProvider({
      users: [{ username: 'alice', password: 'alice-password-123', scopes: SCOPES }],
    }),
  });
  handler = toFetchHandler(server);
  await server.ready();
  rs = await startResourceServer(`${origin}/jwks.json`, RS_CACHE_MS, RS_CACHE_MS);
}, 30_000);

afterAll(async () => {
  await rs?.close();
  await as?.close();
});

/** Mints one access token through the real code flow of the token service. */
async function mint(): Promise<string> {
  const tokens = await server.tokenService();
  const verifier = generateCodeVerifier();
  const code = await tokens.issueAuthorizationCode({
    clientId: 'load-client',
    redirectUri: 'http://127.0.0.1/cb',
    codeChallenge: await computeS256Challenge(verifier),
    codeChallengeMethod: 'S256',
    scopes: SCOPES,
    resource,
    identity: { sub: 'alice', attributes: {}, grantableScopes: SCOPES },
  });
  const response = await tokens.redeemAuthorizationCode({
    code,
    clientId: 'load-client',
    redirectUri: 'http://127.0.0.1/cb',
    codeVerifier: verifier,
    issueRefreshToken: false,
  });
  return response.access_token;
}

async function callResource(token: string, at: Listening = rs): Promise<number> {
  const res = await fetch(`${at.origin}/mcp`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function setRing(next: KeyRingDocument['keys']): Promise<void> {
  ring = { version: 1, keys: next };
  await server.reloadSigningKeys();
}

describe('key rotation under load: publish-next → switch → retire with zero failed verifications', () => {
  it('every verification succeeds through the whole rotation', async () => {
    const failures: string[] = [];
    const kidsSeen = new Set<string>();
    let verified = 0;
    let stop = false;
    // Tokens minted before the switch stay in use until retirement (they are "still valid").
    const oldTokens: string[] = [];
    let retiring = false;
    const worker = async (id: number) => {
      let i = 0;
      while (!stop) {
        i++;
        const useOld = !retiring && oldTokens.length > 0 && i % 3 === 0;
        const token = useOld ? oldTokens[(id + i) % oldTokens.length]! : await mint();
        kidsSeen.add(String(decodeProtectedHeader(token).kid));
        if (!useOld && !retiring && decodeProtectedHeader(token).kid === 'key-a') {
          if (oldTokens.length < 50) oldTokens.push(token);
        }
        const status = await callResource(token);
        if (status === 200) verified++;
        else failures.push(`${status} (kid ${decodeProtectedHeader(token).kid})`);
      }
    };
    const workers = Array.from({ length: 8 }, (_, id) => worker(id));

    await sleep(200);
    // 1. Publish the next key: in the JWKS, not signing yet.
    await setRing([
      { status: 'current', jwk: keys.a.privateJwk },
      { status: 'next', jwk: keys.b.privateJwk },
    ]);
    const published = (await (await fetch(`${as.origin}/jwks.json`)).json()) as { keys: Jwk[] };
    expect(published.keys.map((k) => k.kid)).toEqual(['key-a', 'key-b']);
    expect(JSON.stringify(published)).not.toContain(String(keys.b.privateJwk.d));
    // The timing rule: wait at least the verifiers' JWKS cache age before switching.
    await sleep(PUBLISH_WAIT_MS);
    // 2. Switch: b signs, a is retired (published, still accepted).
    await setRing([
      { status: 'current', jwk: keys.b.privateJwk },
      { status: 'retired', jwk: keys.a.publicJwk },
    ]);
    await sleep(400);
    // 3. Retire: every token a signed has expired by now (here: they are no longer presented).
    retiring = true;
    await setRing([{ status: 'current', jwk: keys.b.privateJwk }]);
    await sleep(400);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(kidsSeen).toEqual(new Set(['key-a', 'key-b']));
    expect(verified).toBeGreaterThan(50);
    const after = (await (await fetch(`${as.origin}/jwks.json`)).json()) as { keys: Jwk[] };
    expect(after.keys.map((k) => k.kid)).toEqual(['key-b']);
  }, 60_000);

  it('SECURITY: a token signed by a retired key is refused once the key is removed', async () => {
    // A still-unexpired token signed by a (forged-back) key-a ring: the AS no longer has a.
    const { signJwt } = await import('../../src/jwt/sign.js');
    const now = Math.floor(Date.now() / 1000);
    const stale = await signJwt(
      {
        iss: as.origin,
        sub: 'alice',
        aud: resource,
        iat: now,
        exp: now + 600,
        jti: 'stale-1',
        client_id: 'load-client',
        scope: SCOPES.join(' '),
      },
      keys.a.privateKey,
      { typ: 'at+jwt' },
    );
    // The AS's own verifier: refused at once.
    await expect(server.tokenVerifier.verify(stale)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    // A resource server that fetches the JWKS now: refused (the key is no longer published).
    const fresh = await startResourceServer(`${as.origin}/jwks.json`, 60_000, 60_000);
    try {
      expect(await callResource(stale, fresh)).toBe(401);
    } finally {
      await fresh.close();
    }
    // The long-running resource server: refused once its cached JWKS is older than its max age.
    await sleep(RS_CACHE_MS + 50);
    expect(await callResource(stale)).toBe(401);
    // A current token keeps working there.
    expect(await callResource(await mint())).toBe(200);
  }, 30_000);
});

describe('key-ring configuration errors (TypeError at start-up)', () => {
  it('refuses signingKeys together with signingKey, a ring without kid, or an HMAC key', async () => {
    const base = {
      issuer: 'https://as.example.com',
      resource: 'https://as.example.com/mcp',
      identityProvider: new DevIdentityProvider({
        users: [{ username: 'x', password: 'x-password-123', scopes: [] }],
      }),
    };
    const { privateKey } = await generateKeyPair('ES256', { kid: 'k' });
    expect(() =>
      createAuthorizationServer({
        ...base,
        signingKey: privateKey,
        signingKeys: { current: privateKey },
      }),
    ).toThrow(TypeError);
    const { createSecretKey } = await import('../../src/jwt/keys.js');
    const secret = await createSecretKey('s'.repeat(16) + 'x'.repeat(16) + 'y'.repeat(8));
    expect(() => createAuthorizationServer({ ...base, signingKeys: { current: secret } })).toThrow(
      /asymmetric/,
    );
    expect(() => createAuthorizationServer({ ...base })).toThrow(TypeError);
    // A loader that fails at start: ready() rejects.
    const failing = createAuthorizationServer({
      ...base,
      signingKeys: async () => {
        throw new Error('no file');
      },
    });
    await expect(failing.ready()).rejects.toThrow();
  });
});
