// The multi-service example as real processes: one authorization server and two resource
// servers (notes, tasks) on free ports, sharing a Redis under a test-only key prefix. The
// official MCP SDK client goes through discovery, registration, PKCE and the real forms.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMcp } from '../../../test/support/example-cases.js';
import { connectWithOAuth, type OAuthSession } from '../../../test/support/oauth-client.js';
import { type Launched, launch } from '../src/launch.js';

const REDIS_URL = process.env['MCP_AUTH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const keyPrefix = `mcp-auth-multi-test:${randomBytes(6).toString('hex')}:`;

async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

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
const sessions: OAuthSession[] = [];

beforeAll(async () => {
  const [asPort, notesPort, tasksPort] = await freePorts(3);
  running = launch({
    asPort: asPort!,
    notesPort: notesPort!,
    tasksPort: tasksPort!,
    redisUrl: REDIS_URL,
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
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
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
    // delete_* needs mcp:tools:admin: 403 step-up at the resource server's edge (SECURITY-CASES 39).
    await expect(bob.call('delete_notes', { id: '1' })).rejects.toMatchObject({ code: 403 });
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
});
