// The multi-service example as real processes: one authorization server and two resource
// servers (notes, tasks) on free ports, sharing a test-owned Redis (under a unique key prefix
// too). The official MCP SDK client goes through discovery, registration, PKCE and the forms.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMcp } from '../../../test/support/example-cases.js';
import { connectWithOAuth, type OAuthSession } from '../../../test/support/oauth-client.js';
import { freePort, stopAll, TestRedis } from '../../../test/support/processes.js';
import { type Launched, launch } from '../src/launch.js';

const keyPrefix = `mcp-auth-multi-test:${randomBytes(6).toString('hex')}:`;

function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function revoke(endpoint: string, token: string, clientId: string): Promise<number> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: clientId }).toString(),
  });
  await res.body?.cancel();
  return res.status;
}

let running: Launched;
let redis: TestRedis;
const sessions: OAuthSession[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  running = launch({
    asPort: await freePort(),
    notesPort: await freePort(),
    tasksPort: await freePort(),
    redisUrl: redis.url,
    keyPrefix,
    stdio: 'pipe',
  });
  try {
    await running.ready(60_000);
  } catch (error) {
    throw new Error(`${String(error)}\n${running.output()}`);
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await running?.stop();
  await stopAll(); // the test-owned redis-server (nothing persisted)
});

async function as(username: string, service: 'notes' | 'tasks'): Promise<OAuthSession> {
  const url = service === 'notes' ? running.notesUrl : running.tasksUrl;
  const session = await connectWithOAuth(`${url}/mcp`, { username });
  sessions.push(session);
  return session;
}

describe('examples/multi-service: one authorization server, two resource servers, shared Redis', () => {
  it('both resource servers send clients to the one issuer (RFC 9728), which signs ES256 tokens verified through the JWKS', async () => {
    for (const [url, name] of [
      [running.notesUrl, 'Notes service'],
      [running.tasksUrl, 'Tasks service'],
    ] as const) {
      const prm = (await (
        await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)
      ).json()) as { resource: string; authorization_servers: string[] };
      expect(prm).toMatchObject({
        resource: `${url}/mcp`,
        authorization_servers: [running.origin],
        resource_name: name,
      });
    }
    const jwks = (await (await fetch(`${running.origin}/jwks.json`)).json()) as {
      keys: { kty: string; crv?: string; d?: string }[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((k) => k.kty === 'EC' && k.crv === 'P-256' && k.d === undefined)).toBe(
      true,
    );

    const bob = await as('bob', 'notes');
    expect(jwtHeader(bob.provider.accessToken)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(jwtClaims(bob.provider.accessToken)).toMatchObject({
      iss: running.origin,
      aud: `${running.notesUrl}/mcp`,
    });
    expect(await bob.toolNames()).toEqual(['create_notes', 'list_notes', 'whoami']);
    expect(await bob.call('create_notes', { title: 'hello' })).toMatchObject({
      isError: false,
      text: 'notes: created hello',
    });
    // delete_* needs mcp:tools:admin, which an editor can never be granted: the resource
    // server's edge answers inside MCP instead of a 403 step-up that would loop (issue 17).
    expect(await bob.call('delete_notes', { id: '1' })).toMatchObject({
      isError: true,
      text: expect.stringMatching(/^Access denied \(scope_not_grantable\)/),
    });
  });

  it('one issuer, a token bound to its service: the notes token is refused by tasks (RFC 8707 audience, SECURITY-CASES 40), its refresh token cannot mint a tasks token, and a tasks authorization is served by tasks', async () => {
    const alice = await as('alice', 'notes');
    const token = alice.provider.accessToken;
    expect((await postMcp(`${running.notesUrl}/mcp`, token, { method: 'tools/list' })).status).toBe(
      200,
    );
    const res = await postMcp(`${running.tasksUrl}/mcp`, token, { method: 'tools/list' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${running.tasksUrl}/.well-known/oauth-protected-resource/mcp"`,
    );

    const refresh = await fetch(`${running.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: alice.provider.tokens()!.refresh_token!,
        client_id: alice.provider.clientInformation()!.client_id,
        resource: `${running.tasksUrl}/mcp`,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_target');

    const tasks = await as('alice', 'tasks');
    expect(jwtClaims(tasks.provider.accessToken)).toMatchObject({
      iss: running.origin,
      aud: `${running.tasksUrl}/mcp`,
    });
    expect((await tasks.call('whoami')).text).toBe('alice at tasks');
  });

  it('a token revoked at the authorization server (RFC 7009) is refused by its resource server on the next request, for both services (SECURITY-CASES 18)', async () => {
    const notes = await as('carol', 'notes');
    const tasks = await as('carol', 'tasks');
    expect((await notes.call('whoami')).text).toBe('carol at notes');
    expect((await tasks.call('whoami')).text).toBe('carol at tasks');

    // notes: the access token itself is revoked (its jti is recorded in Redis).
    const notesClient = notes.provider.clientInformation()!.client_id;
    expect(await revoke(`${running.origin}/revoke`, notes.provider.accessToken, notesClient)).toBe(
      200,
    );
    // tasks: the refresh token is revoked, which revokes its whole grant.
    const tasksClient = tasks.provider.clientInformation()!.client_id;
    const refresh = tasks.provider.tokens()?.refresh_token;
    expect(refresh).toBeDefined();
    expect(await revoke(`${running.origin}/revoke`, refresh!, tasksClient)).toBe(200);

    for (const [url, token] of [
      [running.notesUrl, notes.provider.accessToken],
      [running.tasksUrl, tasks.provider.accessToken],
    ] as const) {
      const res = await postMcp(`${url}/mcp`, token, {
        method: 'tools/call',
        params: { name: 'whoami', arguments: {} },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('when Redis cannot answer, a resource server refuses the request (503) instead of skipping the revocation check; it serves again when Redis is back', async () => {
    const bob = await as('bob', 'tasks');
    const token = bob.provider.accessToken;
    const list = () => postMcp(`${running.tasksUrl}/mcp`, token, { method: 'tools/list' });
    expect((await list()).status).toBe(200);
    redis.pause();
    try {
      const refused = await list();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      redis.resume();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await list()).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
