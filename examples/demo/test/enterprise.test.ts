// Issue 14 item 5: the demo's trusted enterprise IdP (MCP_AUTH_TRUSTED_IDP_ISSUER +
// MCP_AUTH_TRUSTED_IDP_JWKS, read through core's loadConfigFromEnv). A test IdP signs ID-JAGs with
// a real ES256 key (jose); `demo-agent` presents them with the official MCP SDK v2 client's
// CrossAppAccessProvider and acts for the demo user the assertion names.
import { randomUUID } from 'node:crypto';
import {
  Client,
  CrossAppAccessProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../src/banner.js';
import { DemoConfigError, readDemoSettings } from '../src/env.js';
import { startTestDemo, type TestDemo } from './harness.js';

const IDP = 'https://idp.enterprise.test';
const SECRET = 'demo-agent-test-secret-0123456789';

describe('demo: enterprise-managed authorization (ID-JAG) with MCP_AUTH_TRUSTED_IDP_*', () => {
  let t: TestDemo;
  let idpKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    idpKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    t = await startTestDemo({
      env: {
        DEMO_AGENT_SECRET: SECRET,
        MCP_AUTH_TRUSTED_IDP_ISSUER: IDP,
        MCP_AUTH_TRUSTED_IDP_JWKS: JSON.stringify({ keys: [jwk] }),
      },
    });
  });
  afterAll(async () => {
    await t?.demo.close();
  });

  function provider(user: string, clientSecret = SECRET) {
    return new CrossAppAccessProvider({
      assertion: async (ctx) => {
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({
          iss: IDP,
          sub: user,
          aud: String(ctx.authorizationServerUrl).replace(/\/$/, ''),
          resource: String(ctx.resourceUrl),
          client_id: 'demo-agent',
          jti: randomUUID(),
          iat: now,
          exp: now + 120,
        })
          .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'oauth-id-jag+jwt' })
          .sign(idpKey);
      },
      clientId: 'demo-agent',
      clientSecret,
      expectedIssuer: t.demo.issuer,
    });
  }

  it('the banner names the trusted IdP, and the metadata advertises the jwt-bearer grant', () => {
    expect(formatBanner(t.demo)).toContain(`Enterprise IdP  ${IDP} (MCP_AUTH_TRUSTED_IDP_*)`);
    const metadata = t.demo.authServer.metadata();
    expect(metadata.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
  });

  it('demo-agent presents bob’s ID-JAG: whoami is bob (role editor), through demo-agent, within the agent’s registered scope; no refresh token', async () => {
    const p = provider('bob');
    const client = new Client({ name: 'demo-enterprise-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(t.demo.mcpUrl), { authProvider: p }),
    );
    try {
      expect(p.tokens()?.refresh_token).toBeUndefined();
      // demo-agent registered mcp:tools:read only: its ID-JAG tokens carry at most that.
      expect(p.tokens()?.scope).toBe('mcp:tools:read');
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      const text = (who as { content: { text: string }[] }).content[0]!.text;
      expect(JSON.parse(text)).toMatchObject({
        userId: 'bob',
        clientId: 'demo-agent',
        claims: { role: 'editor' },
      });
      // bob may hold write, demo-agent never: send_email is refused inside MCP, not with a 403
      // step-up the next ID-JAG could not satisfy (the client used to stop with "Server
      // returned 403 insufficient_scope after step-up re-authorization").
      const send = await client.callTool({
        name: 'send_email',
        arguments: { to: 'alice@example.com', subject: 'hi', body: 'hello' },
      });
      expect(send.isError).toBe(true);
      expect((send as { content: { text: string }[] }).content[0]!.text).toMatch(
        /^Access denied \(scope_not_grantable\)/,
      );
    } finally {
      await client.close();
    }
  });

  it('an ID-JAG naming nobody the demo knows is refused', async () => {
    const client = new Client({ name: 'demo-enterprise-test', version: '1.0.0' });
    const outcome = await client
      .connect(
        new StreamableHTTPClientTransport(new URL(t.demo.mcpUrl), {
          authProvider: provider('mallory'),
        }),
      )
      .then(
        () => 'connected',
        (error: unknown) => String(error),
      );
    expect(outcome).toMatch(/not a known user/);
  });

  it('settings: both variables or neither, and not with proxy mode', () => {
    expect(() => readDemoSettings({ MCP_AUTH_TRUSTED_IDP_ISSUER: IDP })).toThrow(DemoConfigError);
    expect(() =>
      readDemoSettings({
        MCP_AUTH_TRUSTED_IDP_ISSUER: IDP,
        MCP_AUTH_TRUSTED_IDP_JWKS:
          '{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}',
        OAUTH_CLIENT_ID: 'x',
        OAUTH_ISSUER: 'https://login.example.com',
      }),
    ).toThrow(/proxy mode/);
  });
});
