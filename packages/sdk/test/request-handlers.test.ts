import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { interceptRequestHandlers, type RawRequestHandler } from '../src/request-handlers.js';
import { hookToolExecution } from '../src/sdk-internals.js';

// The canary for the SDK 1.x internals @mcp-auth/sdk relies on (src/sdk-internals.ts:
// Protocol#_requestHandlers and McpServer's tool-execution methods).
// If an SDK upgrade changes how handlers are stored, these tests fail before any tool is left
// unguarded in production.

async function connect(server: McpServer | Server): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

function recorder() {
  const seen: string[] = [];
  const wrap = (method: string, handler: RawRequestHandler): RawRequestHandler => {
    if (method !== 'tools/call' && method !== 'tools/list') return handler;
    return async (request, extra) => {
      seen.push(method);
      return handler(request, extra);
    };
  };
  return { seen, wrap };
}

describe('interceptRequestHandlers (SDK internals canary)', () => {
  it('the SDK still keeps request handlers in a plain Map named _requestHandlers', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const handlers = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
    expect(handlers).toBeInstanceOf(Map);
    expect(Object.getPrototypeOf(handlers)).toBe(Map.prototype);
  });

  it('guards handlers McpServer installed before and after interception', async () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    server.registerTool('before', {}, async () => ({ content: [{ type: 'text', text: 'b' }] }));
    const { seen, wrap } = recorder();
    expect(interceptRequestHandlers(server.server, wrap)).toBe(true);
    server.registerTool('after', {}, async () => ({ content: [{ type: 'text', text: 'a' }] }));
    const client = await connect(server);
    await client.listTools();
    await client.callTool({ name: 'before' });
    await client.callTool({ name: 'after' });
    expect(seen).toEqual(['tools/list', 'tools/call', 'tools/call']);
    await client.close();
  });

  it('guards the lazy install of McpServer tool handlers (no tool registered yet)', async () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const { seen, wrap } = recorder();
    interceptRequestHandlers(server.server, wrap);
    server.registerTool('late', {}, async () => ({ content: [{ type: 'text', text: 'l' }] }));
    const client = await connect(server);
    await client.callTool({ name: 'late' });
    expect(seen).toEqual(['tools/call']);
    await client.close();
  });

  it('guards a handler replaced later through setRequestHandler on a low-level Server', async () => {
    const server = new Server({ name: 's', version: '1.0.0' }, { capabilities: { tools: {} } });
    const { seen, wrap } = recorder();
    interceptRequestHandlers(server, wrap);
    server.setRequestHandler(CallToolRequestSchema, async () => ({ content: [] }));
    const client = await connect(server);
    await client.callTool({ name: 'x' });
    expect(seen).toEqual(['tools/call']);
    await client.close();
  });

  it('intercepts a server once: a second call is a no-op', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const { wrap } = recorder();
    expect(interceptRequestHandlers(server.server, wrap)).toBe(true);
    expect(interceptRequestHandlers(server.server, wrap)).toBe(false);
  });

  it('a second interceptor composes around the first (both see every call)', async () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const first = recorder();
    const second = recorder();
    interceptRequestHandlers(server.server, first.wrap);
    server.registerTool('t', {}, async () => ({ content: [] }));
    expect(interceptRequestHandlers(server.server, second.wrap)).toBe(true);
    const client = await connect(server);
    await client.callTool({ name: 't' });
    expect(first.seen).toEqual(['tools/call']);
    expect(second.seen).toEqual(['tools/call']);
    await client.close();
  });

  it('McpServer still has the tool-execution internals protectMcpServer hooks', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' }) as unknown as Record<
      string,
      unknown
    >;
    for (const name of [
      'setToolRequestHandlers',
      'executeToolHandler',
      'validateToolInput',
      'handleAutomaticTaskPolling',
    ]) {
      expect(typeof server[name], name).toBe('function');
    }
    expect(typeof server._registeredTools).toBe('object');
    expect(server._toolHandlersInitialized).toBe(false);
  });

  it('executeToolHandler gets the schema-parsed arguments and the extra with authInfo', async () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const seen: unknown[] = [];
    hookToolExecution(
      server,
      (tool, args, extra) => {
        seen.push([tool, args, typeof (extra as { signal?: unknown }).signal]);
        return undefined;
      },
      '@modelcontextprotocol/sdk',
    );
    server.registerTool(
      'lower',
      { inputSchema: { v: z.string().trim().toLowerCase() } },
      async () => ({ content: [] }),
    );
    const client = await connect(server);
    await client.callTool({ name: 'lower', arguments: { v: ' AB ' } });
    expect(seen).toEqual([['lower', { v: 'ab' }, 'object']]);
    await client.close();
  });

  it('throws TypeError when the handler store is not the expected Map', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    (server.server as unknown as { _requestHandlers: unknown })._requestHandlers = {};
    expect(() => interceptRequestHandlers(server.server, recorder().wrap)).toThrow(TypeError);
  });
});
