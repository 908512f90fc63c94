import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import {
  createAccessTokenVerifier,
  createDefaultPolicies,
  createSecretKey,
  generateSecret,
  type JwtKey,
} from '@mcp-auth/core';
import { signJwt } from '@mcp-auth/core/jwt';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Context, FastMCP, type Tool } from 'fastmcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AuthenticatedFastMCP,
  type FastMCPAuthSession,
  FastMCPAuthWrapper,
} from '../src/index.js';

// fastmcp through real HTTP: the official SDK client over Streamable HTTP, real at+jwt tokens
// (core's signJwt / createAccessTokenVerifier), a core PolicyEngine.

const USERS = {
  alice: { role: 'viewer', scope: 'mcp:tools:read' },
  carol: { role: 'admin', scope: 'mcp:tools:read mcp:tools:write mcp:tools:admin' },
} as const;
const ISSUER = 'https://as.example.test';
const quiet = { debug() {}, error() {}, info() {}, log() {}, warn() {} };

// fastmcp does not report the port it bound, so one is reserved by binding port 0 first.
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Running {
  url: URL;
  server: AuthenticatedFastMCP;
  token(user: keyof typeof USERS): Promise<string>;
}

async function start(stateless: boolean, maxBodyBytes?: number): Promise<Running> {
  const port = await freePort();
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const key: JwtKey = await createSecretKey(generateSecret());
  const policy = createDefaultPolicies();
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  policy.addRule({
    id: 'own-documents-only',
    tools: 'read_document',
    effect: 'deny',
    args: { not: { arg: 'owner', eq: { claim: 'sub' } } },
  });
  policy.addRule({
    id: 'secrets-for-admins',
    tools: 'get_secrets',
    effect: 'deny',
    when: { not: { claim: 'role', eq: 'admin' } },
  });
  const auth = new FastMCPAuthWrapper({
    verifier: createAccessTokenVerifier({ key, issuer: ISSUER, audience: url.href }),
    policy,
    resource: url,
    authorizationServers: [ISSUER],
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  const server = auth.protect(
    new FastMCP({ ...auth.serverOptions(), name: 'fastmcp-test', version: '1.0.0', logger: quiet }),
  );
  server.addTool({
    name: 'whoami',
    execute: async (_args, context) => context.session?.userId ?? 'nobody',
  });
  server.addTool({
    name: 'get_weather',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  });
  server.addTool({
    name: 'read_document',
    parameters: z.object({ owner: z.string() }),
    execute: async ({ owner }) => `document of ${owner}`,
  });
  server.addTools([
    {
      name: 'get_secrets',
      execute: async () => 'the secrets',
    },
    {
      name: 'delete_user',
      parameters: z.object({ id: z.string() }),
      execute: async ({ id }) => `deleted ${id}`,
    },
  ]);
  await server.start({
    transportType: 'httpStream',
    httpStream: { port, host: '127.0.0.1', stateless },
  });
  return {
    url,
    server,
    async token(user) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: ISSUER,
          sub: user,
          aud: url.href,
          client_id: 'test-client',
          scope: USERS[user].scope,
          role: USERS[user].role,
          iat: now,
          exp: now + 300,
          jti: crypto.randomUUID(),
        },
        key,
        { typ: 'at+jwt' },
      );
    },
  };
}

async function connectAs(url: URL, token: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** A raw POST to the MCP endpoint (`body` as JSON unless it is a string). */
function post(url: URL, token: string | undefined, body: unknown): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function text(result: unknown): string {
  const content = (result as { content?: { text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

for (const stateless of [true, false]) {
  describe(`FastMCPAuthWrapper (${stateless ? 'stateless' : 'stateful'} HTTP stream)`, () => {
    let app: Running;
    beforeAll(async () => {
      app = await start(stateless);
    });
    afterAll(async () => {
      await app.server.stop();
    });

    it('tools/list shows each user only the tools the policy lets them call', async () => {
      const alice = await connectAs(app.url, await app.token('alice'));
      const carol = await connectAs(app.url, await app.token('carol'));
      expect((await alice.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'get_weather',
        'read_document',
        'whoami',
      ]);
      expect((await carol.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'delete_user',
        'get_secrets',
        'get_weather',
        'read_document',
        'whoami',
      ]);
      await alice.close();
      await carol.close();
    });

    it('an allowed call runs, and the tool sees the AuthContext as context.session', async () => {
      const alice = await connectAs(app.url, await app.token('alice'));
      const weather = await alice.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(weather.isError).toBeFalsy();
      expect(text(weather)).toBe('sunny in Oslo');
      expect(text(await alice.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      await alice.close();
    });

    it('a request let through reaches fastmcp without its Authorization header (forwardAuthorization: false)', async () => {
      const seen: { header: unknown; raw: boolean }[] = [];
      const onFinish = (message: unknown) => {
        const { request } = message as { request: IncomingMessage };
        if (request.method !== 'POST') return;
        seen.push({
          header: request.headers.authorization,
          raw: request.rawHeaders.some((name) => name.toLowerCase() === 'authorization'),
        });
      };
      subscribe('http.server.response.finish', onFinish);
      try {
        const alice = await connectAs(app.url, await app.token('alice'));
        expect(text(await alice.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
        await alice.close();
      } finally {
        unsubscribe('http.server.response.finish', onFinish);
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).toEqual(seen.map(() => ({ header: undefined, raw: false })));
    });

    it('a call denied by arguments gets the documented denied result', async () => {
      const alice = await connectAs(app.url, await app.token('alice'));
      expect(
        text(await alice.callTool({ name: 'read_document', arguments: { owner: 'alice' } })),
      ).toBe('document of alice');
      const other = await alice.callTool({ name: 'read_document', arguments: { owner: 'bob' } });
      expect(other.isError).toBe(true);
      // core's createDeniedToolResult: `Access denied (<decision code>): <reason>`.
      expect(text(other)).toMatch(/^Access denied \(denied_by_rule\): /);
      expect(text(other)).not.toContain('document of bob');
      await alice.close();
    });

    it('a call scopes could fix → HTTP 403 insufficient_scope; issue 11: its scope lists only what this call needs (SECURITY-CASES 39, MCP step-up)', async () => {
      const alice = await connectAs(app.url, await app.token('alice'));
      const error = await alice.callTool({ name: 'delete_user', arguments: { id: 'bob' } }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect((error as { code?: unknown } | undefined)?.code).toBe(403);
      await alice.close();
      const response = await post(app.url, await app.token('alice'), {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'delete_user', arguments: { id: 'bob' } },
      });
      expect(response.status).toBe(403);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain('error="insufficient_scope"');
      // Not granted ∪ missing any more: only the scope delete_user needs.
      expect(challenge).toContain('scope="mcp:tools:admin"');
      expect(challenge).toContain(
        `resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', app.url).href}"`,
      );
    });

    it('a call denied by attributes reaches the tool layer and gets the documented denied result, not "Unknown tool"', async () => {
      const alice = await connectAs(app.url, await app.token('alice'));
      expect((await alice.listTools()).tools.map((t) => t.name)).not.toContain('get_secrets');
      const result = await alice.callTool({ name: 'get_secrets', arguments: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^Access denied \(denied_by_rule\): /);
      expect(text(result)).not.toContain('the secrets');
      // The session that held the tool for this call still lists only what alice may call.
      expect((await alice.listTools()).tools.map((t) => t.name)).not.toContain('get_secrets');
      await alice.close();
    });

    it('a session follows the token of each request: tools/list and calls after a step-up', async () => {
      let token = await app.token('alice');
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(app.url, {
          fetch: (input, init) => {
            const headers = new Headers(init?.headers);
            headers.set('authorization', `Bearer ${token}`);
            return fetch(input, { ...init, headers });
          },
        }),
      );
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('delete_user');
      token = await app.token('carol');
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('delete_user');
      expect(text(await client.callTool({ name: 'delete_user', arguments: { id: 'x' } }))).toBe(
        'deleted x',
      );
      expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('carol');
      await client.close();
    });

    it('a body that is not JSON: 401 without a token, JSON-RPC parse error (-32700) only after authentication', async () => {
      expect((await post(app.url, undefined, '{nope')).status).toBe(401);
      const response = await post(app.url, await app.token('alice'), '{nope');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: -32700 } });
    });

    it('no token → 401 with core challenge naming the resource metadata (RFC 9728 §5.1)', async () => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'x', version: '1' },
          },
        }),
      });
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(
        `resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', app.url).href}"`,
      );
    });

    it('an expired token → 401 invalid_token (RFC 6750 §3.1)', async () => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: 'Bearer not-a-jwt',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });
  });
}

describe('FastMCPAuthWrapper body cap', () => {
  let app: Running;
  beforeAll(async () => {
    app = await start(true, 256);
  });
  afterAll(async () => {
    await app.server.stop();
  });

  it('a body over maxBodyBytes → 413 before anything runs; at the cap it is served', async () => {
    const call = (padding: number) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_weather', arguments: { city: 'Oslo' } },
      }).padEnd(padding, ' ');
    const token = await app.token('alice');
    const atCap = await post(app.url, token, call(256));
    expect(atCap.status).toBe(200);
    expect(await atCap.text()).toContain('sunny in Oslo');
    expect((await post(app.url, token, call(257))).status).toBe(413);
    expect((await post(app.url, token, call(64 * 1024))).status).toBe(413);
  });
});

describe('FastMCPAuthWrapper options are validated at construction', () => {
  it('refuses a missing verifier, policy or a bad resource with TypeError', async () => {
    const key = await createSecretKey(generateSecret());
    const verifier = createAccessTokenVerifier({ key, issuer: ISSUER, audience: 'http://x/mcp' });
    const policy = createDefaultPolicies();
    const resource = 'http://127.0.0.1/mcp';
    const authorizationServers = [ISSUER];
    expect(
      () => new FastMCPAuthWrapper({ policy, resource, authorizationServers } as never),
    ).toThrow(TypeError);
    expect(
      () => new FastMCPAuthWrapper({ verifier, resource, authorizationServers } as never),
    ).toThrow(TypeError);
    expect(
      () => new FastMCPAuthWrapper({ verifier, policy, resource: 'mcp', authorizationServers }),
    ).toThrow(TypeError);
    expect(
      () =>
        new FastMCPAuthWrapper({
          verifier,
          policy,
          resource: 'http://x/mcp#f',
          authorizationServers,
        }),
    ).toThrow(TypeError);
    expect(() => new FastMCPAuthWrapper({ verifier, policy, resource })).toThrow(TypeError);
    expect(
      () =>
        new FastMCPAuthWrapper({
          verifier,
          policy,
          resource,
          authorizationServers,
          maxBodyBytes: 0,
        }),
    ).toThrow(TypeError);
  });

  it('protect() refuses a server not built with serverOptions()', async () => {
    const key = await createSecretKey(generateSecret());
    const auth = new FastMCPAuthWrapper({
      verifier: createAccessTokenVerifier({ key, issuer: ISSUER, audience: 'http://x/mcp' }),
      policy: createDefaultPolicies(),
      resource: 'http://x/mcp',
      authorizationServers: [ISSUER],
    });
    const plain = new FastMCP({ name: 'x', version: '1.0.0' }) as unknown as AuthenticatedFastMCP;
    expect(() => auth.protect(plain)).toThrow(TypeError);
  });
});

describe('FastMCPAuthWrapper.protectTool', () => {
  async function wrapper() {
    const key = await createSecretKey(generateSecret());
    return new FastMCPAuthWrapper({
      verifier: createAccessTokenVerifier({ key, issuer: ISSUER, audience: 'http://x/mcp' }),
      policy: createDefaultPolicies(),
      resource: 'http://x/mcp',
      authorizationServers: [ISSUER],
    });
  }
  const session = (scopes: string[]): FastMCPAuthSession => ({
    userId: 'alice',
    clientId: 'c',
    scopes,
    claims: { sub: 'alice' },
    expiresAt: undefined,
    jti: undefined,
    resource: undefined,
    grantId: undefined,
  });
  const context = (auth: FastMCPAuthSession | undefined) =>
    ({ session: auth }) as unknown as Context<FastMCPAuthSession>;

  it('checks every call again at execute time, whatever canAccess said (defence in depth)', async () => {
    let ran = false;
    const tool = (await wrapper()).protectTool<Tool<FastMCPAuthSession>>({
      name: 'delete_user',
      execute: async () => {
        ran = true;
        return 'deleted';
      },
    });
    const result = await tool.execute({}, context(session(['mcp:tools:read'])));
    expect(ran).toBe(false);
    expect((result as { isError?: boolean }).isError).toBe(true);
    expect(tool.canAccess?.(session(['mcp:tools:read']))).toBe(false);
    expect(tool.canAccess?.(session(['mcp:tools:admin']))).toBe(true);
    expect(await tool.execute({}, context(session(['mcp:tools:admin'])))).toBe('deleted');
  });

  it('refuses a call without a session (e.g. stdio without a token) and keeps the tool own canAccess', async () => {
    const tool = (await wrapper()).protectTool<Tool<FastMCPAuthSession>>({
      name: 'get_weather',
      canAccess: (auth) => auth.userId !== 'alice',
      execute: async () => 'sunny',
    });
    const refused = await tool.execute({}, context(undefined));
    expect(text(refused)).toMatch(/^Access denied \(unauthenticated\)/);
    expect(tool.canAccess?.(session(['mcp:tools:read']))).toBe(false);
  });
});
