// The whole MCP authorization flow against the demo (MCP SDK v2's createMcpHandler, both
// eras), with the OFFICIAL MCP SDK clients — v2 (`@modelcontextprotocol/client`, pinned to
// 2026-07-28) and v1 (`@modelcontextprotocol/sdk`, 2025-11-25) — and the real HTML forms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientKind, startTestDemo, type TestDemo, TestClient } from './harness.js';

const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';
const ADMIN = 'mcp:tools:admin';

let t: TestDemo;
const clients: TestClient[] = [];

function newClient(username: string, untick: string[] = [], kind: ClientKind = 'v1'): TestClient {
  const client = new TestClient(t.demo.mcpUrl, { username, untick }, undefined, kind);
  clients.push(client);
  return client;
}

function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** The JSON-RPC `result` of a response, whether a JSON body or an SSE stream. */
async function rpcResult(response: Response): Promise<unknown> {
  expect(response.status).toBe(200);
  const body = await response.text();
  const data = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .find((line) => line.includes('"result"'))
    : body;
  return (JSON.parse(data ?? '{}') as { result?: unknown }).result;
}

function textOf(result: unknown): string {
  const content = (result as { content?: { text?: string }[] } | undefined)?.content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** A raw MCP request with a bearer token, for checks below the SDK. */
function rawMcp(
  token: string,
  body: unknown,
  sessionId?: string,
  url = t.demo.mcpUrl,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  t = await startTestDemo();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.demo.close();
});

describe('demo: discovery (RFC 9728, RFC 8414)', () => {
  it('answers an unauthenticated MCP request with 401 and resource_metadata (SECURITY-CASES 38)', async () => {
    const response = await fetch(t.demo.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(
      `resource_metadata="${t.demo.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    // The scopes a client should request (MCP 2025-11-25 scope selection); consent narrows them.
    expect(challenge).toContain(`scope="${READ} ${WRITE} ${ADMIN}"`);
  });

  it('publishes the policy scopes in both metadata documents', async () => {
    const prm = (await (
      await fetch(`${t.demo.url}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(prm.resource).toBe(t.demo.mcpUrl);
    expect(prm.authorization_servers).toEqual([t.demo.issuer]);
    const asm = (await (
      await fetch(`${t.demo.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(asm.issuer).toBe(t.demo.issuer);
    expect(asm.code_challenge_methods_supported).toEqual(['S256']);
    // The policy's scopes minus its `mcp:tools:*` catch-all, which no demo user can be granted.
    expect(t.demo.policy.scopesSupported()).toEqual([READ, WRITE, ADMIN, 'mcp:tools:*']);
    for (const doc of [prm, asm]) expect(doc.scopes_supported).toEqual([READ, WRITE, ADMIN]);
  });

  it('advertises Client ID Metadata Documents (client_id_metadata_document_supported) next to registration (issue 17 item 7)', async () => {
    const asm = (await (
      await fetch(`${t.demo.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(asm.client_id_metadata_document_supported).toBe(true);
    expect(asm.registration_endpoint).toBe(`${t.demo.issuer}/register`);
  });
});

describe.each([
  ['v1', '@modelcontextprotocol/sdk 1.x, 2025-11-25'],
  ['v2', '@modelcontextprotocol/client 2.x pinned to 2026-07-28'],
] as const)(
  'demo: the official SDK client %s (%s) through registration, PKCE, login and consent',
  (kind, _era) => {
    it('carol (admin): full flow, every tool listed, allowed calls, the role rule and the argument rule (refused without the tool running)', async () => {
      const carol = newClient('carol', [], kind);
      await carol.connect();
      // 401 → PRM → AS metadata → registration → authorize (login + consent) → token.
      expect(carol.mcpResponses[0]?.status).toBe(401);
      expect(carol.authorizations).toHaveLength(1);
      const first = carol.authorizations[0]!;
      expect(first.result.pages).toEqual(['login', 'consent']);
      expect(first.url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(first.url.searchParams.get('resource')).toBe(t.demo.mcpUrl);
      expect(first.result.iss).toBe(t.demo.issuer); // RFC 9207
      expect([...carol.provider.grantedScopes].sort()).toEqual([ADMIN, READ, WRITE]);
      if (kind === 'v2') expect(carol.transport.protocolVersion).toBe('2026-07-28');

      expect(await carol.toolNames()).toEqual([
        'delete_user',
        'get_weather',
        'oauth_introspect',
        'send_email',
        'whoami',
      ]);
      const weather = await carol.call('get_weather', { city: 'Lisbon' });
      expect(weather.isError).toBe(false);
      expect(weather.text).toContain('Weather in Lisbon');
      const deleted = await carol.call('delete_user', { username: 'bob' });
      expect(deleted).toEqual({
        isError: false,
        text: expect.stringContaining('User bob deleted'),
      });
      // The argument rule: nobody deletes themselves — refused inside MCP, not a step-up, and
      // the tool never runs. " Carol" is carol after the tool's schema (trim, lower case): the
      // in-server check decides on the arguments the tool would receive.
      const before = t.ran.filter((tool) => tool === 'delete_user').length;
      for (const username of ['carol', ' Carol', 'CAROL']) {
        const self = await carol.call('delete_user', { username });
        expect(self.isError).toBe(true);
        expect(self.text).toMatch(/^Access denied \(denied_by_rule\)/);
        expect(self.text).toContain('no-self-delete');
      }
      expect(t.ran.filter((tool) => tool === 'delete_user')).toHaveLength(before);

      // The resource telling clients how to authorize.
      const resource = await carol.client.readResource({ uri: 'oauth://authorize' });
      const guide = json(String((resource.contents[0] as { text: string }).text));
      expect(guide.authorization_endpoint).toBe(`${t.demo.issuer}/authorize`);
      expect(guide.token_endpoint).toBe(`${t.demo.issuer}/token`);
      expect(String(guide.authorization_url_template)).toContain('code_challenge_method=S256');
    });

    it('alice (viewer) calling send_email: one clear denial inside MCP, no step-up loop, no extra authorization (issue 17 item 2)', async () => {
      const alice = newClient('alice', [], kind);
      await alice.connect();
      expect(alice.provider.grantedScopes).toEqual([READ]);
      expect(await alice.toolNames()).toEqual(['get_weather', 'oauth_introspect', 'whoami']);
      expect((await alice.call('get_weather', { city: 'Oslo' })).isError).toBe(false);
      // send_email needs mcp:tools:write, which the role viewer can never be granted: a 403
      // step-up could never succeed, so the guard answers the denial at once, inside MCP.
      const sent = t.ran.filter((tool) => tool === 'send_email').length;
      const denied = await alice.call('send_email', {
        to: 'x@example.com',
        subject: 'hi',
        body: '',
      });
      expect(denied).toEqual({
        isError: true,
        text: 'Access denied (scope_not_grantable): rule "default-write" requires scope mcp:tools:write; this account cannot be granted mcp:tools:write, so signing in again would not help',
      });
      expect(alice.authorizations).toHaveLength(1);
      expect(alice.mcpResponses.filter((r) => r.status === 403)).toEqual([]);
      expect(t.ran.filter((tool) => tool === 'send_email')).toHaveLength(sent);
    });

    it('step-up: bob unticks write, send_email answers 403 insufficient_scope, the client re-authorizes once and the call runs (MCP authorization §Scope challenge)', async () => {
      const bob = newClient('bob', [WRITE], kind);
      await bob.connect();
      expect(bob.provider.grantedScopes).toEqual([READ]);
      expect(await bob.toolNames()).toEqual(['get_weather', 'oauth_introspect', 'whoami']);

      bob.script = { username: 'bob' }; // this time bob approves everything offered
      const sent = await bob.call('send_email', {
        to: 'carol@example.com',
        subject: 'Hi',
        body: '',
      });
      expect(sent).toEqual({ isError: false, text: expect.stringContaining('queued') });

      const challenge = bob.mcpResponses.find((r) => r.status === 403)?.challenge ?? '';
      expect(challenge).toContain('error="insufficient_scope"');
      // Only what the operation needs (SEP-2350: write implies read).
      expect(/scope="([^"]*)"/.exec(challenge)?.[1]).toBe(WRITE);
      expect(bob.authorizations).toHaveLength(2);
      const stepUp = bob.authorizations[1]!;
      expect(stepUp.url.searchParams.get('scope')?.split(' ')).toContain(WRITE);
      expect(bob.provider.grantedScopes).toContain(WRITE);
      expect(await bob.toolNames()).toEqual([
        'get_weather',
        'oauth_introspect',
        'send_email',
        'whoami',
      ]);
      expect((await bob.call('get_weather', { city: 'Bern' })).isError).toBe(false);
    });
  },
);

describe('demo: the official SDK client, more cases', () => {
  it('the v2 client negotiating (mode auto): settles on 2026-07-28, lists and calls', async () => {
    const carol = newClient('carol', [], 'v2-negotiate');
    await carol.connect();
    expect(carol.transport.protocolVersion).toBe('2026-07-28');
    expect(await carol.toolNames()).toContain('delete_user');
    expect((await carol.call('get_weather', { city: 'Riga' })).text).toContain('Weather in Riga');
  });

  it('whoami and oauth_introspect describe the caller and the token, never the token itself (SECURITY-CASES 40)', async () => {
    const bob = newClient('bob');
    await bob.connect();
    const token = bob.accessToken;
    const whoami = await bob.call('whoami');
    expect(whoami.isError).toBe(false);
    expect(whoami.text).not.toContain(token);
    const me = json(whoami.text);
    expect(me.userId).toBe('bob');
    expect(me.scopes).toEqual(expect.arrayContaining([READ, WRITE]));
    expect((me.claims as Record<string, unknown>).role).toBe('editor');
    expect(me).not.toHaveProperty('token');

    const introspected = await bob.call('oauth_introspect');
    expect(introspected.text).not.toContain(token);
    const claims = json(introspected.text);
    expect(claims.active).toBe(true);
    expect(claims.sub).toBe('bob');
    expect(claims.iss).toBe(t.demo.issuer);
    expect(claims.aud).toBe(t.demo.mcpUrl);
    expect(claims.client_id).toBe(me.clientId);
  });

  it('a role that scopes cannot fix: dave has mcp:tools:admin but role viewer → refused inside MCP', async () => {
    const dave = newClient('dave');
    await dave.connect();
    expect([...dave.provider.grantedScopes].sort()).toEqual([ADMIN, READ, WRITE]);
    expect(await dave.toolNames()).not.toContain('delete_user');
    const denied = await dave.call('delete_user', { username: 'alice' });
    expect(denied.isError).toBe(true);
    expect(denied.text).toMatch(/^Access denied \(denied_by_rule\)/);
    expect(denied.text).toContain('delete-user-admins-only');
    // No step-up was attempted for it: every MCP POST after the first login was a 2xx.
    const posts = dave.mcpResponses.filter((r) => r.method === 'POST');
    expect(posts.slice(1).every((r) => r.status < 300)).toBe(true);
    expect(dave.authorizations).toHaveLength(1);
  });

  it('refreshes after the access token expires, then a revoked grant is refused (RFC 6749 §6, RFC 7009)', async () => {
    // A second demo whose access tokens live one second (the server's clock is the real one).
    const short = await startTestDemo({ accessTokenTtlSeconds: 1 });
    try {
      const bob = new TestClient(short.demo.mcpUrl, { username: 'bob' });
      clients.push(bob);
      await bob.connect();
      const before = bob.accessToken;
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const expired = await rawMcp(
        before,
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        undefined,
        short.demo.mcpUrl,
      );
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
      // The SDK gets the 401, refreshes (no new login) and retries.
      const weather = await bob.call('get_weather', { city: 'Rome' });
      expect(weather.isError).toBe(false);
      expect(bob.accessToken).not.toBe(before);
      expect(bob.authorizations).toHaveLength(1);
      await bob.close();
    } finally {
      await short.demo.close();
    }

    const bob = newClient('bob');
    await bob.connect();
    // Revoke the refresh token as the client would on sign-out: the grant dies with it.
    const tokens = bob.provider.tokens();
    const clientId = bob.provider.clientInformation()?.client_id ?? '';
    const revoked = await fetch(`${t.demo.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: tokens?.refresh_token ?? '',
        token_type_hint: 'refresh_token',
        client_id: clientId,
      }),
    });
    expect(revoked.status).toBe(200);
    const refused = await rawMcp(bob.accessToken, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('no authorization state rides on Mcp-Session-Id: none is issued, and every request is verified on its own token (issue 11 item 3)', async () => {
    const carol = newClient('carol');
    await carol.connect();
    // Stateless (createMcpHandler's 2025 fallback, and 2026-07-28 per request): no session id.
    expect(carol.transport.sessionId).toBeUndefined();
    expect(carol.mcpResponses.every((r) => r.sessionId === null)).toBe(true);

    // A session id — made up, or one another user's client might hold — changes nothing: the
    // caller is whoever the token says, with that token's rights only.
    const alice = newClient('alice');
    await alice.connect();
    const sessionId = 'a-session-id-of-carol';
    const me = await rpcResult(
      await rawMcp(
        alice.accessToken,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
        sessionId,
      ),
    );
    expect(json(textOf(me)).userId).toBe('alice');
    const del = await rpcResult(
      await rawMcp(
        alice.accessToken,
        {
          jsonrpc: '2.0',
          id: 8,
          method: 'tools/call',
          params: { name: 'delete_user', arguments: { username: 'bob' } },
        },
        sessionId,
      ),
    );
    expect(textOf(del)).toMatch(/^Access denied \(denied_by_rule\)/);
    // Without a valid token a session id is worth nothing: 401, and a revoked token likewise.
    const anonymous = await fetch(t.demo.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(anonymous.status).toBe(401);
    const refresh = carol.provider.tokens()?.refresh_token ?? '';
    await fetch(`${t.demo.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refresh,
        token_type_hint: 'refresh_token',
        client_id: carol.provider.clientInformation()?.client_id ?? '',
      }),
    });
    const revoked = await rawMcp(
      carol.accessToken,
      { jsonrpc: '2.0', id: 10, method: 'tools/list' },
      sessionId,
    );
    expect(revoked.status).toBe(401);
  });

  it('denying consent sends access_denied back to the client (RFC 6749 §4.1.2.1)', async () => {
    const bob = new TestClient(t.demo.mcpUrl, { username: 'bob', decision: 'deny' });
    clients.push(bob);
    await expect(bob.connect()).rejects.toMatchObject({ oauthError: 'access_denied' });
    expect(bob.provider.tokens()).toBeUndefined();
  });
});

describe('demo: the decision log', () => {
  it('logs one line per decision (tool, user, client, allowed, reason), never a token', () => {
    const decisions = t.logs.filter((line) => line.includes(' authz '));
    expect(decisions.length).toBeGreaterThan(5);
    for (const line of decisions) {
      expect(line).toMatch(/ tool=\S+ user="[^"]*" client="[^"]*" allowed=(true|false) /);
      expect(line).toMatch(/reason="/);
    }
    expect(
      decisions.some(
        (l) => l.includes('tool=delete_user user="dave"') && l.includes('allowed=false'),
      ),
    ).toBe(true);
    expect(
      decisions.some(
        (l) => l.includes('tool=send_email user="bob"') && l.includes('code=insufficient_scope'),
      ),
    ).toBe(true);
    // alice (viewer) was answered scope_not_grantable: the log line says so too, not
    // insufficient_scope (the decision the client saw is the one logged).
    const alice = decisions.filter((l) => l.includes('tool=send_email user="alice"'));
    expect(alice.length).toBeGreaterThan(0);
    for (const line of alice) {
      expect(line).toContain('allowed=false code=scope_not_grantable rule=default-write ');
      expect(line).toContain(
        'reason="rule \\"default-write\\" requires scope mcp:tools:write; this account cannot be granted mcp:tools:write, so signing in again would not help"',
      );
    }
    const secrets = clients.flatMap((c) => {
      const tokens = c.provider.tokens();
      return [tokens?.access_token, tokens?.refresh_token].filter((s): s is string => !!s);
    });
    expect(secrets.length).toBeGreaterThan(0);
    for (const line of t.logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
