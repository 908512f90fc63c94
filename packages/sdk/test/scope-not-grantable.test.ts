// The in-server check (protectMcpServer) and scope_not_grantable: a caller whose token says it can
// never be granted the scope a tool needs is refused with scope_not_grantable — the code and
// reason of the policy's decision event, the same the MCP endpoint guard answers — and the tool
// does not run. A caller who could still be granted it is refused insufficient_scope.
import { type AuthContext, type PolicyDecisionEvent, PolicyEngine } from '@mcp-auth/core';
import { toAuthInfo } from '@mcp-auth/core/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { protectMcpServer } from '../src/index.js';

const caller = (grantable: string[], principal?: 'client'): AuthContext => ({
  userId: principal === 'client' ? 'agent' : 'alice',
  clientId: 'agent',
  scopes: ['mcp:tools:read'],
  claims: { sub: 'alice', mcp_grantable_scopes: grantable },
  expiresAt: undefined,
  jti: undefined,
  resource: undefined,
  grantId: undefined,
  ...(principal === undefined ? {} : { principal }),
});

async function callSendEmail(auth: AuthContext) {
  const events: PolicyDecisionEvent[] = [];
  const policy = new PolicyEngine({ onDecision: (event) => events.push(event) });
  policy.addRule({ id: 'mail', tools: 'send_email', scopes: ['mcp:tools:write'] });
  let ran = 0;
  const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), { policy });
  server.registerTool('send_email', {}, async () => {
    ran++;
    return { content: [{ type: 'text', text: 'sent' }] };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const authInfo = toAuthInfo(auth, 'not-a-real-token');
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, options) => send(message, { ...options, authInfo });
  const client = new Client({ name: 't', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const result = await client.callTool({ name: 'send_email' });
  await client.close();
  return { result, events, ran };
}

const textOf = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? [])[0]?.text ?? '';

describe('protectMcpServer: scope_not_grantable is the decision, not a relabel', () => {
  it('an account that can never hold the scope: scope_not_grantable, the event says the same, the tool does not run', async () => {
    const { result, events, ran } = await callSendEmail(caller(['mcp:tools:read']));
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toBe(
      'Access denied (scope_not_grantable): rule "mail" requires scope mcp:tools:write; this account cannot be granted mcp:tools:write, so signing in again would not help',
    );
    expect(events.map((e) => `Access denied (${e.code}): ${e.reason}`)).toEqual([text]);
    expect(ran).toBe(0);
  });

  it('a machine client is told about the client; a grantable scope stays insufficient_scope', async () => {
    const machine = await callSendEmail(caller(['mcp:tools:read'], 'client'));
    expect(textOf(machine.result)).toMatch(
      /^Access denied \(scope_not_grantable\): .*; this client cannot be granted mcp:tools:write, so a new token would not help$/,
    );
    expect(machine.events.map((e) => e.code)).toEqual(['scope_not_grantable']);
    const editor = await callSendEmail(caller(['mcp:tools:read', 'mcp:tools:write']));
    expect(textOf(editor.result)).toMatch(/^Access denied \(insufficient_scope\)/);
    expect(editor.events.map((e) => [e.code, e.missingScopes])).toEqual([
      ['insufficient_scope', ['mcp:tools:write']],
    ]);
    expect(machine.ran + editor.ran).toBe(0);
  });
});
