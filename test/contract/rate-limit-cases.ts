// Issue 16 item 3: rate limits declared in the policy, through every contract mount (Express,
// Koa, fastmcp, Fetch handler). The official MCP SDK v2 client makes the calls; the guard
// counts each allowed call once and answers the 6th `send_email` of a user in the window as a
// tool error (`rate_limited`) with `Retry-After`, runs nothing of a batch holding a limited
// call, and answers 503 (never 2xx) when the counter store fails. docs/rate-limits.md.
import { MemoryStore, type PolicyEngine } from '@mcp-auth/core';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The public `@mcp-auth/core/testing` entry, by path (see suite.ts).
import { authorizeWithForms } from '../../packages/core/src/testing/index.js';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  PASSWORD,
  pkcePair,
  READ,
  REDIRECT,
  readRpc,
  TestClock,
  WRITE,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

/** The demo's limit: 5 `send_email` calls per user per window (a long window: no boundary). */
const LIMIT = 5;
const WINDOW_SECONDS = 3600;

/** The counter store: a MemoryStore whose `increment`/`get`/`set` can be made to reject. */
function failableCounters() {
  const inner = new MemoryStore();
  let failing = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        failing
          ? Promise.reject(new Error('counter store unavailable'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store, fail: (on: boolean) => (failing = on) };
}

/** Registers a public client and signs `user` in through the forms; returns an access token. */
async function signIn(m: ContractMount, user: string): Promise<string> {
  const registered = await fetch(new URL('/register', m.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: `${READ} ${WRITE}`,
    }),
  });
  expect(registered.status).toBe(201);
  const { client_id } = (await registered.json()) as { client_id: string };
  const { verifier, challenge } = await pkcePair();
  const url = new URL('/authorize', m.baseUrl);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'rate-limit',
    scope: `${READ} ${WRITE}`,
    resource: m.mcpUrl,
  }))
    url.searchParams.set(k, v);
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username: user,
    password: PASSWORD,
  });
  expect(result.code).toBeDefined();
  const token = await fetch(new URL('/token', m.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: result.code!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id,
      resource: m.mcpUrl,
    }).toString(),
  });
  expect(token.status).toBe(200);
  return ((await token.json()) as { access_token: string }).access_token;
}

/**
 * The official v2 client with a bearer token; its fetch records the `Retry-After` of every
 * `tools/call` answer (the header is on the HTTP response, the SDK hands back the result).
 */
async function connectClient(m: ContractMount, token: string) {
  const retryAfter: (string | null)[] = [];
  const fetchWithToken = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set('authorization', `Bearer ${token}`);
    const isCall =
      request.method === 'POST' && (await request.clone().text()).includes('tools/call');
    const response = await fetch(request);
    if (isCall) retryAfter.push(response.headers.get('retry-after'));
    return response;
  };
  const client = new ClientV2({ name: 'rate-limit-cases', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
      fetch: fetchWithToken as typeof fetch,
    }),
  );
  return { client, retryAfter };
}

const textOf = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

/** Registers issue 16's rate-limit cases for one mount. */
export function defineRateLimitCases(name: string, mount: MountContract): void {
  describe(`${name}: rate limits declared in the policy (issue 16)`, () => {
    const clock = new TestClock();
    const counters = failableCounters();
    const policy: PolicyEngine = createContractPolicy();
    policy.addRateLimit({
      id: 'send-email',
      tools: 'send_email',
      per: 'subject',
      limit: LIMIT,
      windowSeconds: WINDOW_SECONDS,
    });
    policy.useRateLimitStore(counters.store);
    let m: ContractMount;

    beforeAll(async () => {
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore({ now: clock.now }), clock),
        ),
      );
    });
    afterAll(async () => {
      counters.fail(false);
      await m?.close();
    });

    it('the 6th send_email of a user in the window is limited with Retry-After; the tool does not run; other tools and users are not limited', async () => {
      const bob = await connectClient(m, await signIn(m, 'bob'));
      for (let i = 1; i <= LIMIT; i++) {
        const result = await bob.client.callTool({
          name: 'send_email',
          arguments: { to: `x${i}` },
        });
        expect(result.isError ?? false).toBe(false);
        expect(textOf(result)).toBe(`Sent to x${i}`);
      }
      expect(bob.retryAfter.every((v) => v === null)).toBe(true);
      const sixth = await bob.client.callTool({ name: 'send_email', arguments: { to: 'x6' } });
      expect(sixth.isError).toBe(true);
      expect(textOf(sixth)).toMatch(/^Access denied \(rate_limited\): rate limit "send-email"/);
      expect(textOf(sixth)).not.toContain('Sent to');
      const retry = Number(bob.retryAfter.at(-1));
      expect(Number.isInteger(retry) && retry >= 1 && retry <= WINDOW_SECONDS).toBe(true);
      // Another tool of the same user, and the same tool of another user, still run.
      const weather = await bob.client.callTool({
        name: 'get_weather',
        arguments: { city: 'Oslo' },
      });
      expect(textOf(weather)).toBe('Sunny in Oslo');
      const carol = await connectClient(m, await signIn(m, 'carol'));
      const mail = await carol.client.callTool({ name: 'send_email', arguments: { to: 'y' } });
      expect(textOf(mail)).toBe('Sent to y');
      await bob.client.close();
      await carol.client.close();
    });

    it('a batch holding a limited call runs nothing: every element is answered by the guard, with Retry-After', async () => {
      const token = await signIn(m, 'bob');
      const post = (body: unknown) =>
        fetch(m.mcpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify(body),
        });
      const call = (id: number, name: string, args: Record<string, unknown>) => ({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: args },
      });
      // bob's window is already spent by the case above (same subject, same window).
      const response = await post([
        call(1, 'get_weather', { city: 'Oslo' }),
        call(2, 'send_email', { to: 'z' }),
      ]);
      expect(response.status).toBe(200);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const answers = JSON.parse(await response.text()) as {
        id: number;
        error?: { code: number };
        result?: { isError?: boolean; content: { text: string }[] };
      }[];
      expect(answers.map((a) => a.id)).toEqual([1, 2]);
      expect(answers[0]?.error?.code).toBe(-32600);
      expect(answers[1]?.result?.isError).toBe(true);
      expect(answers[1]?.result?.content[0]?.text).toContain('rate_limited');
      expect(JSON.stringify(answers)).not.toContain('Sunny');
    });

    it('the counter store failing is a 503, never a 2xx (fail closed); a tool without a limit still runs', async () => {
      const token = await signIn(m, 'carol');
      const call = (name: string, args: Record<string, unknown>) =>
        fetch(m.mcpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name, arguments: args },
          }),
        });
      counters.fail(true);
      try {
        const limited = await call('send_email', { to: 'q' });
        expect(limited.status).toBe(503);
        expect(((await limited.json()) as { error: string }).error).toBe('temporarily_unavailable');
        const free = await call('get_weather', { city: 'Rome' });
        expect(free.status).toBe(200);
        expect(JSON.stringify(await readRpc(free))).toContain('Sunny in Rome');
      } finally {
        counters.fail(false);
      }
    });
  });
}
