import { createDefaultPolicies } from '@mcp-auth/core';
import { McpServer, Server } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { protectMcpServer } from '../../src/v2/index.js';
import { connectAs, deniedCode, type Effects, startApp, text } from './harness.js';

// Hostile and edge cases of @mcp-auth/sdk/v2 (docs/security-cases.md, SDK-V2-n).

const trimLower = z.object({ user: z.string().trim().toLowerCase() });

function deleteTool(server: McpServer, effects: Effects): void {
  server.registerTool('delete_user', { inputSchema: trimLower }, async ({ user }) => {
    effects.deleted.push(user);
    return { content: [{ type: 'text', text: `deleted ${user}` }] };
  });
}

describe('@mcp-auth/sdk/v2 hostile cases', () => {
  it('SDK-V2-1: handlers McpServer stored before protection (capabilities.tools) decide once, on the parsed arguments (allow and deny)', async () => {
    const decisions: string[] = [];
    const app = await startApp('node', (policy, effects) => {
      const server = new McpServer(
        { name: 's', version: '1.0.0' },
        { capabilities: { tools: {} } },
      );
      deleteTool(server, effects);
      server.registerTool(
        'read_document',
        { inputSchema: z.object({ owner: z.string().trim().toLowerCase() }) },
        async ({ owner }) => ({ content: [{ type: 'text', text: `document of ${owner}` }] }),
      );
      return protectMcpServer(server, { policy });
    });
    app.auth.policy.onDecision((event) => decisions.push(`${event.tool}:${event.code}`));
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      const carol = await connectAs(app.url, await app.auth.tokenFor('carol'), era);
      const result = await carol.callTool({ name: 'delete_user', arguments: { user: 'CAROL ' } });
      expect(deniedCode(result)).toBe('denied_by_rule');
      expect(text(await carol.callTool({ name: 'delete_user', arguments: { user: 'Bob' } }))).toBe(
        'deleted bob',
      );
      await carol.close();
      // own-documents-only denies unless owner = sub: " ALICE " is alice's own document once
      // parsed (a decision on the raw arguments would refuse it).
      const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), era);
      const own = await alice.callTool({ name: 'read_document', arguments: { owner: ' ALICE ' } });
      expect(text(own)).toBe('document of alice');
      await alice.close();
    }
    expect(app.effects.deleted).toEqual(['bob', 'bob']);
    // One audited decision per call, never a second one on the raw arguments.
    const once = ['delete_user:denied_by_rule', 'delete_user:allowed', 'read_document:allowed'];
    expect(decisions).toEqual([...once, ...once]);
    await app.close();
  });

  it('SDK-V2-2: a low-level Server with its own tools/call handler is checked on the arguments as sent (handler never runs when denied)', async () => {
    const app = await startApp('node', (policy, effects) => {
      const server = new Server({ name: 's', version: '1.0.0' }, { capabilities: { tools: {} } });
      protectMcpServer(server, { policy });
      server.setRequestHandler('tools/list', async () => ({
        tools: [
          { name: 'delete_user', inputSchema: { type: 'object' as const } },
          { name: 'get_weather', inputSchema: { type: 'object' as const } },
        ],
      }));
      server.setRequestHandler('tools/call', async (request) => {
        effects.deleted.push(String(request.params.arguments?.user));
        return { content: [{ type: 'text', text: 'ran' }] };
      });
      return server;
    });
    const carol = await connectAs(app.url, await app.auth.tokenFor('carol'), '2026-07-28');
    expect(
      deniedCode(await carol.callTool({ name: 'delete_user', arguments: { user: 'carol' } })),
    ).toBe('denied_by_rule');
    const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), '2025-11-25');
    expect((await alice.listTools()).tools.map((t) => t.name)).toEqual(['get_weather']);
    expect(
      deniedCode(await alice.callTool({ name: 'delete_user', arguments: { user: 'x' } })),
    ).toBe('insufficient_scope');
    expect(app.effects.deleted).toEqual([]);
    await carol.close();
    await alice.close();
    await app.close();
  });

  it('SDK-V2-3: a tools/call handler set on an McpServer after protection is guarded (arguments as sent)', async () => {
    const app = await startApp('node', (policy, effects) => {
      const server = new McpServer({ name: 's', version: '1.0.0' });
      deleteTool(server, effects);
      protectMcpServer(server, { policy });
      server.server.setRequestHandler('tools/call', async () => {
        effects.weather++;
        return { content: [{ type: 'text', text: 'replaced' }] };
      });
      return server;
    });
    const bob = await connectAs(app.url, await app.auth.tokenFor('bob'), '2026-07-28');
    const result = await bob.callTool({ name: 'delete_user', arguments: { user: 'alice' } });
    expect(deniedCode(result)).toBe('insufficient_scope');
    expect(app.effects.weather).toBe(0);
    await bob.close();
    await app.close();
  });

  it('SDK-V2-4: a tool renamed after protection is decided under its new name', async () => {
    const app = await startApp('node', (policy, effects) => {
      const server = new McpServer({ name: 's', version: '1.0.0' });
      protectMcpServer(server, { policy });
      const tool = server.registerTool('get_user', { inputSchema: trimLower }, async ({ user }) => {
        effects.deleted.push(user);
        return { content: [{ type: 'text', text: `deleted ${user}` }] };
      });
      tool.update({ name: 'delete_user' });
      return server;
    });
    const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), '2026-07-28');
    const result = await alice.callTool({ name: 'delete_user', arguments: { user: 'bob' } });
    expect(deniedCode(result)).toBe('insufficient_scope');
    expect(app.effects.deleted).toEqual([]);
    await alice.close();
    await app.close();
  });

  it('SDK-V2-8: protected before any tool exists (McpServer installs its handlers later) decides on the parsed arguments (allow and deny)', async () => {
    const app = await startApp('node', (policy, effects) => {
      const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), { policy });
      server.registerTool(
        'read_document',
        { inputSchema: z.object({ owner: z.string().trim().toLowerCase() }) },
        async ({ owner }) => {
          effects.weather++;
          return { content: [{ type: 'text', text: `document of ${owner}` }] };
        },
      );
      return server;
    });
    const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), '2026-07-28');
    const own = await alice.callTool({ name: 'read_document', arguments: { owner: ' ALICE ' } });
    expect(text(own)).toBe('document of alice');
    const other = await alice.callTool({ name: 'read_document', arguments: { owner: ' BOB' } });
    expect(deniedCode(other)).toBe('denied_by_rule');
    expect(app.effects.weather).toBe(1);
    await alice.close();
    await app.close();
  });

  it('SDK-V2-9: a fallbackRequestHandler answering tools/call and tools/list (set before or after protection) is guarded', async () => {
    for (const order of ['before', 'after'] as const) {
      const app = await startApp('node', (policy, effects) => {
        const server = new Server({ name: 's', version: '1.0.0' }, { capabilities: { tools: {} } });
        const fallback = async (request: { method: string }) => {
          if (request.method === 'tools/list')
            return { tools: [{ name: 'delete_user', inputSchema: { type: 'object' } }] };
          effects.deleted.push('ran');
          return { content: [{ type: 'text', text: 'ran' }] };
        };
        if (order === 'before') server.fallbackRequestHandler = fallback as never;
        protectMcpServer(server, { policy });
        if (order === 'after') server.fallbackRequestHandler = fallback as never;
        return server;
      });
      const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), '2025-11-25');
      expect((await alice.listTools()).tools).toEqual([]);
      const result = await alice.callTool({ name: 'delete_user', arguments: { user: 'bob' } });
      expect(deniedCode(result), order).toBe('insufficient_scope');
      expect(app.effects.deleted).toEqual([]);
      await alice.close();
      await app.close();
    }
  });

  it('SDK-V2-5: an authInfo not made by mcp-auth (no extra.auth) is unauthenticated', async () => {
    let ran = false;
    const policy = createDefaultPolicies();
    const server = new McpServer({ name: 's', version: '1.0.0' });
    server.registerTool('get_weather', {}, async () => {
      ran = true;
      return { content: [] };
    });
    protectMcpServer(server, { policy });
    const { createMcpHandler } = await import('@modelcontextprotocol/server');
    const handler = createMcpHandler(() => server);
    const response = await handler.fetch(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'get_weather', arguments: {} },
        }),
      }),
      { authInfo: { token: 'forged', clientId: 'c', scopes: ['mcp:tools:read'] } },
    );
    const body = await response.text();
    expect(body).toContain('Access denied (unauthenticated)');
    expect(ran).toBe(false);
    await handler.close();
  });

  it('SDK-V2-6: a filtered tools/list is never marked cacheable by shared caches (server cacheHints public)', async () => {
    const app = await startApp('node', (policy, effects) => {
      const server = new McpServer(
        { name: 's', version: '1.0.0' },
        { cacheHints: { 'tools/list': { ttlMs: 60_000, cacheScope: 'public' } } },
      );
      deleteTool(server, effects);
      server.registerTool('get_weather', {}, async () => ({ content: [] }));
      return protectMcpServer(server, { policy });
    });
    const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), '2026-07-28');
    const listed = (await alice.listTools()) as { tools: { name: string }[]; cacheScope?: string };
    expect(listed.tools.map((t) => t.name)).toEqual(['get_weather']);
    expect(listed.cacheScope).toBe('private');
    await alice.close();
    await app.close();
  });

  it('SDK-V2-7: protecting a server again with another policy throws; with the same policy is a no-op', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    const policy = createDefaultPolicies();
    protectMcpServer(server, { policy });
    expect(protectMcpServer(server, { policy })).toBe(server);
    expect(() => protectMcpServer(server, { policy: createDefaultPolicies() })).toThrow(TypeError);
  });

  it('SDK-V2-10: a protection that failed (moved SDK internal) is not remembered: a retry throws again', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    (server.server as unknown as { _requestHandlers: unknown })._requestHandlers = {};
    const policy = createDefaultPolicies();
    expect(() => protectMcpServer(server, { policy })).toThrow(TypeError);
    expect(() => protectMcpServer(server, { policy })).toThrow(TypeError);
  });

  it('SDK-V2-11: a refused tool with an outputSchema answers the denied result, on both eras (no output-validation error)', async () => {
    const app = await startApp('node', (policy) => {
      const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), { policy });
      server.registerTool(
        'delete_user',
        { inputSchema: trimLower, outputSchema: z.object({ deleted: z.string() }) },
        async ({ user }) => ({
          content: [{ type: 'text', text: user }],
          structuredContent: { deleted: user },
        }),
      );
      return server;
    });
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      const carol = await connectAs(app.url, await app.auth.tokenFor('carol'), era);
      const result = await carol.callTool({ name: 'delete_user', arguments: { user: ' Carol' } });
      expect(deniedCode(result), era).toBe('denied_by_rule');
      expect(result.structuredContent).toBeUndefined();
      await carol.close();
    }
    await app.close();
  });

  it('options are checked: TypeError for a v1 or foreign server and for a missing policy', async () => {
    const policy = createDefaultPolicies();
    expect(() => protectMcpServer({} as McpServer, { policy })).toThrow(TypeError);
    expect(() => protectMcpServer(new McpServer({ name: 's', version: '1' }), {} as never)).toThrow(
      /PolicyEngine/,
    );
  });
});
