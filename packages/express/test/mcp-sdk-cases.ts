// The official MCP SDK, end to end through a Node framework adapter: McpServer protected by
// @mcp-auth/sdk behind the adapter's mcpAuth().mount(), called by the SDK's own client.
// Written once, run by the Express and Koa packages.
import { createServer, type Server } from 'node:http';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createSecretKey,
  DevIdentityProvider,
  PolicyEngine,
} from '@mcp-auth/core';
import { signJwt } from '@mcp-auth/core/jwt';
import { protectMcpServer } from '@mcp-auth/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { challengeParams, listen } from './fixture.js';

const SECRET = 'adapter-e2e-secret-0123456789-abcdefghijk';

/** How the cases drive one adapter: mount everything on `httpServer` via the adapter's mcpAuth(). */
export interface McpSdkAdapter {
  /**
   * Builds an app with `mcpAuth({ server, policy }).mount(app, handler)`, where the handler
   * connects `buildServer()` to a stateless `StreamableHTTPServerTransport` and lets it answer,
   * and serves it on `httpServer`'s `request` event.
   */
  attach(
    httpServer: Server,
    server: AuthorizationServer,
    policy: PolicyEngine,
    buildServer: () => McpServer,
  ): void;
  /** The adapter's mcpAuth, for mount-time validation. */
  mcpAuth(options: unknown): unknown;
}

function buildPolicy(): PolicyEngine {
  const policy = new PolicyEngine();
  policy.addToolScopePolicy('get_.*', ['mcp:tools:read']);
  policy.addToolScopePolicy('send_.*', ['mcp:tools:write']);
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  policy.addRule({
    id: 'admins-delete',
    tools: 'delete_user',
    scopes: ['mcp:tools:admin'],
    when: { claim: 'role', eq: 'admin' },
  });
  return policy;
}

function buildMcpServer(policy: PolicyEngine): McpServer {
  const mcp = protectMcpServer(new McpServer({ name: 'adapter-e2e', version: '1.0.0' }), {
    policy,
  });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  mcp.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }) =>
    text(`Sunny in ${city}`),
  );
  mcp.registerTool('send_email', { inputSchema: { to: z.string() } }, async ({ to }) =>
    text(`Sent to ${to}`),
  );
  mcp.registerTool('delete_user', { inputSchema: { id: z.string() } }, async ({ id }) =>
    text(`Deleted ${id}`),
  );
  mcp.registerTool('whoami', {}, async (extra) => {
    const auth = extra.authInfo?.extra?.auth as { userId?: string } | undefined;
    // The guard took the verified credential off the request (forwardAuthorization: false).
    const header = extra.requestInfo?.headers['authorization'] === undefined ? 'no' : 'a';
    return text(
      `${auth?.userId ?? 'nobody'} via ${extra.authInfo?.clientId ?? 'no client'}, ${header} Authorization header`,
    );
  });
  return mcp;
}

/** Registers the SDK end-to-end cases for `adapter`. */
export function mcpSdkCases(adapter: McpSdkAdapter): void {
  describe('official MCP SDK client → adapter → protected McpServer', () => {
    async function setup() {
      const httpServer = createServer();
      const base = await listen(httpServer);
      const resource = `${base}/mcp`;
      const policy = buildPolicy();
      const server = createAuthorizationServer({
        issuer: base,
        resource,
        signingKey: SECRET,
        policy,
        identityProvider: new DevIdentityProvider({
          users: [{ username: 'alice', password: 'demo', scopes: ['mcp:tools:read'] }],
        }),
      });
      adapter.attach(httpServer, server, policy, () => buildMcpServer(policy));
      const key = await createSecretKey(SECRET);
      const mint = async (scope: string, role = 'viewer') => {
        const now = Math.floor(Date.now() / 1000);
        return signJwt(
          {
            iss: base,
            aud: resource,
            sub: 'alice',
            client_id: 'e2e-client',
            scope,
            role,
            iat: now,
            exp: now + 300,
            jti: crypto.randomUUID(),
          },
          key,
          { typ: 'at+jwt' },
        );
      };
      const connect = async (token: string) => {
        const client = new Client({ name: 'e2e', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransport(new URL(resource), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        });
        await client.connect(transport);
        return client;
      };
      return { base, resource, server, mint, connect };
    }

    it('discovers the resource metadata from the 401 on the MCP endpoint (RFC 9728 §5)', async () => {
      const { base, resource } = await setup();
      const res = await fetch(resource, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      const metadataUrl = challengeParams(res.headers.get('www-authenticate')).resource_metadata;
      expect(metadataUrl).toBe(`${base}/.well-known/oauth-protected-resource/mcp`);
      const prm = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
      expect(prm.resource).toBe(resource);
      expect(prm.authorization_servers).toEqual([base]);
      const asm = (await (
        await fetch(`${base}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(asm.issuer).toBe(base);
    });

    it('lists only the tools the caller may call and passes authInfo to tools, without the Authorization header', async () => {
      const { mint, connect } = await setup();
      const client = await connect(await mint('mcp:tools:read'));
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['get_weather', 'whoami']);
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      expect(whoami.content).toEqual([
        { type: 'text', text: 'alice via e2e-client, no Authorization header' },
      ]);
      const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(weather.isError).toBeFalsy();
      await client.close();
    });

    it('refuses a tool needing a wider scope at the HTTP edge with 403 step-up (SECURITY-CASES 39)', async () => {
      const { mint, connect } = await setup();
      const client = await connect(await mint('mcp:tools:read'));
      await expect(
        client.callTool({ name: 'send_email', arguments: { to: 'bob' } }),
      ).rejects.toMatchObject({ code: 403 });
      await client.close();
    });

    it('issue 11: a denial scopes cannot fix is answered as the tool result with the policy’s reason (by the guard at the edge now)', async () => {
      const { mint, connect } = await setup();
      const client = await connect(await mint('mcp:tools:read mcp:tools:admin', 'viewer'));
      const result = await client.callTool({ name: 'delete_user', arguments: { id: 'u1' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('Access denied');
      await client.close();
    });

    it('issue 11: mcpAuth() without a policy is refused with a TypeError: there is no authenticate-only MCP mount', async () => {
      const { server } = await setup();
      expect(() => adapter.mcpAuth({ server })).toThrow(TypeError);
      expect(() => adapter.mcpAuth({ server })).toThrow(/policy is required/);
      expect(() => adapter.mcpAuth({ server, policy: {} })).toThrow(TypeError);
    });

    it('refuses a server that is not createAuthorizationServer()’s at mount time', () => {
      expect(() => adapter.mcpAuth({})).toThrow(TypeError);
      expect(() => adapter.mcpAuth({ server: {} })).toThrow(TypeError);
    });
  });
}
