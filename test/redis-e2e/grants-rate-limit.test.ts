// Issue 16 items 3 and 4 on a real Redis, across two demo processes (examples/demo with
// MCP_AUTH_REDIS_URL) of one deployment: the demo's rate limit on send_email (5 a minute per
// user) is counted once for both instances, and a grant revoked on one instance (the /grants
// page) is dead on the other at once — access token and refresh token.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithForms, CookieJar, parseForms } from '@mcp-auth/core/testing';
import {
  type DemoProcess,
  freePort,
  mcpInitialize,
  REDIRECT_URI,
  register,
  startDemo,
  stopAll,
  TestRedis,
  tokenRequest,
} from './harness.js';

let a: DemoProcess;
let b: DemoProcess;
let issuer: string;
let resource: string;

beforeAll(async () => {
  const redis = await TestRedis.start();
  const [portA, portB] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${portA}`;
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

/** Registers a client on A and signs `user` in through A's forms; tokens redeemed on B. */
async function signIn(user: string, scope: string, jar = new CookieJar()) {
  const registered = await register(a.url);
  expect(registered.status).toBe(201);
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'grants-rate-limit',
    scope,
    resource,
  }).toString();
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username: user,
    password: 'demo',
    jar,
  });
  expect(result.code).toBeDefined();
  const token = await tokenRequest(b.url, {
    grant_type: 'authorization_code',
    code: result.code!,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    resource,
  });
  expect(token.status).toBe(200);
  const tokens = (await token.json()) as { access_token: string; refresh_token: string };
  return { ...tokens, clientId, jar };
}

/** One `tools/call` at `base`/mcp: the HTTP status, `Retry-After` and the JSON-RPC result. */
async function callTool(base: string, token: string, name: string, args: Record<string, unknown>) {
  const response = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? (text
        .split('\n')
        .find((line) => line.startsWith('data:') && line.length > 6)
        ?.slice(5) ?? '{}')
    : text;
  const message = JSON.parse(json) as {
    result?: { isError?: boolean; content?: { text?: string }[] };
  };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    isError: message.result?.isError === true,
    text: (message.result?.content ?? []).map((c) => c.text ?? '').join(''),
  };
}

describe('redis-e2e: rate limits and grant management across two instances', () => {
  it("the demo's send_email limit (5 a minute per user) is one count for both instances: 3 calls on A and 2 on B pass, the 6th (on B) is limited with Retry-After", async () => {
    // The demo's window is the wall-clock minute: start early in one, so six calls share it.
    const second = new Date().getUTCSeconds();
    if (second >= 45) await sleep((61 - second) * 1000);
    const bob = await signIn('bob', 'mcp:tools:read mcp:tools:write');
    const order = [a, b, a, b, a];
    for (const [i, instance] of order.entries()) {
      const sent = await callTool(instance.url, bob.access_token, 'send_email', {
        to: `x${i}@example.com`,
        subject: 's',
        body: 'b',
      });
      expect(sent.status).toBe(200);
      expect(sent.isError, sent.text).toBe(false);
      expect(sent.retryAfter).toBeNull();
    }
    const sixth = await callTool(b.url, bob.access_token, 'send_email', {
      to: 'x6@example.com',
      subject: 's',
      body: 'b',
    });
    expect(sixth.status).toBe(200);
    expect(sixth.isError).toBe(true);
    expect(sixth.text).toMatch(/^Access denied \(rate_limited\): rate limit "send-email-per-user"/);
    const retry = Number(sixth.retryAfter);
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    // Still limited on A; other tools are not.
    expect(
      (
        await callTool(a.url, bob.access_token, 'send_email', {
          to: 'y@example.com',
          subject: 's',
          body: 'b',
        })
      ).isError,
    ).toBe(true);
    expect((await callTool(a.url, bob.access_token, 'whoami', {})).isError).toBe(false);
  });

  it('a grant revoked on B (the /grants page, signed in on A) is dead on A at once: access token 401, refresh refused', async () => {
    const carol = await signIn('carol', 'mcp:tools:read');
    expect((await mcpInitialize(a.url, carol.access_token)).status).toBe(200);
    const cookie = carol.jar.header();
    expect(cookie).toContain('mcp-auth-session=');
    // The page on B (same deployment: the session cookie is signed with the shared secret).
    const page = await fetch(`${b.url}/grants`, { headers: { cookie: cookie! } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(carol.access_token);
    expect(html).not.toContain(carol.refresh_token);
    const revokeForm = parseForms(html).find((f) => f.fields.get('grant') !== undefined);
    expect(revokeForm).toBeDefined();
    const fields = new URLSearchParams([...revokeForm!.fields]);
    fields.set('action', 'revoke');
    const revoked = await fetch(`${b.url}/grants`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: cookie!,
        origin: issuer,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: fields.toString(),
    });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/grants?done=revoked');
    expect((await mcpInitialize(a.url, carol.access_token)).status).toBe(401);
    const refreshed = await tokenRequest(a.url, {
      grant_type: 'refresh_token',
      refresh_token: carol.refresh_token,
      client_id: carol.clientId,
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
