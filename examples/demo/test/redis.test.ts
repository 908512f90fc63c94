// Redis mode (MCP_AUTH_REDIS_URL): the same flow with RedisStore behind the authorization server.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo, TestClient } from './harness.js';

const REDIS_URL = process.env['MCP_AUTH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const started: TestDemo[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(started.map((t) => t.demo.close()));
});

describe('demo in Redis mode', () => {
  it('registers, authorizes and calls tools with RedisStore; a second instance on the same Redis knows the client', async () => {
    const jwtSecret = randomBytes(32).toString('base64url');
    const first = await startTestDemo({ env: { MCP_AUTH_REDIS_URL: REDIS_URL }, jwtSecret });
    started.push(first);
    expect(first.demo.storeKind).toBe('redis');
    const carol = new TestClient(first.demo.mcpUrl, { username: 'carol' });
    clients.push(carol);
    await carol.connect();
    expect((await carol.call('get_weather', { city: 'Porto' })).isError).toBe(false);
    const clientId = carol.provider.clientInformation()?.client_id;

    // A second instance on the same Redis and secret knows the registered client.
    const second = await startTestDemo({ env: { MCP_AUTH_REDIS_URL: REDIS_URL }, jwtSecret });
    started.push(second);
    expect(await second.demo.authServer.clients.getClient(clientId ?? '')).toMatchObject({
      clientId,
    });
    expect(await second.demo.authServer.clients.getClient('unknown-client')).toBeUndefined();
  });
});
