// Issue 14 items 3 and 4 at the handler level: the ID-JAG grant (urn:ietf:params:oauth:
// grant-type:jwt-bearer, draft-ietf-oauth-identity-assertion-authz-grant §4.4) and RFC 8693
// token exchange, with a test enterprise IdP whose assertions jose signs with real ES256 keys.
// Every hostile case is named (docs/security-cases.md, "Enterprise grants").
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/http/messages.js';
import {
  type AuthorizationServerOptions,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { DEMO_USERS, DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createTokenService } from '../../src/tokens/token-service.js';
import { createAccessTokenVerifier } from '../../src/tokens/access-token-verifier.js';
import { createRevocationChecker } from '../../src/tokens/revocation.js';
import { createSecretKey, type Jwk } from '../../src/jwt/keys.js';
import { postForm, postJson } from './helpers.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const IDP = 'https://idp.example.test';
const API = 'https://api.example.test/';
const SECRET = 'enterprise-test-secret-0123456789-abcdefghij';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';
const ADMIN = 'mcp:tools:admin';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const AGENT = basic('agent', 'agent-secret-0123456789');
const OTHER_AGENT = basic('other-agent', 'other-agent-secret-0123456789');
const MCP_SERVER = basic('mcp-server', 'mcp-server-secret-0123456789');
const OTHER_SERVER = basic('other-server', 'other-server-secret-0123456789');

let idpKey: CryptoKey;
let idpPublicJwk: Jwk;
let strangerKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  idpKey = pair.privateKey;
  idpPublicJwk = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'idp-1',
    alg: 'ES256',
    use: 'sig',
  } as Jwk;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
});

interface JagOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: CryptoKey;
  iss?: string;
  lifetime?: number;
  iatOffset?: number;
}

/** An ID-JAG from the test IdP: alice, for the client `agent`, our issuer and resource. */
async function idJag(options: JagOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + (options.iatOffset ?? 0);
  const payload: Record<string, unknown> = {
    iss: options.iss ?? IDP,
    sub: 'alice',
    aud: ISSUER,
    client_id: 'agent',
    resource: RESOURCE,
    jti: randomUUID(),
    iat: now,
    exp: now + (options.lifetime ?? 120),
    ...options.claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'oauth-id-jag+jwt', ...options.header })
    .sign(options.key ?? idpKey);
}

function options(overrides: Partial<AuthorizationServerOptions> = {}): AuthorizationServerOptions {
  return {
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: SECRET,
    store: new MemoryStore(),
    scopesSupported: [READ, WRITE, ADMIN],
    identityProvider: new DevIdentityProvider({ iterations: 10_000, users: DEMO_USERS }),
    clients: [
      {
        clientId: 'agent',
        clientSecret: 'agent-secret-0123456789',
        redirectUris: [],
        grantTypes: [JWT_BEARER],
      },
      {
        clientId: 'other-agent',
        clientSecret: 'other-agent-secret-0123456789',
        redirectUris: [],
        grantTypes: [JWT_BEARER],
      },
      {
        clientId: 'mcp-server',
        clientSecret: 'mcp-server-secret-0123456789',
        redirectUris: [],
        grantTypes: [TOKEN_EXCHANGE],
      },
      {
        clientId: 'other-server',
        clientSecret: 'other-server-secret-0123456789',
        redirectUris: [],
        grantTypes: [TOKEN_EXCHANGE],
      },
    ],
    trustedIdentityProviders: [{ issuer: IDP, jwks: { keys: [idpPublicJwk] } }],
    tokenExchange: { audiences: { [API]: { clients: ['mcp-server'], scopes: [READ, WRITE] } } },
    ...overrides,
  };
}

const body = (r: HttpResponse) => JSON.parse(String(r.body)) as Record<string, unknown>;

function token(
  server: ReturnType<typeof createAuthorizationServer>,
  form: Record<string, string>,
  auth = AGENT,
) {
  return server.handle(postForm(`${ISSUER}/token`, form, { authorization: auth }));
}

const jagForm = (assertion: string, extra: Record<string, string> = {}) => ({
  grant_type: JWT_BEARER,
  assertion,
  ...extra,
});

async function expectError(response: Promise<HttpResponse>, status: number, code: string) {
  const r = await response;
  expect({ status: r.status, error: body(r).error }).toEqual({ status, error: code });
  // Never echo the assertion or a token.
  expect(String(r.body)).not.toMatch(/eyJ/);
  return r;
}

describe('ID-JAG grant (enterprise-managed authorization)', () => {
  it('an ID-JAG from the trusted IdP gives the asserted user an access token: no refresh token, aud = resource, the user’s grantable scopes only', async () => {
    const server = createAuthorizationServer(options());
    const r = await token(server, jagForm(await idJag({ claims: { scope: `${READ} ${WRITE}` } })));
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const b = body(r);
    expect(b.refresh_token).toBeUndefined();
    // alice (viewer) may be granted read only: write is dropped as on the consent page.
    expect(b.scope).toBe(READ);
    const { payload } = await jwtVerify(String(b.access_token), new TextEncoder().encode(SECRET), {
      issuer: ISSUER,
      audience: RESOURCE,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: 'alice',
      client_id: 'agent',
      role: 'viewer',
      scope: READ,
    });
    const context = await server.tokenVerifier.verify(String(b.access_token));
    expect(context.userId).toBe('alice');
  });

  it('carol’s ID-JAG with no scope claim gets every scope she may be granted', async () => {
    const server = createAuthorizationServer(options());
    const r = await token(server, jagForm(await idJag({ claims: { sub: 'carol' } })));
    expect(body(r).scope).toBe(`${READ} ${WRITE} ${ADMIN}`);
  });

  it('metadata advertises jwt-bearer, token-exchange and the id-jag grant profile (never the trusted issuers); without configuration, neither', async () => {
    const on = createAuthorizationServer(options()).metadata();
    expect(on.grant_types_supported).toEqual(expect.arrayContaining([JWT_BEARER, TOKEN_EXCHANGE]));
    expect(on.authorization_grant_profiles_supported).toEqual([
      'urn:ietf:params:oauth:grant-profile:id-jag',
    ]);
    expect(JSON.stringify(on)).not.toContain(IDP);
    const off = createAuthorizationServer(
      options({ trustedIdentityProviders: undefined, tokenExchange: undefined }),
    );
    expect(off.metadata().grant_types_supported).not.toContain(JWT_BEARER);
    expect(off.metadata().grant_types_supported).not.toContain(TOKEN_EXCHANGE);
    expect(off.metadata().authorization_grant_profiles_supported).toBeUndefined();
    await expectError(token(off, jagForm(await idJag())), 400, 'unsupported_grant_type');
  });

  it('EMA-1 wrong aud (another authorization server, or an array with a second audience) → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    await expectError(
      token(server, jagForm(await idJag({ claims: { aud: 'https://other-as.test' } }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag({ claims: { aud: [ISSUER, 'https://other-as.test'] } }))),
      400,
      'invalid_grant',
    );
    // An array of exactly our issuer is accepted (draft §4.4.1).
    expect((await token(server, jagForm(await idJag({ claims: { aud: [ISSUER] } })))).status).toBe(
      200,
    );
  });

  it('EMA-2 a replayed jti → invalid_grant (single use through the store)', async () => {
    const server = createAuthorizationServer(options());
    const assertion = await idJag();
    expect((await token(server, jagForm(assertion))).status).toBe(200);
    await expectError(token(server, jagForm(assertion)), 400, 'invalid_grant');
    // Another assertion with the same jti from the same IdP is a replay too.
    const jti = randomUUID();
    expect((await token(server, jagForm(await idJag({ claims: { jti } })))).status).toBe(200);
    await expectError(
      token(server, jagForm(await idJag({ claims: { jti } }))),
      400,
      'invalid_grant',
    );
  });

  it('EMA-3 expired, issued in the future, or valid too long → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    await expectError(
      token(server, jagForm(await idJag({ iatOffset: -600, lifetime: 60 }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag({ iatOffset: 600 }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag({ lifetime: 3600 }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag({ claims: { exp: undefined } }))),
      400,
      'invalid_grant',
    );
  });

  it('EMA-4 an untrusted issuer, or the trusted issuer’s name signed with another key → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    await expectError(
      token(server, jagForm(await idJag({ iss: 'https://evil-idp.test', key: strangerKey }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag({ key: strangerKey }))),
      400,
      'invalid_grant',
    );
  });

  it('EMA-5 alg confusion: HS256 keyed with the IdP’s public key, and alg none → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: IDP,
      sub: 'alice',
      aud: ISSUER,
      client_id: 'agent',
      resource: RESOURCE,
      iat: now,
      exp: now + 60,
    };
    for (const secret of [JSON.stringify(idpPublicJwk), String(idpPublicJwk.x)]) {
      const forged = await new SignJWT({ ...claims, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: 'idp-1', typ: 'oauth-id-jag+jwt' })
        .sign(new TextEncoder().encode(secret));
      await expectError(token(server, jagForm(forged)), 400, 'invalid_grant');
    }
    const unsigned = new UnsecuredJWT({ ...claims, jti: randomUUID() }).encode();
    await expectError(token(server, jagForm(unsigned)), 400, 'invalid_grant');
  });

  it('EMA-6 wrong typ (JWT, at+jwt, none) → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    for (const typ of ['JWT', 'at+jwt', undefined]) {
      await expectError(
        token(server, jagForm(await idJag({ header: { typ } }))),
        400,
        'invalid_grant',
      );
    }
  });

  it('EMA-7 client mismatch: an ID-JAG issued to agent presented by other-agent → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    await expectError(token(server, jagForm(await idJag()), OTHER_AGENT), 400, 'invalid_grant');
  });

  it('EMA-8 resource mismatch: another resource in the assertion, none, or a different resource parameter', async () => {
    const server = createAuthorizationServer(options());
    await expectError(
      token(server, jagForm(await idJag({ claims: { resource: 'https://other.test/mcp' } }))),
      400,
      'invalid_target',
    );
    await expectError(
      token(server, jagForm(await idJag({ claims: { resource: undefined } }))),
      400,
      'invalid_grant',
    );
    await expectError(
      token(server, jagForm(await idJag(), { resource: 'https://other.test/mcp' })),
      400,
      'invalid_target',
    );
    expect((await token(server, jagForm(await idJag(), { resource: RESOURCE }))).status).toBe(200);
  });

  it('EMA-9 scope escalation: past the IdP’s scope claim, the client’s registered scopes or what the user may be granted → never granted; nothing left → invalid_scope; an unknown scope → invalid_scope', async () => {
    const server = createAuthorizationServer(options());
    const carol = (claims: Record<string, unknown>) =>
      idJag({ claims: { sub: 'carol', ...claims } });
    // The IdP allowed read only: write is not granted even to carol, who may hold it.
    const narrowed = await token(
      server,
      jagForm(await carol({ scope: READ }), { scope: `${READ} ${WRITE}` }),
    );
    expect(body(narrowed).scope).toBe(READ);
    await expectError(
      token(server, jagForm(await carol({ scope: READ }), { scope: WRITE })),
      400,
      'invalid_scope',
    );
    // alice may be granted read only.
    const alice = await token(server, jagForm(await idJag(), { scope: `${READ} ${ADMIN}` }));
    expect(body(alice).scope).toBe(READ);
    await expectError(
      token(server, jagForm(await idJag(), { scope: ADMIN })),
      400,
      'invalid_scope',
    );
    await expectError(
      token(server, jagForm(await idJag(), { scope: 'mcp:tools:unknown' })),
      400,
      'invalid_scope',
    );
    // A client registered for read only never gets more, whatever the IdP and the user allow.
    const limited = createAuthorizationServer(
      options({
        clients: [
          {
            clientId: 'agent',
            clientSecret: 'agent-secret-0123456789',
            redirectUris: [],
            grantTypes: [JWT_BEARER],
            scope: READ,
          },
        ],
      }),
    );
    const capped = await token(
      limited,
      jagForm(await carol({}), { scope: `${READ} ${WRITE} ${ADMIN}` }),
    );
    expect(body(capped).scope).toBe(READ);
  });

  it('the token’s mcp_grantable_scopes is what this client may ever get for the user (registration ∩ user), so a call needing more is answered inside MCP, not with a 403 step-up that cannot succeed', async () => {
    const limited = createAuthorizationServer(
      options({
        clients: [
          {
            clientId: 'agent',
            clientSecret: 'agent-secret-0123456789',
            redirectUris: [],
            grantTypes: [JWT_BEARER],
            scope: `${READ} ${WRITE}`,
          },
        ],
      }),
    );
    const grantable = async (sub: string) => {
      const r = await token(limited, jagForm(await idJag({ claims: { sub } })));
      const context = await limited.tokenVerifier.verify(String(body(r).access_token));
      return context.claims['mcp_grantable_scopes'];
    };
    // carol may hold admin, but this client never: admin is not grantable through it.
    expect(await grantable('carol')).toEqual([READ, WRITE]);
    // The registration rides along, so a refusal can name the client as the limit.
    const carol = await token(limited, jagForm(await idJag({ claims: { sub: 'carol' } })));
    const carolContext = await limited.tokenVerifier.verify(String(body(carol).access_token));
    expect(carolContext.claims['mcp_client_scopes']).toEqual([READ, WRITE]);
    // alice may hold read only, whatever the client registered.
    expect(await grantable('alice')).toEqual([READ]);
    // Without a registered scope, the user's grantable scopes stand.
    const open = createAuthorizationServer(options());
    const r = await token(open, jagForm(await idJag({ claims: { sub: 'carol' } })));
    const context = await open.tokenVerifier.verify(String(body(r).access_token));
    expect(context.claims['mcp_grantable_scopes']).toEqual([ADMIN, READ, WRITE]);
    expect(context.claims['mcp_client_scopes']).toBeUndefined();
  });

  it('EMA-10 an unknown subject → invalid_grant; a mapSubject hook decides who the user is', async () => {
    const server = createAuthorizationServer(options());
    await expectError(
      token(server, jagForm(await idJag({ claims: { sub: 'mallory' } }))),
      400,
      'invalid_grant',
    );
    const mapped = createAuthorizationServer(
      options({
        trustedIdentityProviders: [
          {
            issuer: IDP,
            jwks: { keys: [idpPublicJwk] },
            mapSubject: (a) =>
              a.claims.email === 'bob@corp.example'
                ? {
                    sub: `corp|${a.subject}`,
                    attributes: { role: 'editor' },
                    grantableScopes: [READ, WRITE],
                  }
                : undefined,
          },
        ],
      }),
    );
    const r = await token(
      mapped,
      jagForm(await idJag({ claims: { sub: 'U123', email: 'bob@corp.example' } })),
    );
    expect(body(r).scope).toBe(`${READ} ${WRITE}`);
    expect((await mapped.tokenVerifier.verify(String(body(r).access_token))).userId).toBe(
      'corp|U123',
    );
    await expectError(
      token(mapped, jagForm(await idJag({ claims: { email: 'eve@corp.example' } }))),
      400,
      'invalid_grant',
    );
  });

  it('EMA-11 a client the IdP entry does not list → unauthorized_client; a client without the grant type → unauthorized_client', async () => {
    const server = createAuthorizationServer(
      options({
        trustedIdentityProviders: [
          { issuer: IDP, jwks: { keys: [idpPublicJwk] }, clients: ['other-agent'] },
        ],
      }),
    );
    await expectError(token(server, jagForm(await idJag())), 400, 'unauthorized_client');
    await expectError(
      token(server, jagForm(await idJag({ claims: { client_id: 'mcp-server' } })), MCP_SERVER),
      400,
      'unauthorized_client',
    );
  });

  it('EMA-12 a registration or metadata document asking for jwt-bearer or token-exchange → invalid_client_metadata', async () => {
    const server = createAuthorizationServer(options());
    for (const grant of [JWT_BEARER, TOKEN_EXCHANGE]) {
      const r = await server.handle(
        postJson(`${ISSUER}/register`, {
          client_name: 'x',
          grant_types: [grant],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      );
      expect({ status: r.status, error: body(r).error }).toEqual({
        status: 400,
        error: 'invalid_client_metadata',
      });
    }
  });

  it('EMA-13 a full store refuses the jti marker: 503, nothing minted (replay state is never evicted)', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const server = createAuthorizationServer(options({ store }));
    let last: HttpResponse | undefined;
    for (let i = 0; i < 6; i++) last = await token(server, jagForm(await idJag()));
    expect(last?.status).toBe(503);
    expect(body(last!).access_token).toBeUndefined();
  });

  it('a jwksUri IdP: keys fetched over HTTP (loopback allowed for the test), an unknown issuer never fetches', async () => {
    let hits = 0;
    const jwksServer = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [idpPublicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    try {
      const server = createAuthorizationServer(
        options({
          trustedIdentityProviders: [
            {
              issuer: IDP,
              jwksUri: `http://127.0.0.1:${port}/jwks.json`,
              allowInsecureLoopback: true,
            },
          ],
        }),
      );
      await expectError(
        token(server, jagForm(await idJag({ iss: 'https://evil-idp.test' }))),
        400,
        'invalid_grant',
      );
      expect(hits).toBe(0);
      expect((await token(server, jagForm(await idJag()))).status).toBe(200);
      expect(hits).toBe(1);
      expect((await token(server, jagForm(await idJag()))).status).toBe(200);
      expect(hits).toBe(1); // cached
    } finally {
      await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
    }
  });

  it('several resources: the assertion (or the resource parameter) picks one; the token is for it', async () => {
    const other = 'https://tasks.example.test/mcp';
    const server = createAuthorizationServer(
      options({ resource: undefined, resources: [{ url: RESOURCE }, { url: other }] }),
    );
    const r = await token(server, jagForm(await idJag({ claims: { resource: other } })));
    const { payload } = await jwtVerify(
      String(body(r).access_token),
      new TextEncoder().encode(SECRET),
      { audience: other },
    );
    expect(payload.aud).toBe(other);
    await expectError(
      token(server, jagForm(await idJag({ claims: { resource: [RESOURCE, other] } }))),
      400,
      'invalid_target',
    );
    const picked = await token(
      server,
      jagForm(await idJag({ claims: { resource: [RESOURCE, other] } }), { resource: RESOURCE }),
    );
    expect(picked.status).toBe(200);
    // A token for the second resource can be exchanged too (its aud picks the verifier).
    const exchanged = await token(
      server,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: String(body(r).access_token),
        subject_token_type: ACCESS_TOKEN,
        resource: API,
      },
      MCP_SERVER,
    );
    expect(exchanged.status).toBe(200);
  });

  it('TX-8 subjectResources binds an audience to some resources: a token a caller presented to another resource is not exchanged (invalid_grant); misdeclared → TypeError', async () => {
    const other = 'https://tasks.example.test/mcp';
    const bound = (subjectResources: unknown) =>
      options({
        resource: undefined,
        resources: [{ url: RESOURCE }, { url: other }],
        tokenExchange: {
          audiences: {
            [API]: {
              clients: ['mcp-server'],
              subjectResources: subjectResources as string[],
            },
          },
        },
      });
    const server = createAuthorizationServer(bound([RESOURCE]));
    const exchange = async (resource: string) => {
      const r = await token(server, jagForm(await idJag({ claims: { resource } })));
      expect(r.status).toBe(200);
      return token(
        server,
        {
          grant_type: TOKEN_EXCHANGE,
          subject_token: String(body(r).access_token),
          subject_token_type: ACCESS_TOKEN,
          resource: API,
        },
        MCP_SERVER,
      );
    };
    expect((await exchange(RESOURCE)).status).toBe(200);
    await expectError(exchange(other), 400, 'invalid_grant');
    for (const wrong of [[], [API], ['https://unknown.example.test/mcp'], [ISSUER], 'x'])
      expect(() => createAuthorizationServer(bound(wrong)), JSON.stringify(wrong)).toThrow(
        /subjectResources/,
      );
  });

  it('EMA-15 a key-bound ID-JAG (cnf.jkt) needs a DPoP proof of that key: none or another key → invalid_grant; the right one → a DPoP-bound token. authorization_details → invalid_grant', async () => {
    const server = createAuthorizationServer(options({ dpop: true }));
    const key = async () => {
      const pair = await generateKeyPair('ES256');
      const jwk = await exportJWK(pair.publicKey);
      return { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    };
    const bound = await key();
    const other = await key();
    const proof = (k: Awaited<ReturnType<typeof key>>) =>
      new SignJWT({
        jti: randomUUID(),
        htm: 'POST',
        htu: `${ISSUER}/token`,
        iat: Math.floor(Date.now() / 1000),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk } as never)
        .sign(k.privateKey);
    const withCnf = () => idJag({ claims: { cnf: { jkt: bound.jkt } } });
    await expectError(token(server, jagForm(await withCnf())), 400, 'invalid_grant');
    await expectError(
      server.handle(
        postForm(`${ISSUER}/token`, jagForm(await withCnf()), {
          authorization: AGENT,
          dpop: await proof(other),
        }),
      ),
      400,
      'invalid_grant',
    );
    const ok = await server.handle(
      postForm(`${ISSUER}/token`, jagForm(await withCnf()), {
        authorization: AGENT,
        dpop: await proof(bound),
      }),
    );
    expect(ok.status).toBe(200);
    expect(body(ok).token_type).toBe('DPoP');
    const { payload } = await jwtVerify(
      String(body(ok).access_token),
      new TextEncoder().encode(SECRET),
      { audience: RESOURCE },
    );
    expect(payload.cnf).toEqual({ jkt: bound.jkt });
    await expectError(
      token(server, jagForm(await idJag({ claims: { authorization_details: [{ type: 'x' }] } }))),
      400,
      'invalid_grant',
    );
  });

  it('configuration mistakes are TypeErrors at start-up: a secret or private key in jwks, HS256 allowed, no subject mapping, both jwks and jwksUri, a private jwksUri', () => {
    const bad: Partial<AuthorizationServerOptions>[] = [
      {
        trustedIdentityProviders: [
          { issuer: IDP, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
        ],
      },
      {
        trustedIdentityProviders: [{ issuer: IDP, jwks: { keys: [{ ...idpPublicJwk, d: 'x' }] } }],
      },
      {
        trustedIdentityProviders: [
          { issuer: IDP, jwks: { keys: [idpPublicJwk] }, algorithms: ['HS256'] },
        ],
      },
      {
        trustedIdentityProviders: [
          { issuer: IDP, jwks: { keys: [idpPublicJwk] }, jwksUri: `${IDP}/jwks` },
        ],
      },
      { trustedIdentityProviders: [{ issuer: IDP, jwksUri: 'https://10.0.0.1/jwks' }] },
      {
        trustedIdentityProviders: [
          { issuer: IDP, jwks: { keys: [idpPublicJwk] } },
          { issuer: IDP, jwks: { keys: [idpPublicJwk] } },
        ],
      },
      { tokenExchange: { audiences: { [RESOURCE]: { clients: ['mcp-server'] } } } },
      { tokenExchange: { audiences: { [API]: { clients: [] } } } },
      { tokenExchange: { audiences: {} } },
    ];
    for (const overrides of bad)
      expect(() => createAuthorizationServer(options(overrides))).toThrow(TypeError);
    const upstream = {
      kind: 'redirect' as const,
      startLogin: async () => ({ url: new URL(IDP), data: null }),
      completeLogin: async () => ({ identity: { sub: 'x', attributes: {}, grantableScopes: [] } }),
    };
    expect(() =>
      createAuthorizationServer(
        options({
          identityProvider: upstream,
          upstreamEncryptionKey: 'test-upstream-encryption-key-0123456789abcdef',
        }),
      ),
    ).toThrow(/mapSubject is required/);
  });
});

describe('token exchange (RFC 8693) for downstream APIs', () => {
  async function aliceToken(server: ReturnType<typeof createAuthorizationServer>, scope?: string) {
    const r = await token(
      server,
      jagForm(await idJag({ claims: { sub: 'bob' } }), scope ? { scope } : {}),
    );
    expect(r.status).toBe(200);
    return String(body(r).access_token);
  }
  const exchangeForm = (subject: string, extra: Record<string, string> = {}) => ({
    grant_type: TOKEN_EXCHANGE,
    subject_token: subject,
    subject_token_type: ACCESS_TOKEN,
    resource: API,
    ...extra,
  });

  it('the MCP server exchanges the user’s token for the declared API: aud = API, sub = user, act.sub = the MCP server, scopes ⊆ subject, no refresh token, expires no later', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    const r = await token(server, exchangeForm(subject, { scope: READ }), MCP_SERVER);
    expect(r.status).toBe(200);
    const b = body(r);
    expect(b).toMatchObject({ token_type: 'Bearer', scope: READ, issued_token_type: ACCESS_TOKEN });
    expect(b.refresh_token).toBeUndefined();
    const key = new TextEncoder().encode(SECRET);
    const { payload } = await jwtVerify(String(b.access_token), key, {
      issuer: ISSUER,
      audience: API,
      typ: 'at+jwt',
    });
    const { payload: original } = await jwtVerify(subject, key, { audience: RESOURCE });
    expect(payload).toMatchObject({
      sub: 'bob',
      client_id: 'mcp-server',
      act: { sub: 'mcp-server' },
      role: 'editor',
      scope: READ,
    });
    expect(payload.exp!).toBeLessThanOrEqual(original.exp!);
    // Without scope: what the declaration allows of the subject's (bob: read + write).
    const all = await token(server, exchangeForm(subject), MCP_SERVER);
    expect(body(all).scope).toBe(`${READ} ${WRITE}`);
    // By `audience` instead of `resource`.
    const { resource: _, ...withoutResource } = exchangeForm(subject);
    const byAudience = await token(server, { ...withoutResource, audience: API }, MCP_SERVER);
    expect(byAudience.status).toBe(200);
  });

  it('TX-1 exchange to an undeclared audience → invalid_target; no target → invalid_target', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    await expectError(
      token(server, exchangeForm(subject, { resource: 'https://undeclared.test/' }), MCP_SERVER),
      400,
      'invalid_target',
    );
    await expectError(
      token(server, exchangeForm(subject, { resource: RESOURCE }), MCP_SERVER),
      400,
      'invalid_target',
    );
    await expectError(
      token(server, { ...exchangeForm(subject), resource: '' }, MCP_SERVER),
      400,
      'invalid_target',
    );
  });

  it('TX-2 exchange by an undeclared client → unauthorized_client; a client without the grant type → unauthorized_client', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    await expectError(
      token(server, exchangeForm(subject), OTHER_SERVER),
      400,
      'unauthorized_client',
    );
    await expectError(token(server, exchangeForm(subject), AGENT), 400, 'unauthorized_client');
  });

  it('TX-3 exchange of a revoked token → invalid_grant', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    const revoked = await server.handle(
      postForm(`${ISSUER}/revoke`, { token: subject }, { authorization: AGENT }),
    );
    expect(revoked.status).toBe(200);
    await expectError(token(server, exchangeForm(subject), MCP_SERVER), 400, 'invalid_grant');
  });

  it('TX-4 scope escalation: a scope the subject token lacks, or the audience does not allow → invalid_scope', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server, READ);
    await expectError(
      token(server, exchangeForm(subject, { scope: WRITE }), MCP_SERVER),
      400,
      'invalid_scope',
    );
    const carol = await token(server, jagForm(await idJag({ claims: { sub: 'carol' } })));
    await expectError(
      token(server, exchangeForm(String(body(carol).access_token), { scope: ADMIN }), MCP_SERVER),
      400,
      'invalid_scope',
    );
  });

  it('TX-5 the exchanged token is refused by this server’s own verifier (its aud is the API), and cannot be exchanged again', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    const exchanged = String(
      body(await token(server, exchangeForm(subject), MCP_SERVER)).access_token,
    );
    await expect(server.tokenVerifier.verify(exchanged)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    await expectError(token(server, exchangeForm(exchanged), MCP_SERVER), 400, 'invalid_grant');
  });

  it('TX-6 a garbage subject token, a wrong subject_token_type, an actor_token or another requested_token_type → refused', async () => {
    const server = createAuthorizationServer(options());
    const subject = await aliceToken(server);
    await expectError(
      token(server, exchangeForm('garbage.token.here'), MCP_SERVER),
      400,
      'invalid_grant',
    );
    await expectError(
      token(
        server,
        exchangeForm(subject, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
        MCP_SERVER,
      ),
      400,
      'invalid_request',
    );
    await expectError(
      token(
        server,
        exchangeForm(subject, { actor_token: subject, actor_token_type: ACCESS_TOKEN }),
        MCP_SERVER,
      ),
      400,
      'invalid_request',
    );
    await expectError(
      token(
        server,
        exchangeForm(subject, {
          requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
        }),
        MCP_SERVER,
      ),
      400,
      'invalid_request',
    );
  });

  it('a resource server introspects an exchanged token (active, aud = API, act); revoking the user’s grant makes it inactive', async () => {
    const rsSecret = 'introspection-secret-0123456789-abcdef';
    const server = createAuthorizationServer(options({ introspectionSecret: rsSecret }));
    const subject = await aliceToken(server);
    const exchanged = String(
      body(await token(server, exchangeForm(subject), MCP_SERVER)).access_token,
    );
    const introspect = async () =>
      body(
        await server.handle(
          postForm(
            `${ISSUER}/introspect`,
            { token: exchanged },
            { authorization: `Bearer ${rsSecret}` },
          ),
        ),
      );
    expect(await introspect()).toMatchObject({
      active: true,
      aud: API,
      sub: 'bob',
      act: { sub: 'mcp-server' },
      token_type: 'Bearer',
    });
    const { payload } = await jwtVerify(subject, new TextEncoder().encode(SECRET), {
      audience: RESOURCE,
    });
    await (await server.tokenService()).revokeGrant(String(payload.grant_id));
    expect(await introspect()).toEqual({ active: false });
    await expectError(token(server, exchangeForm(subject), MCP_SERVER), 400, 'invalid_grant');
  });

  it('TX-9 the MCP server revokes an exchanged token on its own at the revocation endpoint (RFC 7009): inactive from then on, the user’s token and grant untouched; another client’s revocation is ignored', async () => {
    const rsSecret = 'introspection-secret-0123456789-abcdef';
    const store = new MemoryStore();
    const server = createAuthorizationServer(options({ introspectionSecret: rsSecret, store }));
    const subject = await aliceToken(server);
    const exchange = async () =>
      String(body(await token(server, exchangeForm(subject), MCP_SERVER)).access_token);
    const exchanged = await exchange();
    const sibling = await exchange();
    const introspect = async (value: string) =>
      body(
        await server.handle(
          postForm(
            `${ISSUER}/introspect`,
            { token: value },
            { authorization: `Bearer ${rsSecret}` },
          ),
        ),
      );
    const revoke = (auth: string) =>
      server.handle(
        postForm(
          `${ISSUER}/revoke`,
          { token: exchanged, token_type_hint: 'access_token' },
          { authorization: auth },
        ),
      );
    // Another client cannot revoke it (RFC 7009 §2.1: 200 all the same, nothing changes).
    expect((await revoke(OTHER_SERVER)).status).toBe(200);
    expect(await introspect(exchanged)).toMatchObject({ active: true, aud: API });
    // The client it was issued to can.
    expect((await revoke(MCP_SERVER)).status).toBe(200);
    expect(await introspect(exchanged)).toEqual({ active: false });
    // A downstream API checking revocation through the shared store refuses it too.
    const downstream = createAccessTokenVerifier({
      key: await createSecretKey(SECRET),
      issuer: ISSUER,
      audience: API,
      isRevoked: createRevocationChecker(store),
    });
    await expect(downstream.verify(exchanged)).rejects.toThrow(/revoked/);
    await expect(downstream.verify(sibling)).resolves.toMatchObject({ userId: 'bob' });
    // Only that token: the user's own token, its grant and later exchanges still work.
    expect((await server.tokenVerifier.verify(subject)).userId).toBe('bob');
    expect(await introspect(await exchange())).toMatchObject({ active: true });
  });

  it('a machine subject (client credentials) stays marked as one in the exchanged token', async () => {
    const server = createAuthorizationServer(
      options({
        clients: [
          {
            clientId: 'mcp-server',
            clientSecret: 'mcp-server-secret-0123456789',
            redirectUris: [],
            grantTypes: [TOKEN_EXCHANGE],
          },
          {
            clientId: 'robot',
            clientSecret: 'robot-secret-0123456789',
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: READ,
          },
        ],
      }),
    );
    const machine = await token(
      server,
      { grant_type: 'client_credentials' },
      basic('robot', 'robot-secret-0123456789'),
    );
    expect(machine.status).toBe(200);
    const r = await token(server, exchangeForm(String(body(machine).access_token)), MCP_SERVER);
    const { payload } = await jwtVerify(
      String(body(r).access_token),
      new TextEncoder().encode(SECRET),
      { audience: API },
    );
    expect(payload).toMatchObject({
      sub: 'robot',
      mcp_principal: 'client',
      act: { sub: 'mcp-server' },
    });
  });

  it('an earlier act is nested under the new actor (RFC 8693 §4.1)', async () => {
    const service = createTokenService({
      store: new MemoryStore(),
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: await createSecretKey(SECRET),
    });
    const response = await service.exchangeAccessToken({
      clientId: 'second-hop',
      subject: {
        userId: 'bob',
        clientId: 'mcp-server',
        scopes: [READ],
        claims: { act: { sub: 'mcp-server' }, role: 'editor' },
        expiresAt: Math.floor(Date.now() / 1000) + 600,
        jti: 'j',
        resource: RESOURCE,
        grantId: 'g',
      },
      audience: API,
      scopes: [READ],
    });
    const { payload } = await jwtVerify(response.access_token, new TextEncoder().encode(SECRET), {
      audience: API,
    });
    expect(payload.act).toEqual({ sub: 'second-hop', act: { sub: 'mcp-server' } });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
  });
});
