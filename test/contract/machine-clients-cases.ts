// Issue 14 items 1, 2 and 6 through every contract mount (Express, Koa, fastmcp, Fetch): machine
// clients with the official MCP SDK v2 client. `ClientCredentialsProvider` (client_secret_basic,
// and client_secret_post), and `PrivateKeyJwtProvider` signing ES256 assertions with a key made
// by jose, discover the server (RFC 9728 → RFC 8414), get a client credentials token (the
// client is the subject, `mcp_principal: "client"`, no refresh token), list tools filtered by
// the policy, call an allowed tool, and are refused a write tool (a machine client can never
// hold write: no step-up) and a tool the policy keeps for people (`{ principal: "client" }`).
// Core's tests (packages/core/test/server/machine-clients.test.ts) hold every hostile case;
// these prove each adapter carries the grant and the client authentication unchanged.
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import {
  Client as ClientV2,
  ClientCredentialsProvider,
  PrivateKeyJwtProvider,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { MemoryStore } from '@mcp-auth/core';
import type { Jwk } from '@mcp-auth/core/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  READ,
  TestClock,
  WRITE,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

const BASIC_ID = 'machine-basic';
const POST_ID = 'machine-post';
const JWT_ID = 'machine-jwt';
const SECRET = 'machine-client-secret-0123456789-abcdef';

const text = (result: unknown) =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((c) => c.text ?? '')
    .join('');

/** The client_credentials provider, sending its secret in the form (client_secret_post). */
class PostClientCredentialsProvider extends ClientCredentialsProvider {
  override clientInformation() {
    return { ...super.clientInformation(), token_endpoint_auth_method: 'client_secret_post' };
  }
}

/** How the client authenticated at the token endpoint, read from what it sent (never logged). */
type TokenAuth = 'basic' | 'post' | 'private_key_jwt' | 'other';

/** Registers the machine-client cases for one mount. */
export function defineMachineClientCases(name: string, mount: MountContract): void {
  describe(`${name}: machine clients — client credentials and private_key_jwt with the v2 client (issue 14)`, () => {
    // The client signs assertions on the real clock: the authorization server runs on it too.
    const clock = new TestClock(0);
    const policy = createContractPolicy();
    // People only: a machine client is refused whatever its scopes (policy on the principal).
    policy.addRule({
      id: 'whoami-people-only',
      tools: 'whoami',
      effect: 'deny',
      when: { principal: 'client' },
    });
    let m: ContractMount;
    let privateJwk: JWK;
    let publicJwk: Jwk;

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      privateJwk = await exportJWK(pair.privateKey);
      publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig' } as Jwk;
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore({ now: clock.now }), clock, {
            clients: [
              {
                clientId: BASIC_ID,
                clientSecret: SECRET,
                grantTypes: ['client_credentials'],
                scope: READ,
              },
              {
                clientId: POST_ID,
                clientSecret: SECRET,
                tokenEndpointAuthMethod: 'client_secret_post',
                grantTypes: ['client_credentials'],
                scope: READ,
              },
              {
                clientId: JWT_ID,
                jwks: { keys: [publicJwk] },
                tokenEndpointAuthSigningAlg: 'ES256',
                grantTypes: ['client_credentials'],
                scope: READ,
              },
            ],
          }),
        ),
      );
    });
    afterAll(async () => {
      await m?.close();
    });

    /** Connects the v2 client with `provider`; records how the token request authenticated. */
    async function connect(
      provider: ClientCredentialsProvider | PrivateKeyJwtProvider,
    ): Promise<{ client: ClientV2; auth: TokenAuth[] }> {
      const auth: TokenAuth[] = [];
      const recording = async (input: string | URL | Request, init?: RequestInit) => {
        const request = new Request(input, init);
        if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/token')) {
          const form = new URLSearchParams(await request.clone().text());
          auth.push(
            request.headers.get('authorization')?.startsWith('Basic ')
              ? 'basic'
              : form.has('client_secret')
                ? 'post'
                : form.get('client_assertion_type') ===
                    'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
                  ? 'private_key_jwt'
                  : 'other',
          );
        }
        return fetch(request);
      };
      const client = new ClientV2({ name: 'machine-client', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
          authProvider: provider,
          fetch: recording as typeof fetch,
        }),
      );
      return { client, auth };
    }

    /** The refusals every machine client gets: write (never grantable) and a people-only tool. */
    async function expectRefusals(client: ClientV2): Promise<void> {
      const send = await client
        .callTool({ name: 'send_email', arguments: { to: 'bob' } })
        .catch((error: unknown) => error);
      expect(text(send)).toMatch(/scope_not_grantable/);
      expect((send as { isError?: boolean }).isError ?? send instanceof Error).toBe(true);
      const whoami = await client
        .callTool({ name: 'whoami', arguments: {} })
        .catch((error: unknown) => error);
      expect(text(whoami)).toMatch(/whoami-people-only/);
      expect((whoami as { isError?: boolean }).isError ?? whoami instanceof Error).toBe(true);
    }

    it('ClientCredentialsProvider (client_secret_basic): a machine token, tools filtered by the policy, an allowed call, write and people-only tools refused', async () => {
      const provider = new ClientCredentialsProvider({
        clientId: BASIC_ID,
        clientSecret: SECRET,
        expectedIssuer: m.issuer,
        scope: READ,
      });
      const { client, auth } = await connect(provider);
      try {
        expect(auth).toEqual(['basic']);
        expect(provider.tokens()?.refresh_token).toBeUndefined();
        expect(provider.tokens()?.scope).toBe(READ);
        const context = await m.server.tokenVerifier.verify(provider.tokens()!.access_token);
        expect(context).toMatchObject({
          userId: BASIC_ID,
          clientId: BASIC_ID,
          principal: 'client',
        });
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['get_weather']);
        const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
        expect(text(weather)).toBe('Sunny in Oslo');
        await expectRefusals(client);
      } finally {
        await client.close();
      }
    });

    it('ClientCredentialsProvider with client_secret_post', async () => {
      const provider = new PostClientCredentialsProvider({
        clientId: POST_ID,
        clientSecret: SECRET,
        expectedIssuer: m.issuer,
        scope: READ,
      });
      const { client, auth } = await connect(provider);
      try {
        expect(auth).toEqual(['post']);
        const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Rome' } });
        expect(text(weather)).toBe('Sunny in Rome');
      } finally {
        await client.close();
      }
    });

    it('PrivateKeyJwtProvider (ES256 key from jose): the assertion authenticates, the same policy applies', async () => {
      const provider = new PrivateKeyJwtProvider({
        clientId: JWT_ID,
        privateKey: privateJwk as Record<string, unknown>,
        algorithm: 'ES256',
        expectedIssuer: m.issuer,
        scope: READ,
      });
      const { client, auth } = await connect(provider);
      try {
        expect(auth).toEqual(['private_key_jwt']);
        expect(provider.tokens()?.refresh_token).toBeUndefined();
        const context = await m.server.tokenVerifier.verify(provider.tokens()!.access_token);
        expect(context).toMatchObject({ userId: JWT_ID, principal: 'client' });
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['get_weather']);
        const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Lima' } });
        expect(text(weather)).toBe('Sunny in Lima');
        await expectRefusals(client);
      } finally {
        await client.close();
      }
    });

    it('a replayed client assertion is refused through the adapter (single-use jti)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const key = await importJWK(privateJwk, 'ES256');
      const jwt = await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(JWT_ID)
        .setSubject(JWT_ID)
        .setAudience(m.issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
      const post = () =>
        fetch(new URL('/token', m.baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: jwt,
            resource: m.mcpUrl,
          }).toString(),
        });
      expect((await post()).status).toBe(200);
      const replay = await post();
      expect(replay.status).toBe(401);
      const body = (await replay.json()) as { error: string; error_description?: string };
      expect(body.error).toBe('invalid_client');
      expect(JSON.stringify(body)).not.toContain(jwt);
    });

    it('a machine client asking only for write is refused (invalid_scope); an anonymous registration asking for client_credentials too', async () => {
      const escalate = await fetch(new URL('/token', m.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${BASIC_ID}:${SECRET}`)}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: WRITE,
          resource: m.mcpUrl,
        }).toString(),
      });
      expect(escalate.status).toBe(400);
      expect(((await escalate.json()) as { error: string }).error).toBe('invalid_scope');
      const registration = await fetch(new URL('/register', m.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-contract-bucket': 'machine' },
        body: JSON.stringify({
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      });
      expect(registration.status).toBe(400);
      expect(((await registration.json()) as { error: string }).error).toBe(
        'invalid_client_metadata',
      );
    });
  });
}
