import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, deniedCode, type Era, type RunningApp, startApp, text } from './harness.js';

// End to end through real HTTP with the official SDK 2.x client: createMcpHandler serving
// both eras, the SDK's requireBearerAuth with @mcp-auth/sdk/v2's createTokenVerifier, and
// protectMcpServer on every per-request instance.

const cases: { front: 'node' | 'fetch'; era: Era }[] = [
  { front: 'node', era: '2026-07-28' },
  { front: 'node', era: '2025-11-25' },
  { front: 'fetch', era: '2026-07-28' },
  { front: 'fetch', era: '2025-11-25' },
];

for (const { front, era } of cases) {
  describe(`@mcp-auth/sdk/v2 protectMcpServer — ${front} front, client on ${era}`, () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp(front);
    });
    afterAll(async () => {
      await app.close();
    });

    it('the client speaks the era under test', async () => {
      const client = await connectAs(app.url, await app.auth.tokenFor('alice'), era);
      expect(client.getNegotiatedProtocolVersion()).toBe(era);
      await client.close();
    });

    it('tools/list shows each user only the tools the policy lets them call', async () => {
      const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), era);
      const carol = await connectAs(app.url, await app.auth.tokenFor('carol'), era);
      const names = async (client: typeof alice) =>
        (await client.listTools()).tools.map((t) => t.name).sort();
      expect(await names(alice)).toEqual(['get_weather', 'whoami']);
      // delete_user was registered after protectMcpServer: listed for admins only.
      expect(await names(carol)).toEqual(['delete_user', 'get_weather', 'whoami']);
      await alice.close();
      await carol.close();
    });

    it('an allowed call runs the tool, and the tool sees the caller (getAuthContext)', async () => {
      const alice = await connectAs(app.url, await app.auth.tokenFor('alice'), era);
      const before = app.effects.weather;
      const weather = await alice.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(weather.isError).toBeFalsy();
      expect(text(weather)).toBe('sunny in Oslo');
      expect(app.effects.weather).toBe(before + 1);
      expect(text(await alice.callTool({ name: 'whoami' }))).toBe('alice');
      await alice.close();
    });

    it('a call refused for scopes gets the denied result and the tool never runs', async () => {
      const bob = await connectAs(app.url, await app.auth.tokenFor('bob'), era);
      const before = app.effects.deleted.length;
      const result = await bob.callTool({ name: 'delete_user', arguments: { user: 'alice' } });
      expect(result.isError).toBe(true);
      expect(deniedCode(result)).toBe('insufficient_scope');
      expect(app.effects.deleted.length).toBe(before);
      await bob.close();
    });

    it('no-self-delete decides on the parsed arguments: " Carol" and "CAROL" are carol (tool never runs)', async () => {
      const carol = await connectAs(app.url, await app.auth.tokenFor('carol'), era);
      const before = app.effects.deleted.length;
      for (const user of ['carol', ' Carol', 'CAROL', '\tcarol ']) {
        const result = await carol.callTool({ name: 'delete_user', arguments: { user } });
        expect(result.isError, JSON.stringify(user)).toBe(true);
        expect(deniedCode(result)).toBe('denied_by_rule');
      }
      expect(app.effects.deleted.length).toBe(before);
      const other = await carol.callTool({ name: 'delete_user', arguments: { user: ' BOB ' } });
      expect(text(other)).toBe('deleted bob');
      expect(app.effects.deleted.slice(before)).toEqual(['bob']);
      await carol.close();
    });
  });
}

describe('@mcp-auth/sdk/v2 without authentication in front (in-server refusal)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp('none');
  });
  afterAll(async () => {
    await app.close();
  });

  for (const era of ['2026-07-28', '2025-11-25'] as const) {
    it(`${era}: tools/list is empty and tools/call is refused (unauthenticated) without running`, async () => {
      const client = await connectAs(app.url, undefined, era);
      expect((await client.listTools()).tools).toEqual([]);
      const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(result.isError).toBe(true);
      expect(deniedCode(result)).toBe('unauthenticated');
      expect(app.effects.weather).toBe(0);
      await client.close();
    });
  }
});

describe('@mcp-auth/sdk/v2 behind the SDK bearer gate', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp('node');
  });
  afterAll(async () => {
    await app.close();
  });

  it('an invalid token → 401 invalid_token with resource_metadata, never reaching the server', async () => {
    const response = await fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${(await app.auth.tokenFor('alice')).slice(0, -4)}AAAA`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      `resource_metadata="${app.auth.resourceMetadataUrl}"`,
    );
    expect((await response.json()).error).toBe('invalid_token');
  });
});
