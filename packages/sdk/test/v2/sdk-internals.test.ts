import { McpServer, Server } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hookToolExecution, interceptHandlerMap } from '../../src/sdk-internals.js';
import { connectAs, startApp } from './harness.js';

// The canary for the SDK 2.x internals @mcp-auth/sdk/v2 relies on (see src/sdk-internals.ts).
// If an upgrade of @modelcontextprotocol/server moves one of them, these fail before any tool
// is left unguarded in production (protectMcpServer also throws a TypeError at startup).

const SDK = '@modelcontextprotocol/server';

describe('SDK 2.x internals canary', () => {
  it('Protocol still keeps request handlers in a plain Map named _requestHandlers', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const handlers = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
    expect(handlers).toBeInstanceOf(Map);
    expect(Object.getPrototypeOf(handlers)).toBe(Map.prototype);
  });

  it('McpServer still has setToolRequestHandlers, executeToolHandler, _registeredTools, _toolHandlersInitialized', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' }) as unknown as Record<
      string,
      unknown
    >;
    expect(typeof server.setToolRequestHandlers).toBe('function');
    expect(typeof server.executeToolHandler).toBe('function');
    expect(typeof server._registeredTools).toBe('object');
    expect(server._toolHandlersInitialized).toBe(false);
    // SDK 1.x's task-polling path does not exist in 2.x (nothing else runs a tool).
    expect(server.handleAutomaticTaskPolling).toBeUndefined();
  });

  it('executeToolHandler gets the schema-parsed arguments and a ctx with http.authInfo, on both eras, for tools registered before and after', async () => {
    const seen: { tool: string | undefined; args: unknown; user: unknown }[] = [];
    const app = await startApp('node', () => {
      const server = new McpServer({ name: 's', version: '1.0.0' });
      server.registerTool(
        'before',
        { inputSchema: z.object({ v: z.string().trim().toLowerCase() }) },
        async () => ({ content: [] }),
      );
      hookToolExecution(
        server,
        (tool, args, ctx) => {
          const info = (ctx as { http?: { authInfo?: { extra?: { auth?: { userId?: string } } } } })
            .http?.authInfo;
          seen.push({ tool, args, user: info?.extra?.auth?.userId });
          return undefined;
        },
        SDK,
      );
      server.registerTool(
        'after',
        { inputSchema: z.object({ v: z.string().trim().toLowerCase() }) },
        async () => ({ content: [] }),
      );
      return server;
    });
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      const client = await connectAs(app.url, await app.auth.tokenFor('bob'), era);
      await client.callTool({ name: 'before', arguments: { v: ' A ' } });
      await client.callTool({ name: 'after', arguments: { v: 'B' } });
      await client.close();
    }
    await app.close();
    const expected = [
      { tool: 'before', args: { v: 'a' }, user: 'bob' },
      { tool: 'after', args: { v: 'b' }, user: 'bob' },
    ];
    expect(seen).toEqual([...expected, ...expected]);
  });

  it('a hook refusal is the tool result and the tool does not run', async () => {
    let ran = false;
    const app = await startApp('none', () => {
      const server = new McpServer({ name: 's', version: '1.0.0' });
      hookToolExecution(
        server,
        () => ({ content: [{ type: 'text', text: 'no' }], isError: true }),
        SDK,
      );
      server.registerTool('t', {}, async () => {
        ran = true;
        return { content: [] };
      });
      return server;
    });
    const client = await connectAs(app.url, undefined, '2026-07-28');
    const result = await client.callTool({ name: 't' });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no' }] });
    expect(ran).toBe(false);
    await client.close();
    await app.close();
  });

  it('the handler map sees handlers stored before and after, by McpServer and by setRequestHandler', () => {
    const server = new Server({ name: 's', version: '1.0.0' }, { capabilities: { tools: {} } });
    const seen: string[] = [];
    server.setRequestHandler('tools/list', async () => ({ tools: [] }));
    interceptHandlerMap(
      server,
      (method, handler) => {
        seen.push(method);
        return handler;
      },
      SDK,
    );
    server.setRequestHandler('tools/call', async () => ({ content: [] }));
    expect(seen).toContain('tools/list');
    expect(seen).toContain('tools/call');
  });

  it('throws TypeError naming the SDK when an internal moved', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    (server.server as unknown as { _requestHandlers: unknown })._requestHandlers = {};
    expect(() => interceptHandlerMap(server.server, (_m, h) => h, SDK)).toThrow(
      /@modelcontextprotocol\/server/,
    );
    const moved = new McpServer({ name: 's', version: '1.0.0' });
    (moved as unknown as { executeToolHandler: unknown }).executeToolHandler = undefined;
    expect(() => hookToolExecution(moved, () => undefined, SDK)).toThrow(TypeError);
  });
});
