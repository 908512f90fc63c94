import { createDefaultPolicies, errors, type TokenVerifier } from '@mcp-auth/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  InvalidTokenError as SdkInvalidTokenError,
  ServerError as SdkServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, protectMcpServer } from '../src/index.js';
import { createTestAuth } from './fixtures.js';

async function connect(server: McpServer): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

describe('protectMcpServer without authentication in front (fails closed)', () => {
  it('tools/call → the denied result (unauthenticated) and the tool never runs; tools/list → empty', async () => {
    let ran = false;
    const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), {
      policy: createDefaultPolicies(),
    });
    server.registerTool('get_weather', {}, async () => {
      ran = true;
      return { content: [{ type: 'text', text: 'sunny' }] };
    });
    const client = await connect(server);
    expect((await client.listTools()).tools).toEqual([]);
    const result = await client.callTool({ name: 'get_weather' });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]?.text).toMatch(
      /^Access denied \(unauthenticated\)/,
    );
    expect(ran).toBe(false);
    await client.close();
  });
});

describe('options are validated when protecting', () => {
  it('protectMcpServer: TypeError for a non-SDK server or a missing policy', () => {
    const policy = createDefaultPolicies();
    expect(() => protectMcpServer({} as McpServer, { policy })).toThrow(TypeError);
    const server = new McpServer({ name: 's', version: '1.0.0' });
    expect(() => protectMcpServer(server, {} as never)).toThrow(TypeError);
    expect(() => protectMcpServer(server, { policy: { evaluate() {} } } as never)).toThrow(
      TypeError,
    );
  });

  it('createTokenVerifier: TypeError without verify()', () => {
    expect(() => createTokenVerifier({} as TokenVerifier)).toThrow(TypeError);
  });
});

describe('createTokenVerifier maps core results to the SDK (RFC 6750 §3.1)', () => {
  it('a valid token → AuthInfo with the AuthContext in extra.auth, never the token in errors', async () => {
    const auth = await createTestAuth(new URL('http://127.0.0.1:1/mcp'));
    const verifier = createTokenVerifier(auth.verifier);
    const token = await auth.tokenFor('bob');
    const info = await verifier.verifyAccessToken(token);
    expect(info.clientId).toBe('test-client');
    expect(info.scopes).toEqual(['mcp:tools:read', 'mcp:tools:write']);
    expect(typeof info.expiresAt).toBe('number');
    expect((info.extra?.auth as { userId?: string } | undefined)?.userId).toBe('bob');

    const refused = await verifier.verifyAccessToken(`${token}x`).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(refused).toBeInstanceOf(SdkInvalidTokenError);
    expect(String((refused as Error).message)).not.toContain(token.slice(20, 60));
  });

  it('a check that cannot be made (503 in core) → SDK ServerError, never a pass', async () => {
    const down: TokenVerifier = {
      async verify() {
        throw new errors.TemporarilyUnavailableError('The revocation check is unavailable');
      },
    };
    const error = await createTokenVerifier(down)
      .verifyAccessToken('a.b.c')
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(SdkServerError);
  });

  it('a DPoP-bound token (cnf.jkt) → SDK InvalidTokenError: the bearer check has no proof (RFC 9449 §7.2)', async () => {
    const bound: TokenVerifier = {
      async verify() {
        return {
          userId: 'bob',
          clientId: 'c',
          scopes: [],
          claims: { cnf: { jkt: 'thumbprint' } },
          expiresAt: undefined,
          jti: undefined,
          resource: undefined,
          grantId: undefined,
        };
      },
    };
    const error = await createTokenVerifier(bound)
      .verifyAccessToken('a.b.c')
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(SdkInvalidTokenError);
  });
});

describe('a legacy session stays bound to its caller (handler level)', () => {
  const policy = createDefaultPolicies();
  const caller = (userId: string) => ({
    token: 't',
    clientId: 'client',
    scopes: ['mcp:tools:read'],
    extra: {
      auth: { userId, clientId: 'client', scopes: ['mcp:tools:read'], claims: {}, attributes: {} },
    },
  });
  type Stored = (request: unknown, extra: unknown) => Promise<unknown>;
  const handlerOf = (server: object, method: string): Stored => {
    const handler = (server as { _requestHandlers: Map<string, Stored> })._requestHandlers.get(
      method,
    );
    if (handler === undefined) throw new Error(`no handler for ${method}`);
    return handler;
  };
  const call = { method: 'tools/call', params: { name: 'get_weather', arguments: {} } };

  it('stored handlers and a fallbackRequestHandler answering tools/*: another caller on the session is refused as if it did not exist', async () => {
    const mcp = new McpServer({ name: 's', version: '1.0.0' });
    mcp.registerTool('get_weather', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    protectMcpServer(mcp, { policy });
    const bare = new McpServer({ name: 'bare', version: '1.0.0' }).server;
    let fallbackRuns = 0;
    bare.fallbackRequestHandler = async () => {
      fallbackRuns++;
      return { content: [{ type: 'text', text: 'fallback' }], tools: [] };
    };
    protectMcpServer(bare, { policy });
    for (const [server, method, request] of [
      [mcp.server, 'tools/call', call],
      [mcp.server, 'tools/list', { method: 'tools/list' }],
      [mcp.server, 'ping', { method: 'ping' }],
      [bare, 'tools/call', call],
      [bare, 'tools/list', { method: 'tools/list' }],
    ] as const) {
      const handler = handlerOf(server, method);
      const session = `${method}-session`;
      await handler(request, { sessionId: session, authInfo: caller('alice') });
      await expect(
        handler(request, { sessionId: session, authInfo: caller('bob') }),
        method,
      ).rejects.toThrow('Session not found');
      // Without a session (2026-07-28), each request stands alone.
      await handler(request, { authInfo: caller('bob') });
    }
    expect(fallbackRuns).toBe(4);
  });

  it('protecting again with the same policy changes nothing; with another policy is a TypeError', () => {
    const server = new McpServer({ name: 's', version: '1.0.0' });
    protectMcpServer(server, { policy });
    const stored = handlerOf(server.server, 'ping');
    protectMcpServer(server, { policy });
    expect(handlerOf(server.server, 'ping')).toBe(stored);
    expect(() => protectMcpServer(server, { policy: createDefaultPolicies() })).toThrow(
      /already protected with another policy/,
    );
  });
});
