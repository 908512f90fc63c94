// Two processes of the demo server (examples/demo with MCP_AUTH_REDIS_URL) sharing one Redis,
// as two instances of one deployment behind a load balancer: same issuer, same JWT_SECRET.
// Any instance serves any step; single use and revocation hold across them.
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
  tokenRequest,
} from './harness.js';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

let a: DemoProcess;
let b: DemoProcess;
let resource: string;

beforeAll(async () => {
  const redis = await TestRedis.start();
  const [portA, portB] = [await freePort(), await freePort()];
  // The issuer is A's origin: the authorization pages' forms post back there; B answers the
  // same issuer's token, revocation and MCP requests on its own port.
  const issuer = `http://127.0.0.1:${portA}`;
  resource = `${issuer}/mcp`;
  const shared = { issuer, jwtSecret: randomBytes(32).toString('base64url'), redisUrl: redis.url };
  [a, b] = await Promise.all([
    startDemo({ port: portA, ...shared }),
    startDemo({ port: portB, ...shared }),
  ]);
}, 120_000);

afterAll(async () => {
  await stopAll();
});

async function newClient(at: DemoProcess): Promise<string> {
  const res = await register(at.url);
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

async function tokensFrom(res: Response): Promise<Tokens> {
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

describe('redis-e2e: two demo processes sharing one Redis', () => {
  it('a client registered and authorized on A redeems its code on B; the code replayed on A fails and revokes what it issued (SECURITY-CASES 8)', async () => {
    const clientId = await newClient(a);
    const code = await authorize(a.url, clientId, resource);
    const tokens = await tokensFrom(await redeem(b.url, clientId, code, resource));
    expect((await mcpInitialize(b.url, tokens.access_token)).status).toBe(200);
    expect((await mcpInitialize(a.url, tokens.access_token)).status).toBe(200);

    const replay = await redeem(a.url, clientId, code, resource);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // The first redemption's tokens are revoked, on both instances.
    expect((await mcpInitialize(b.url, tokens.access_token)).status).toBe(401);
    expect((await mcpInitialize(a.url, tokens.access_token)).status).toBe(401);
    const refresh = await tokenRequest(b.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    expect(refresh.status).toBe(400);
  });

  it('the same code sent to A and B at once: exactly one instance mints tokens', async () => {
    const clientId = await newClient(b);
    const code = await authorize(a.url, clientId, resource);
    const answers = await Promise.all([
      redeem(a.url, clientId, code, resource),
      redeem(b.url, clientId, code, resource),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    await Promise.all(answers.map((r) => r.body?.cancel()));
  });

  it('a token revoked through A (RFC 7009) is refused by B on its next request (SECURITY-CASES 18)', async () => {
    const clientId = await newClient(a);
    const tokens = await tokensFrom(
      await redeem(a.url, clientId, await authorize(a.url, clientId, resource), resource),
    );
    expect((await mcpInitialize(b.url, tokens.access_token)).status).toBe(200);
    expect((await revoke(a.url, tokens.access_token, clientId)).status).toBe(200);
    const refused = await mcpInitialize(b.url, tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refresh replay across instances: RT1 rotated on A, replayed on B by another client → the whole family is revoked (SECURITY-CASES 16)', async () => {
    const clientId = await newClient(b);
    // The same client replaying within 10 s is a parallel refresh (issue 12 §5); a replay by
    // another client (or after the window) is theft. The demo runs on the real clock: use one.
    const otherClientId = await newClient(a);
    const first = await tokensFrom(
      await redeem(b.url, clientId, await authorize(a.url, clientId, resource), resource),
    );
    const refresh = (instance: DemoProcess, token: string) =>
      tokenRequest(instance.url, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: clientId,
      });
    const second = await tokensFrom(await refresh(a, first.refresh_token));
    expect((await mcpInitialize(b.url, second.access_token)).status).toBe(200);

    const replay = await tokenRequest(b.url, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: otherClientId,
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // RT2 and every access token of the family are dead, wherever they are presented.
    expect((await refresh(a, second.refresh_token)).status).toBe(400);
    expect((await mcpInitialize(a.url, second.access_token)).status).toBe(401);
    expect((await mcpInitialize(b.url, second.access_token)).status).toBe(401);
    expect((await mcpInitialize(b.url, first.access_token)).status).toBe(401);
  });
});
