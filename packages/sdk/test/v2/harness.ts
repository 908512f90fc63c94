import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { PolicyEngine } from '@mcp-auth/core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  McpServer,
  requireBearerAuth,
  type Server,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createTokenVerifier, getAuthContext, protectMcpServer } from '../../src/v2/index.js';
import { createTestAuth, type TestAuth } from '../fixtures.js';

// A real SDK 2.x stack over HTTP: createMcpHandler (2026-07-28 per-request leg + the stateless
// 2025-era fallback), the SDK's own requireBearerAuth Fetch gate with @mcp-auth/sdk/v2's
// createTokenVerifier (core's JWT verifier), and protectMcpServer on every instance.

/** What the tools did: a tool that ran leaves a trace here (side-effect counters). */
export interface Effects {
  deleted: string[];
  weather: number;
}

/** The policy of every example plus the `no-self-delete` rule of the validated-arguments case. */
export function addTestRules(policy: PolicyEngine): void {
  policy.addRule({
    id: 'no-self-delete',
    tools: 'delete_user',
    effect: 'deny',
    args: { arg: 'user', eq: { claim: 'sub' } },
  });
}

export function buildServer(
  policy: PolicyEngine,
  effects: Effects,
  options: { capabilities?: boolean } = {},
): McpServer {
  const server = new McpServer(
    { name: 'sdk-v2-test', version: '1.0.0' },
    options.capabilities ? { capabilities: { tools: {} } } : undefined,
  );
  server.registerTool('whoami', {}, async (ctx) => ({
    content: [{ type: 'text', text: getAuthContext(ctx)?.userId ?? 'nobody' }],
  }));
  server.registerTool(
    'get_weather',
    { inputSchema: z.object({ city: z.string() }) },
    async ({ city }) => {
      effects.weather++;
      return { content: [{ type: 'text', text: `sunny in ${city}` }] };
    },
  );
  protectMcpServer(server, { policy });
  // Registered after protection: guarded all the same. The schema normalizes the name.
  server.registerTool(
    'delete_user',
    { inputSchema: z.object({ user: z.string().trim().toLowerCase() }) },
    async ({ user }) => {
      effects.deleted.push(user);
      return { content: [{ type: 'text', text: `deleted ${user}` }] };
    },
  );
  return server;
}

export interface RunningApp {
  readonly url: URL;
  readonly auth: TestAuth;
  readonly effects: Effects;
  close(): Promise<void>;
}

/**
 * `front`: `node` sets `req.auth` and serves through `toNodeHandler(handler)`; `fetch` calls
 * `handler.fetch(request, { authInfo })`; `none` has no authentication in front at all (the
 * in-server check must refuse on its own).
 */
export async function startApp(
  front: 'node' | 'fetch' | 'none',
  build: (policy: PolicyEngine, effects: Effects) => McpServer | Server = buildServer,
): Promise<RunningApp> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const auth = await createTestAuth(url);
  addTestRules(auth.policy);
  const effects: Effects = { deleted: [], weather: 0 };
  const handler = createMcpHandler(() => build(auth.policy, effects));
  const gate = requireBearerAuth({
    verifier: createTokenVerifier(auth.verifier),
    resourceMetadataUrl: auth.resourceMetadataUrl,
  });
  const nodeHandler = toNodeHandler(handler);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (front === 'none') return nodeHandler(req, res);
    // The gate reads only the Authorization header: authenticate before reading any body.
    const verdict = await gate(new Request(url, { headers: headersOf(req) }));
    if (verdict instanceof Response) return writeResponse(res, verdict);
    if (front === 'node') {
      (req as IncomingMessage & { auth?: AuthInfo }).auth = verdict;
      return nodeHandler(req, res);
    }
    const request = await toWebRequest(req);
    return writeResponse(res, await handler.fetch(request, { authInfo: verdict }));
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
    effects,
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(response.body as never)
      .on('error', reject)
      .pipe(res)
      .on('finish', resolve)
      .on('error', reject);
  });
}

/** The protocol eras a v2 client can speak to createMcpHandler. */
export type Era = '2026-07-28' | '2025-11-25';

/** The official v2 client: pinned to 2026-07-28, or the plain 2025 handshake (`legacy`). */
export async function connectAs(url: URL, token: string | undefined, era: Era): Promise<Client> {
  const client = new Client(
    { name: 'test-client', version: '1.0.0' },
    { versionNegotiation: { mode: era === '2026-07-28' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

// core's createDeniedToolResult: `Access denied (<decision code>): <reason>`.
export function deniedCode(result: unknown): string | undefined {
  return /^Access denied \(([a-z_]+)\): /.exec(text(result))?.[1];
}

export function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}
