// Issue 17 item 1: in development both loopback spellings of the MCP URL work with the SDK
// clients, which compare the protected resource metadata's `resource` with the URL they used.
import './express-under-vitest.js';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../src/app.js';
import { formatBanner } from '../src/banner.js';
import { startTestDemo, type TestDemo, TestClient } from './harness.js';

let t: TestDemo;
const clients: TestClient[] = [];

beforeAll(async () => {
  t = await startTestDemo();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.demo.close();
});

/** A GET with an explicit Host header (fetch does not let a caller choose it). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: t.demo.port, path, headers: { host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('demo on loopback: localhost and 127.0.0.1 both work (issue 17 item 1)', () => {
  it('serves each loopback spelling as its own origin: issuer, resource and metadata', async () => {
    const port = t.demo.port;
    expect(t.demo.origins.map((o) => o.mcpUrl)).toEqual([
      `http://localhost:${port}/mcp`,
      `http://127.0.0.1:${port}/mcp`,
      `http://[::1]:${port}/mcp`,
    ]);
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const prm = (await (
        await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)
      ).json()) as Record<string, unknown>;
      expect(prm.resource).toBe(`${origin}/mcp`);
      expect(prm.authorization_servers).toEqual([origin]);
      const unauthenticated = await fetch(`${origin}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toContain(
        `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
      );
    }
  });

  it('the banner names the URL to use first, and the 127.0.0.1 spelling next', () => {
    const [first, second] = formatBanner(t.demo).split('\n');
    expect(first).toBe(`mcp-auth demo: connect MCP clients to ${t.demo.mcpUrl}`);
    expect(second).toContain(`http://127.0.0.1:${t.demo.port}/mcp works too`);
    // mcp-remote 0.15 takes plain http only for localhost and 127.0.0.1 and opens no IPv6 URL.
    if (t.demo.origins.some((o) => o.mcpUrl.includes('[::1]')))
      expect(second).toContain(`http://[::1]:${t.demo.port}/mcp with every client but mcp-remote`);
  });

  it.each([
    ['v1', '127.0.0.1'],
    ['v2', '127.0.0.1'],
    ['v2', 'localhost'],
  ] as const)(
    'the official SDK client %s at http://%s:PORT/mcp: discovery, login, list and call',
    async (kind, hostname) => {
      const url = `http://${hostname}:${t.demo.port}/mcp`;
      const bob = new TestClient(url, { username: 'bob' }, undefined, kind);
      clients.push(bob);
      await bob.connect();
      expect(bob.authorizations).toHaveLength(1);
      expect(bob.authorizations[0]!.result.iss).toBe(`http://${hostname}:${t.demo.port}`);
      expect(await bob.toolNames()).toContain('send_email');
      expect((await bob.call('get_weather', { city: 'Paris' })).text).toContain('Weather in Paris');
    },
  );

  it('a token is good only at the origin that issued it: a localhost token at 127.0.0.1 is refused (audience)', async () => {
    const carol = new TestClient(t.demo.mcpUrl, { username: 'carol' });
    clients.push(carol);
    await carol.connect();
    const elsewhere = await fetch(`http://127.0.0.1:${t.demo.port}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${carol.accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Each origin keeps its own clients, codes and grants (one store, separate keyspaces).
    const clientId = carol.provider.clientInformation()?.client_id ?? '';
    expect(await t.demo.origins[0]!.authServer.clients.getClient(clientId)).toMatchObject({
      clientId,
    });
    expect(await t.demo.origins[1]!.authServer.clients.getClient(clientId)).toBeUndefined();
  });

  it('a foreign Host gets the configured origin, never an issuer derived from the header', async () => {
    const prm = await getWithHost(
      '/.well-known/oauth-protected-resource/mcp',
      `attacker.example:${t.demo.port}`,
    );
    expect(prm.status).toBe(200);
    expect(JSON.parse(prm.body)).toMatchObject({ resource: t.demo.mcpUrl });
    expect(prm.body).not.toContain('attacker.example');
  });

  it('with MCP_AUTH_ISSUER set, only that origin is served', async () => {
    const configured = await startTestDemo({ env: { MCP_AUTH_ISSUER: 'https://mcp.example.com' } });
    try {
      expect(configured.demo.origins.map((o) => o.issuer)).toEqual(['https://mcp.example.com']);
      expect(formatBanner(configured.demo).split('\n')[0]).toBe(
        'mcp-auth demo: connect MCP clients to https://mcp.example.com/mcp',
      );
    } finally {
      await configured.demo.close();
    }
  });

  it('refuses a loopback alias that is not a loopback origin (TypeError naming the option)', async () => {
    await expect(
      createDemoApp({
        issuer: 'http://localhost:3000',
        loopbackAliases: ['http://attacker.example:3000'],
        log: () => {},
      }),
    ).rejects.toThrow(/loopbackAliases must be/);
  });
});
