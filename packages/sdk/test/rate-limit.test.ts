// Rate limits inside the MCP server (issue 16 item 3): protectMcpServer counts a call only when
// no MCP endpoint guard counted it at the edge (isDecidedAtEdge), so a server protected by
// protectMcpServer alone is still limited, and one behind the guard counts each call once.
import { type AuthContext, MemoryStore, PolicyEngine } from '@mcp-auth/core';
import { toAuthInfo } from '@mcp-auth/core/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { protectMcpServer } from '../src/index.js';

const bob: AuthContext = {
  userId: 'bob',
  clientId: 'c1',
  scopes: ['mcp:tools:write'],
  claims: { sub: 'bob' },
  expiresAt: undefined,
  jti: undefined,
  resource: undefined,
  grantId: undefined,
};

async function setup(decidedAtEdge: boolean) {
  const policy = new PolicyEngine({ rateLimitStore: new MemoryStore() });
  policy.addRule({ tools: 'send_email', scopes: ['mcp:tools:write'] });
  policy.addRateLimit({ tools: 'send_email', per: 'subject', limit: 2, windowSeconds: 3600 });
  let ran = 0;
  const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), { policy });
  server.registerTool('send_email', {}, async () => {
    ran++;
    return { content: [{ type: 'text', text: 'sent' }] };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const authInfo = toAuthInfo(bob, 'not-a-real-token');
  if (decidedAtEdge) authInfo.extra!['decidedAtEdge'] = true;
  // Every request carries the caller, as an HTTP transport would after authentication.
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, options) => send(message, { ...options, authInfo });
  const client = new Client({ name: 't', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return { client, ran: () => ran };
}

describe('protectMcpServer and the policy rate limits', () => {
  it('without an edge guard: the 3rd call of a 2-per-window limit is refused in the server and the tool does not run', async () => {
    const { client, ran } = await setup(false);
    for (let i = 0; i < 2; i++) {
      expect((await client.callTool({ name: 'send_email' })).isError ?? false).toBe(false);
    }
    const third = await client.callTool({ name: 'send_email' });
    expect(third.isError).toBe(true);
    expect((third.content as { text: string }[])[0]?.text).toMatch(
      /^Access denied \(rate_limited\): rate limit "rate-limit-1" allows 2 calls per 3600 s/,
    );
    expect(ran()).toBe(2);
    await client.close();
  });

  it('behind the edge guard (decidedAtEdge): the server does not count again', async () => {
    const { client, ran } = await setup(true);
    for (let i = 0; i < 4; i++) {
      expect((await client.callTool({ name: 'send_email' })).isError ?? false).toBe(false);
    }
    expect(ran()).toBe(4);
    await client.close();
  });
});
