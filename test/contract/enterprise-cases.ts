// Issue 14 item 3 through every contract mount (Express, Koa, fastmcp, Fetch): enterprise-managed
// authorization with the official MCP SDK v2 client's CrossAppAccessProvider. A test enterprise
// IdP signs ID-JAGs (typ oauth-id-jag+jwt) with a real ES256 key (jose); the authorization server
// trusts it through its JWKS. The client discovers the server (RFC 9728 → RFC 8414), presents the
// ID-JAG with the jwt-bearer grant (client_secret_basic), and lists and calls tools under the
// mapped user's policy. Core's handler tests (packages/core/test/server/enterprise-grants.test.ts)
// hold every hostile case; these prove each adapter carries the grant unchanged.
import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  Client as ClientV2,
  CrossAppAccessProvider,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { MemoryStore } from '@mcp-auth/core';
import type { Jwk } from '@mcp-auth/core/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  READ,
  TestClock,
  WRITE,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

const IDP = 'https://idp.enterprise.test';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT_ID = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789';

const text = (result: unknown) =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((c) => c.text ?? '')
    .join('');

/** Registers the enterprise-managed authorization cases for one mount. */
export function defineEnterpriseCases(name: string, mount: MountContract): void {
  describe(`${name}: enterprise-managed authorization (ID-JAG) with the v2 CrossAppAccessProvider (issue 14)`, () => {
    const clock = new TestClock();
    const policy = createContractPolicy();
    let m: ContractMount;
    let idpKey: CryptoKey;
    let idpJwk: Jwk;
    /** Every ID-JAG the test IdP signed, in order (the client asks for one per token request). */
    const issued: { sub: string; aud: string; resource: string; scope: string | undefined }[] = [];

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      idpKey = pair.privateKey;
      idpJwk = {
        ...(await exportJWK(pair.publicKey)),
        kid: 'enterprise-1',
        alg: 'ES256',
        use: 'sig',
      } as Jwk;
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore({ now: clock.now }), clock, {
            clients: [
              {
                clientId: AGENT_ID,
                clientSecret: AGENT_SECRET,
                redirectUris: [],
                grantTypes: [JWT_BEARER],
              },
            ],
            trustedIdentityProviders: [
              { issuer: IDP, jwks: { keys: [idpJwk] }, clients: [AGENT_ID] },
            ],
          }),
        ),
      );
    });
    afterAll(async () => {
      await m?.close();
    });

    /** The test IdP's token exchange (step 2 of the flow): an ID-JAG for `user`. */
    async function signIdJag(
      user: string,
      ctx: { authorizationServerUrl: string | URL; resourceUrl: string | URL; scope?: string },
    ) {
      // The authorization server's clock (30 minutes behind real time, see TestClock).
      const now = Math.floor(clock.now() / 1000);
      const claims = {
        sub: user,
        aud: String(ctx.authorizationServerUrl).replace(/\/$/, ''),
        resource: String(ctx.resourceUrl),
        client_id: AGENT_ID,
        jti: randomUUID(),
        iat: now,
        exp: now + 120,
        ...(ctx.scope ? { scope: ctx.scope } : {}),
      };
      issued.push({ sub: user, aud: claims.aud, resource: claims.resource, scope: ctx.scope });
      return new SignJWT({ ...claims, iss: IDP })
        .setProtectedHeader({ alg: 'ES256', kid: 'enterprise-1', typ: 'oauth-id-jag+jwt' })
        .sign(idpKey);
    }

    async function connectAs(user: string) {
      const provider = new CrossAppAccessProvider({
        assertion: (ctx) => signIdJag(user, ctx),
        clientId: AGENT_ID,
        clientSecret: AGENT_SECRET,
        expectedIssuer: m.issuer,
      });
      const client = new ClientV2({ name: 'enterprise-agent', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), { authProvider: provider }),
      );
      return { client, provider };
    }

    it('alice (viewer) via her enterprise IdP: discovery → ID-JAG at the token endpoint → tools/list per her policy → an allowed call; a write tool refused inside MCP, not run', async () => {
      const { client, provider } = await connectAs('alice');
      try {
        const last = issued.at(-1)!;
        expect(last).toMatchObject({ sub: 'alice', aud: m.issuer, resource: m.mcpUrl });
        expect(provider.tokens()?.refresh_token).toBeUndefined();
        expect(provider.tokens()?.scope?.split(' ')).toEqual([READ]);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['get_weather', 'whoami']);
        const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
        expect(text(weather)).toBe('Sunny in Oslo');
        expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(
          `alice role=viewer scopes=${READ}`,
        );
        const send = await client
          .callTool({ name: 'send_email', arguments: { to: 'bob' } })
          .catch((error: unknown) => error);
        expect(text(send)).not.toMatch(/^Sent to/);
        expect((send as { isError?: boolean }).isError ?? send instanceof Error).toBe(true);
      } finally {
        await client.close();
      }
    });

    it('carol (admin) via the same IdP: every tool listed, delete_user allowed by her role', async () => {
      const { client, provider } = await connectAs('carol');
      try {
        expect(provider.tokens()?.scope?.split(' ').sort()).toEqual([ADMIN, READ, WRITE].sort());
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual([
          'delete_user',
          'get_weather',
          'send_email',
          'whoami',
        ]);
        const deleted = await client.callTool({ name: 'delete_user', arguments: { id: 'u1' } });
        expect(text(deleted)).toBe('Deleted u1');
      } finally {
        await client.close();
      }
    });

    it('through the adapter: a replayed ID-JAG and one for another client are invalid_grant, an unknown user invalid_grant', async () => {
      const form = (assertion: string) =>
        fetch(`${m.baseUrl}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${AGENT_ID}:${AGENT_SECRET}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
        });
      const ctx = { authorizationServerUrl: m.issuer, resourceUrl: m.mcpUrl };
      const assertion = await signIdJag('bob', ctx);
      expect((await form(assertion)).status).toBe(200);
      const replay = await form(assertion);
      expect({ status: replay.status, ...((await replay.json()) as object) }).toMatchObject({
        status: 400,
        error: 'invalid_grant',
      });
      const mallory = await form(await signIdJag('mallory', ctx));
      expect(((await mallory.json()) as { error?: string }).error).toBe('invalid_grant');
    });
  });
}
