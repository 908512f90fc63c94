import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AuthContext, PolicyEngine } from '@mcp-auth/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTokenVerifier, protectMcpServer } from '../src/index.js';
import { createTestAuth, type TestAuth } from './fixtures.js';

// End-to-end through real HTTP: the official SDK client and Streamable HTTP transports, the
// SDK's own requireBearerAuth with createTokenVerifier(core's JWT verifier), and
// protectMcpServer with a core PolicyEngine.

function buildServer(policy: PolicyEngine, lateTool: boolean): McpServer {
  const server = new McpServer({ name: 'sdk-test', version: '1.0.0' });
  server.registerTool('whoami', {}, async (extra) => ({
    content: [
      {
        type: 'text',
        text: String(
          extra.authInfo?.extra?.auth && (extra.authInfo.extra.auth as AuthContext).userId,
        ),
      },
    ],
  }));
  server.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }) => ({
    content: [{ type: 'text', text: `sunny in ${city}` }],
  }));
  server.registerTool(
    'read_document',
    { inputSchema: { owner: z.string() } },
    async ({ owner }) => ({ content: [{ type: 'text', text: `document of ${owner}` }] }),
  );
  protectMcpServer(server, { policy });
  // Registered after protection: must be guarded too.
  if (lateTool) {
    server.registerTool('delete_user', { inputSchema: { id: z.string() } }, async ({ id }) => ({
      content: [{ type: 'text', text: `deleted ${id}` }],
    }));
  }
  return server;
}

interface RunningApp {
  readonly url: URL;
  readonly auth: TestAuth;
  close(): Promise<void>;
}

type Next = (error?: unknown) => void;

// requireBearerAuth is an Express middleware; it only uses `req.headers`, `res.set`,
// `res.status().json()` and `next`, which this shim provides on plain node:http objects (the
// root vitest config loads Express's CJS dependencies under the `import` condition).
function runBearerAuth(
  middleware: ReturnType<typeof requireBearerAuth>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  return new Promise((resolve) => {
    const expressRes = Object.assign(res, {
      set(name: string, value: string) {
        res.setHeader(name, value);
        return expressRes;
      },
      status(code: number) {
        res.statusCode = code;
        return expressRes;
      },
      json(body: unknown) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
        resolve(false);
        return expressRes;
      },
    });
    const next: Next = () => resolve(true);
    void middleware(req as never, expressRes as never, next);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

// The port is bound first: the token audience (the resource URI) includes it.
async function startApp(mode: 'stateless' | 'stateful'): Promise<RunningApp> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const auth = await createTestAuth(url);
  const bearer = requireBearerAuth({
    verifier: createTokenVerifier(auth.verifier),
    resourceMetadataUrl: auth.resourceMetadataUrl,
  });
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(await runBearerAuth(bearer, req, res))) return;
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (mode === 'stateless') {
      const server = buildServer(auth.policy, true);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport && req.method === 'POST' && isInitializeRequest(body)) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, created);
        },
      });
      await buildServer(auth.policy, true).connect(created);
      transport = created;
    }
    if (!transport) {
      res.statusCode = 400;
      res.end();
      return;
    }
    await transport.handleRequest(req, res, body);
  };
  http.on('request', (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  return {
    url,
    auth,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
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

// core's createDeniedToolResult: `Access denied (<decision code>): <reason>`.
function deniedCode(result: unknown): string | undefined {
  return /^Access denied \(([a-z_]+)\): /.exec(text(result))?.[1];
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

for (const mode of ['stateless', 'stateful'] as const) {
  describe(`protectMcpServer over ${mode} Streamable HTTP`, () => {
    let app: RunningApp;
    let auth: TestAuth;
    beforeAll(async () => {
      app = await startApp(mode);
      auth = app.auth;
    });
    afterAll(async () => {
      await app.close();
    });

    it.runIf(mode === 'stateful')(
      'issue 11: a legacy session stays bound to the caller that opened it',
      async () => {
        const aliceTransport = new StreamableHTTPClientTransport(app.url, {
          requestInit: { headers: { authorization: `Bearer ${await auth.tokenFor('alice')}` } },
        });
        const alice = new Client({ name: 'test-client', version: '1.0.0' });
        await alice.connect(aliceTransport);
        const sessionId = aliceTransport.sessionId;
        expect(typeof sessionId).toBe('string');
        // bob presents alice's session id with his own (valid) token.
        const response = await fetch(app.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await auth.tokenFor('bob')}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': sessionId!,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
        });
        const raw = await response.text();
        const message = JSON.parse(
          raw.includes('data:') ? raw.split('data: ')[1]!.split('\n')[0]! : raw,
        );
        expect(message.error?.code).toBe(-32001);
        expect(message.result).toBeUndefined();
        // alice's own session keeps working.
        expect((await alice.listTools()).tools.length).toBeGreaterThan(0);
        await alice.close();
      },
    );

    it('tools/list shows each user only the tools the policy lets them call', async () => {
      const alice = await connectAs(app.url, await auth.tokenFor('alice'));
      const carol = await connectAs(app.url, await auth.tokenFor('carol'));
      const aliceTools = (await alice.listTools()).tools.map((t) => t.name).sort();
      const carolTools = (await carol.listTools()).tools.map((t) => t.name).sort();
      expect(aliceTools).toEqual(['get_weather', 'read_document', 'whoami']);
      // delete_user was registered after protectMcpServer: listed for admins only.
      expect(carolTools).toEqual(['delete_user', 'get_weather', 'read_document', 'whoami']);
      await alice.close();
      await carol.close();
    });

    it('an allowed call runs the tool, and the handler sees the AuthContext in extra.authInfo', async () => {
      const alice = await connectAs(app.url, await auth.tokenFor('alice'));
      const weather = await alice.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(weather.isError).toBeFalsy();
      expect(text(weather)).toBe('sunny in Oslo');
      expect(text(await alice.callTool({ name: 'whoami' }))).toBe('alice');
      await alice.close();
    });

    it('a call denied by attributes (argument owner ≠ sub) gets the documented denied result', async () => {
      const alice = await connectAs(app.url, await auth.tokenFor('alice'));
      const own = await alice.callTool({ name: 'read_document', arguments: { owner: 'alice' } });
      expect(own.isError).toBeFalsy();
      const other = await alice.callTool({ name: 'read_document', arguments: { owner: 'bob' } });
      expect(other.isError).toBe(true);
      expect(deniedCode(other)).toBe('denied_by_rule');
      expect(text(other)).not.toContain('document of bob');
      await alice.close();
    });

    it('a tool registered after protection is refused without its scope (missing scopes reported)', async () => {
      const alice = await connectAs(app.url, await auth.tokenFor('alice'));
      const result = await alice.callTool({ name: 'delete_user', arguments: { id: 'bob' } });
      expect(result.isError).toBe(true);
      expect(deniedCode(result)).toBe('insufficient_scope');
      expect(text(result)).not.toContain('deleted');
      const carol = await connectAs(app.url, await auth.tokenFor('carol'));
      expect(text(await carol.callTool({ name: 'delete_user', arguments: { id: 'bob' } }))).toBe(
        'deleted bob',
      );
      await alice.close();
      await carol.close();
    });

    it('no token → 401 with a resource_metadata challenge (MCP authorization, RFC 9728 §5.1)', async () => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${auth.resourceMetadataUrl}"`);
    });

    it('an invalid token → 401 invalid_token (RFC 6750 §3.1), never reaching the server', async () => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${(await auth.tokenFor('alice')).slice(0, -4)}AAAA`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      expect((await response.json()).error).toBe('invalid_token');
    });
  });
}
