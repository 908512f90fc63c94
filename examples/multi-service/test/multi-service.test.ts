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
  it('each resource server sends clients to its issuer on the authorization server (RFC 9728), which signs ES256 tokens verified through the JWKS', async () => {
    const prm = (await (
      await fetch(`${running.notesUrl}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as { resource: string; authorization_servers: string[] };
    expect(prm).toMatchObject({
      resource: `${running.notesUrl}/mcp`,
      authorization_servers: [`${running.origin}/notes`],
    });
    const jwks = (await (await fetch(`${running.origin}/notes/jwks.json`)).json()) as {
      keys: { kty: string; crv?: string; d?: string }[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((k) => k.kty === 'EC' && k.crv === 'P-256' && k.d === undefined)).toBe(
      true,
    );

    const bob = await as('bob', 'notes');
    expect(jwtHeader(bob.provider.accessToken)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
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

  it('a token is bound to its service: the notes token is refused by tasks (RFC 8707 audience, SECURITY-CASES 40)', async () => {
    const alice = await as('alice', 'notes');
    const token = alice.provider.accessToken;
    expect((await postMcp(`${running.notesUrl}/mcp`, token, { method: 'tools/list' })).status).toBe(
      200,
    );
    const res = await postMcp(`${running.tasksUrl}/mcp`, token, { method: 'tools/list' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a token revoked at the authorization server (RFC 7009) is refused by its resource server on the next request, for both services (SECURITY-CASES 18)', async () => {
    const notes = await as('carol', 'notes');
    const tasks = await as('carol', 'tasks');
    expect((await notes.call('whoami')).text).toBe('carol at notes');
    expect((await tasks.call('whoami')).text).toBe('carol at tasks');

    // notes: the access token itself is revoked (its jti is recorded in Redis).
    const notesClient = notes.provider.clientInformation()!.client_id;
    expect(
      await revoke(`${running.origin}/notes/revoke`, notes.provider.accessToken, notesClient),
    ).toBe(200);
    // tasks: the refresh token is revoked, which revokes its whole grant.
    const tasksClient = tasks.provider.clientInformation()!.client_id;
    const refresh = tasks.provider.tokens()?.refresh_token;
    expect(refresh).toBeDefined();
    expect(await revoke(`${running.origin}/tasks/revoke`, refresh!, tasksClient)).toBe(200);

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
