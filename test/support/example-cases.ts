// The walkthrough every adapter example must pass, written once: the official SDK client logs
// in as alice, bob and carol (the examples' shared users), lists the tools the policy lets each
// one call, calls an allowed tool and a refused one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithOAuth, type OAuthSession } from './oauth-client.js';

/** A running example. */
export interface RunningExample {
  /** The MCP endpoint (`…/mcp`). */
  readonly mcpUrl: string;
  close(): Promise<void>;
}

/**
 * Who answers a call that lacks a scope the user can never be granted (alice's `send_email`):
 * - `edge`: core's MCP guard at the HTTP edge. A step-up could never succeed (the token says
 *   what the account may hold), so it answers inside MCP: `Access denied (scope_not_grantable)`,
 *   HTTP 200, the tool never runs (issue 17: no 403 loop). A scope the user could be granted
 *   would get the 403 step-up (the demo's flow test shows that one).
 * - `in-mcp`: no mcp-auth guard in front (the SDK's own `requireBearerAuth`); `protectMcpServer`
 *   answers core's denied result (`Access denied (insufficient_scope)`).
 */
export type DenialStyle = 'edge' | 'in-mcp';

const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';
const ADMIN = 'mcp:tools:admin';

/** Registers the walkthrough for one example. */
export function exampleCases(
  name: string,
  start: () => Promise<RunningExample>,
  denial: DenialStyle,
): void {
  describe(`examples/${name}: the OAuth walkthrough with the official MCP SDK client`, () => {
    let example: RunningExample;
    const sessions: OAuthSession[] = [];
    beforeAll(async () => {
      example = await start();
    });
    afterAll(async () => {
      await Promise.all(sessions.map((s) => s.close()));
      await example?.close();
    });

    async function as(username: string): Promise<OAuthSession> {
      const session = await connectWithOAuth(example.mcpUrl, { username });
      sessions.push(session);
      return session;
    }

    async function expectDenied(session: OAuthSession, tool: string, args: object) {
      const result = await session.call(tool, args as Record<string, unknown>);
      expect(result.isError).toBe(true);
      // One decision everywhere: the edge guard and the in-server check both see that no
      // sign-in can grant the scope (the token's grantable scopes), and say so.
      expect(result.text).toMatch(/^Access denied \(scope_not_grantable\): .*cannot be granted/);
    }

    it('answers an unauthenticated MCP request with 401 and resource_metadata (RFC 9728 §5.1, SECURITY-CASES 38)', async () => {
      const res = await postMcp(example.mcpUrl, undefined, { method: 'tools/list' });
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
      expect(metadataUrl).toBeDefined();
      const prm = (await (await fetch(metadataUrl!)).json()) as { resource?: string };
      expect(prm.resource).toBe(example.mcpUrl);
    });

    it('alice (viewer): granted read only; sees get_weather and whoami; get_weather runs; send_email is refused (SECURITY-CASES 39)', async () => {
      const alice = await as('alice');
      expect(alice.provider.grantedScopes).toEqual([READ]);
      expect(await alice.toolNames()).toEqual(['get_weather', 'whoami']);
      expect(await alice.call('get_weather', { city: 'Oslo' })).toMatchObject({
        isError: false,
        text: 'Sunny in Oslo',
      });
      expect((await alice.call('whoami')).text).toBe(`alice (viewer): ${READ}`);
      await expectDenied(alice, 'send_email', { to: 'bob' });
      if (denial === 'edge') {
        // Issue 17: no 403 that would send the client round a login it cannot pass.
        const res = await postMcp(example.mcpUrl, alice.provider.accessToken, {
          method: 'tools/call',
          params: { name: 'send_email', arguments: { to: 'bob' } },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('www-authenticate')).toBeNull();
      }
    });

    it('bob (editor): read + write; send_email runs; delete_user (admin) is refused', async () => {
      const bob = await as('bob');
      expect(bob.provider.grantedScopes).toEqual([READ, WRITE]);
      expect(await bob.toolNames()).toEqual(['get_weather', 'send_email', 'whoami']);
      expect(await bob.call('send_email', { to: 'carol' })).toMatchObject({
        isError: false,
        text: 'Sent to carol',
      });
      await expectDenied(bob, 'delete_user', { username: 'alice' });
    });

    it('carol (admin): every tool, delete_user included', async () => {
      const carol = await as('carol');
      expect(carol.provider.grantedScopes).toEqual([ADMIN, READ, WRITE]);
      expect(await carol.toolNames()).toEqual([
        'delete_user',
        'get_weather',
        'send_email',
        'whoami',
      ]);
      expect(await carol.call('delete_user', { username: 'bob' })).toMatchObject({
        isError: false,
        text: 'Deleted bob',
      });
      const [who, scopes = ''] = (await carol.call('whoami')).text.split(': ');
      expect(who).toBe('carol (admin)');
      expect(scopes.split(' ').sort()).toEqual([ADMIN, READ, WRITE]);
    });
  });
}

/** A raw JSON-RPC POST to an MCP endpoint (for asserting statuses and headers). */
export async function postMcp(
  mcpUrl: string,
  token: string | undefined,
  message: { method: string; params?: unknown },
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
  });
  await res.body?.cancel().catch(() => {});
  return res;
}
