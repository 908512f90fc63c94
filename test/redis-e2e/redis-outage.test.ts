// Fault tests through HTTP: the demo (examples/demo, Redis mode) on a test-owned redis-server
// that is paused, killed and restarted under it. While Redis cannot answer, the token endpoint
// answers 503 with Retry-After and mints nothing, and protected MCP requests are refused —
// never a 2xx. When Redis is back, the same process serves again (no restart).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorize,
  type DemoProcess,
  freePort,
  mcpInitialize,
  redeem,
  register,
  revoke,
  startDemo,
  stopAll,
  TestRedis,
} from './harness.js';

let redis: TestRedis;
let demo: DemoProcess;
let resource: string;

beforeAll(async () => {
  redis = await TestRedis.start();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  resource = `${issuer}/mcp`;
  demo = await startDemo({
    port,
    issuer,
    jwtSecret: randomBytes(32).toString('base64url'),
    redisUrl: redis.url,
  });
}, 120_000);

afterAll(async () => {
  await stopAll();
});

async function newClient(): Promise<string> {
  const res = await register(demo.url);
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** A client, a spare authorization code, and a working access token. */
async function prepare() {
  const clientId = await newClient();
  const spare = await authorize(demo.url, clientId, resource);
  const res = await redeem(
    demo.url,
    clientId,
    await authorize(demo.url, clientId, resource),
    resource,
  );
  expect(res.status).toBe(200);
  const { access_token: token } = (await res.json()) as { access_token: string };
  expect((await mcpInitialize(demo.url, token)).status).toBe(200);
  return { clientId, spare, token };
}

/** What every request must look like while Redis cannot answer. */
async function expectFailClosed(
  clientId: string,
  spare: Awaited<ReturnType<typeof authorize>>,
  token: string,
) {
  // Token endpoint: 503 temporarily_unavailable with Retry-After, and no token in the body.
  const minted = await redeem(demo.url, clientId, spare, resource);
  expect(minted.status).toBe(503);
  expect(minted.headers.get('retry-after')).toMatch(/^\d+$/);
  const body = (await minted.json()) as Record<string, unknown>;
  expect(body['error']).toBe('temporarily_unavailable');
  expect(body['access_token']).toBeUndefined();
  expect(body['refresh_token']).toBeUndefined();
  // Protected MCP request: the revocation check cannot run, so the request is refused.
  const mcp = await mcpInitialize(demo.url, token);
  expect(mcp.status).toBe(503);
  // Revocation cannot be recorded either: it must not pretend it was (RFC 7009 §2.2.1: 503).
  const revocation = await revoke(demo.url, token, clientId);
  expect(revocation.status).not.toBe(200);
  await revocation.body?.cancel();
}

describe('redis-e2e: Redis outage under a running demo process', () => {
  it('Redis paused (commands time out): 503 + Retry-After, nothing minted, MCP refused; resumed: served again (SECURITY-CASES 39)', async () => {
    const { clientId, spare, token } = await prepare();
    redis.pause();
    try {
      await expectFailClosed(clientId, spare, token);
    } finally {
      redis.resume();
    }
    // The code the failed request carried is still single use: at most one redemption mints.
    const after = [
      await redeem(demo.url, clientId, spare, resource),
      await redeem(demo.url, clientId, spare, resource),
    ];
    expect(after[1]!.status).toBe(400);
    expect(after.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    await Promise.all(after.map((r) => r.body?.cancel()));
    // The same process, the same token: accepted again once Redis answers.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await mcpInitialize(demo.url, token)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    const again = await prepare();
    expect((await mcpInitialize(demo.url, again.token)).status).toBe(200);
  });

  it('Redis killed (connections refused): 503 + Retry-After, nothing minted, MCP refused; restarted: served again without restarting the app', async () => {
    const { clientId, spare, token } = await prepare();
    await redis.stop();
    await expectFailClosed(clientId, spare, token);
    await redis.restart();
    // The restarted Redis is empty (no persistence): a new client goes through the whole flow
    // on the same demo process, once its Redis client has reconnected.
    let registered = 0;
    for (let i = 0; i < 100 && registered !== 201; i++) {
      const res = await register(demo.url);
      registered = res.status;
      await res.body?.cancel();
      if (registered !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(registered).toBe(201);
    const recovered = await prepare();
    expect((await mcpInitialize(demo.url, recovered.token)).status).toBe(200);
    expect(demo.child.exitCode).toBeNull();
  });
});
