/**
 * Shared pieces of the HTTP benchmark's server processes (`bench/http/<variant>.ts`). Every
 * variant serves the same MCP tool server (`get_weather`) from `@modelcontextprotocol/sdk` on
 * Express 5 with the same layout, and differs only in what protects `/mcp`.
 *
 * A server process listens on 127.0.0.1 port 0 and prints one line `port=<n> core=<url>` on
 * stdout (`<url>`: where `@mcp-auth/core` resolves, so the bench can check it runs the built
 * packages, or the sources with `MCP_AUTH_BENCH_FROM_SOURCE=1`). Besides
 * `/mcp` it answers `GET /__bench/cpu` with `process.cpuUsage()`, `memoryUsage()`, the number of
 * requests served so far and of open connections (outside any auth), which the bench reads before
 * and after each run to get server CPU µs per request; `GET /__bench/gc` answers the same after
 * two full garbage collections when the process runs with `--expose-gc`.
 *
 * Environment:
 * - `MCP_AUTH_BENCH_SECRET`: the HS256 secret tokens are signed with (set by the bench);
 * - `MCP_AUTH_BENCH_LAYOUT`: `session` (default) or `stateless`, see {@link createMcpHandler}.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';

/** Issuer and resource of every variant (fixed, so one token serves all servers). */
export const ISSUER = 'https://as.bench.mcp-auth.test';
export const RESOURCE = 'https://mcp.bench.mcp-auth.test/mcp';
export const MCP_PATH = '/mcp';

/** The two correct layouts the SDK allows for Streamable HTTP. */
export type Layout = 'session' | 'stateless';

export function benchLayout(): Layout {
  const value = process.env['MCP_AUTH_BENCH_LAYOUT'] ?? 'session';
  if (value !== 'session' && value !== 'stateless') {
    throw new TypeError('MCP_AUTH_BENCH_LAYOUT must be "session" or "stateless"');
  }
  return value;
}

export function benchSecret(): string {
  const secret = process.env['MCP_AUTH_BENCH_SECRET'];
  if (!secret || secret.length < 32) {
    throw new TypeError('MCP_AUTH_BENCH_SECRET must be set (at least 32 characters)');
  }
  return secret;
}

/** The tool server of every variant: one `get_weather` tool with a zod input schema. */
export function createToolServer(): McpServer {
  const mcp = new McpServer({ name: 'bench-weather', version: '1.0.0' });
  mcp.registerTool(
    'get_weather',
    { description: 'Current weather of a city', inputSchema: { city: z.string() } },
    async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}` }] }),
  );
  return mcp;
}

/** Options of {@link createMcpHandler}. */
export interface McpHandlerOptions {
  layout: Layout;
  /** A new MCP server (per session, or per request when stateless). */
  createServer: () => McpServer;
  /**
   * Who the request is from (`userId\nclientId` of the verified caller), or undefined without
   * auth. A session is bound to the caller that created it, as the demo does.
   */
  ownerOf?: (req: Request) => string | undefined;
}

function writeJsonRpcError(res: Response, status: number, code: number, message: string): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * The MCP endpoint handler, after whatever protection the variant mounts (which leaves the
 * parsed JSON-RPC body in `req.body`):
 * - `session`: stateful Streamable HTTP. An `initialize` without `mcp-session-id` creates one
 *   `McpServer` + transport for the session; later requests carrying the id reuse them. This
 *   is the only layout in which server and transport outlive a request.
 * - `stateless`: `sessionIdGenerator: undefined`, a new `McpServer` + transport per request (a
 *   stateless transport cannot serve a second request, and `connect()` refuses a second
 *   transport), closed when the response closes. This is what `examples/*` do.
 * Both use `enableJsonResponse: true` (one JSON body instead of an SSE stream).
 */
export function createMcpHandler(
  options: McpHandlerOptions,
): (req: Request, res: Response, next: NextFunction) => void {
  const ownerOf = options.ownerOf ?? (() => undefined);
  if (options.layout === 'stateless') {
    return (req, res, next) => {
      const mcp = options.createServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => void mcp.close());
      mcp
        .connect(transport)
        .then(() => transport.handleRequest(req, res, req.body))
        .catch(next);
    };
  }
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; owner: unknown }>();
  return (req, res, next) => {
    const owner = ownerOf(req);
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = sessions.get(id);
      if (!session || session.owner !== owner) {
        writeJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      session.transport.handleRequest(req, res, req.body).catch(next);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      writeJsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      return;
    }
    const mcp = options.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, { transport, owner });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch(next);
  };
}

let served = 0;
let openConnections = 0;

function answerCpu(res: ServerResponse): void {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      user_us: cpu.user,
      system_us: cpu.system,
      heap_used: memory.heapUsed,
      heap_total: memory.heapTotal,
      external: memory.external,
      array_buffers: memory.arrayBuffers,
      rss: memory.rss,
      requests: served,
      connections: openConnections,
    }),
  );
}

/** `/__bench/gc`: two full collections (a turn of the event loop apart), then the figures. */
function answerGc(res: ServerResponse): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    res.statusCode = 501;
    res.end('run the server with --expose-gc');
    return;
  }
  gc();
  setImmediate(() => {
    gc();
    answerCpu(res);
  });
}

/**
 * Serves `app` on 127.0.0.1 port 0, prints `port=<n> core=<url>`, answers `/__bench/cpu` and
 * `/__bench/gc`, and exits cleanly on SIGTERM/SIGINT (so `--cpu-prof` writes its profile).
 * `options.core`: where `@mcp-auth/core` was loaded from, when not by this file's resolution.
 */
export async function serve(app: Express, options: { core?: string } = {}): Promise<void> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/__bench/cpu') answerCpu(res);
    else if (req.url === '/__bench/gc') answerGc(res);
    else {
      served++;
      app(req, res);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    openConnections++;
    socket.once('close', () => openConnections--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', resolve);
  });
  const exit = () => {
    server.closeAllConnections();
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  // Where `@mcp-auth/core` resolves in this process (dist/ or src/): the bench checks it.
  const core = options.core ?? import.meta.resolve('@mcp-auth/core');
  process.stdout.write(`port=${(server.address() as AddressInfo).port} core=${core}\n`);
}
