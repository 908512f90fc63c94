import { createServer } from 'node:net';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  generateSecret,
} from '@mcp-auth/core';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FastMCP } from 'fastmcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuthenticatedFastMCP, FastMCPAuthWrapper } from '../src/index.js';

// An embedded authorization server mounted on fastmcp's HTTP app by protect(): discovery
// (RFC 9728 → RFC 8414), registration (RFC 7591), authorization code + PKCE with the real login
// and consent forms, the token endpoint, then tools with the issued token.

const quiet = { debug() {}, error() {}, info() {}, log() {}, warn() {} };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('FastMCPAuthWrapper with an embedded authorization server', () => {
  let origin: string;
  let as: AuthorizationServer;
  let server: AuthenticatedFastMCP;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const policy = createDefaultPolicies();
    policy.addRule({ id: 'whoami', tools: 'whoami' });
    as = createAuthorizationServer({
      issuer: origin,
      resource: `${origin}/mcp`,
      signingKey: generateSecret(),
      policy,
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [
          {
            username: 'alice',
            password: 'demo',
            scopes: ['mcp:tools:read'],
            attributes: { role: 'viewer' },
          },
        ],
      }),
    });
    const auth = new FastMCPAuthWrapper({ policy, authorizationServer: as });
    server = auth.protect(
      new FastMCP({ ...auth.serverOptions(), name: 'embedded', version: '1.0.0', logger: quiet }),
    );
    server.addTool({
      name: 'get_weather',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => `sunny in ${city}`,
    });
    server.addTool({ name: 'delete_user', execute: async () => 'deleted' });
    server.addTool({ name: 'whoami', execute: async (_a, { session }) => session?.userId ?? '' });
    await server.start({
      transportType: 'httpStream',
      httpStream: { port, host: '127.0.0.1', stateless: true },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves core metadata on fastmcp: RFC 9728 resource metadata and RFC 8414 AS metadata', async () => {
    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(prm.status).toBe(200);
    expect(await json(prm)).toMatchObject({
      resource: `${origin}/mcp`,
      authorization_servers: [origin],
    });
    const asm = await json(await fetch(`${origin}/.well-known/oauth-authorization-server`));
    expect(asm.issuer).toBe(origin);
    expect(asm.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('a 401 names the mounted metadata (MCP authorization: RFC 9728 §5.1)', async () => {
    const response = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      `resource_metadata="${as.resourceMetadataUrl}"`,
    );
  });

  it('registers, authorizes with PKCE through the real forms, and calls tools with the token', async () => {
    const asm = await json(await fetch(`${origin}/.well-known/oauth-authorization-server`));
    const redirectUri = 'http://127.0.0.1:9/callback';
    const registered = await fetch(String(asm.registration_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'fastmcp test',
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    });
    expect(registered.status).toBe(201);
    const clientId = String((await json(registered)).client_id);

    const verifier = generateCodeVerifier();
    const authorizationUrl = new URL(String(asm.authorization_endpoint));
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'mcp:tools:read',
      state: 'st',
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      resource: `${origin}/mcp`,
    })) {
      authorizationUrl.searchParams.set(name, value);
    }
    const flow = await authorizeWithForms({
      fetch: (request) => fetch(request, { redirect: 'manual' }),
      authorizationUrl,
      username: 'alice',
      password: 'demo',
    });
    expect(flow.error).toBeUndefined();
    expect(flow.code).toBeTypeOf('string');

    const tokenResponse = await fetch(String(asm.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: String(flow.code),
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
        resource: `${origin}/mcp`,
      }),
    });
    expect(tokenResponse.status).toBe(200);
    const accessToken = String((await json(tokenResponse)).access_token);

    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'get_weather',
      'whoami',
    ]);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    expect((whoami.content as { text: string }[])[0]?.text).toBe('alice');
    await client.close();
  });
});
