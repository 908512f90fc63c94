/**
 * The HTTP edge in process (no sockets, no load generator): each case hands a fresh Node
 * `IncomingMessage` carrying the benchmark's `tools/call` (headers + body pushed into the stream,
 * exactly what Node's HTTP parser produces) to the same Express middleware the servers mount,
 * and waits for `next()`. This isolates what each protection costs per request with the
 * precision of a microbenchmark, where the HTTP figures on a shared 2-core machine are noisy.
 *
 * - `http.inprocess.express-json`: `express.json()` (the baseline: what unprotected servers do);
 * - `http.inprocess.mcp-auth`: `mcpAuth({ server, policy })`'s router (passes) and `protect`
 *   (reads and parses the body
 *   itself, verifies the cached token, checks revocation in the MemoryStore, decides the call),
 *   then `authorizeMcpToolCall` (the in-MCP decision `protectMcpServer` adds);
 * - `http.inprocess.sdk-jose`: `requireBearerAuth` with the jose verifier, then `express.json()`.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  authContextFromAuthInfo,
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { authorizeMcpToolCall } from '@mcp-auth/core/mcp';
import { type McpAuthRequest, mcpAuth } from '@mcp-auth/express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express, { type RequestHandler } from 'express';
import { type Bench, median } from '../harness.js';
import { ISSUER, RESOURCE } from './common.js';

type Middleware = (req: IncomingMessage) => Promise<void>;

const ROUNDS = 9;
const BATCH = 2_000;

function run(handler: RequestHandler): Middleware {
  // Only a refusal writes to `res`; a refusal here is a bench bug.
  const res = {
    status: () => res,
    set: () => res,
    setHeader: () => res,
    json: () => {
      throw new Error('http.inprocess: the request was refused');
    },
    end: () => {
      throw new Error('http.inprocess: the request was refused');
    },
  };
  return (req) =>
    new Promise((resolve, reject) => {
      handler(req as never, res as never, (error?: unknown) => (error ? reject(error) : resolve()));
    });
}

export async function inProcessBench(
  bench: Bench,
  secret: string,
  token: string,
  body: string,
): Promise<void> {
  const names = [
    'http.inprocess.express-json',
    'http.inprocess.mcp-auth',
    'http.inprocess.sdk-jose',
  ];
  if (!names.some((n) => bench.wants(n))) return;
  process.env['MCP_AUTH_BENCH_SECRET'] = secret;
  const { verifyAccessToken } = await import('./sdk-jose-verifier.js');
  const bytes = Buffer.from(body);
  const fresh = (): IncomingMessage => {
    const req = new IncomingMessage(new Socket());
    req.method = 'POST';
    req.url = '/mcp';
    req.headers = {
      host: '127.0.0.1',
      'content-type': 'application/json',
      'content-length': String(bytes.length),
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2025-06-18',
    };
    req.push(bytes);
    req.push(null);
    return req;
  };

  const json = run(express.json({ limit: '4mb' }));
  const policy = createDefaultPolicies();
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: secret,
    policy,
    identityProvider: new DevIdentityProvider({
      users: [{ username: 'alice', password: 'demo', attributes: {}, scopes: ['mcp:tools:read'] }],
    }),
  });
  await server.ready();
  const auth = mcpAuth({ server, policy });
  // What mount() puts in front of the MCP endpoint: the OAuth router (which passes), then protect.
  const router = run(auth.router);
  const guard = run(auth.protect);
  const protect = async (req: IncomingMessage) => {
    await router(req);
    await guard(req);
  };
  const bearer = run(
    requireBearerAuth({
      verifier: { verifyAccessToken },
      resourceMetadataUrl: `${new URL(RESOURCE).origin}/.well-known/oauth-protected-resource/mcp`,
    }),
  );
  const args = { city: 'Paris' };

  const cases: [string, () => Promise<void>][] = [
    [
      names[0]!,
      async () => {
        const req = fresh();
        await json(req);
        if ((req as { body?: { method?: string } }).body?.method !== 'tools/call') {
          throw new Error('http.inprocess: body not parsed');
        }
      },
    ],
    [
      names[1]!,
      async () => {
        const req = fresh();
        await protect(req);
        const auth = authContextFromAuthInfo((req as unknown as McpAuthRequest).auth);
        if (!authorizeMcpToolCall(policy, auth, 'get_weather', args).allowed) {
          throw new Error('http.inprocess: call denied');
        }
      },
    ],
    [
      names[2]!,
      async () => {
        const req = fresh();
        await bearer(req);
        await json(req);
      },
    ],
  ];
  // CPU time (process.cpuUsage: every thread, so WebCrypto's thread-pool work counts too), not
  // wall time: jose's HMAC goes through the thread pool, whose round trip is latency, not cost.
  // Rounds interleave the cases; the median per case is kept.
  const samples = cases.map(() => [] as number[]);
  for (let round = -2; round < ROUNDS; round++) {
    for (const [c, [, fn]] of cases.entries()) {
      const start = process.cpuUsage();
      for (let i = 0; i < BATCH; i++) await fn();
      const used = process.cpuUsage(start);
      if (round >= 0) samples[c]!.push((used.user + used.system) / BATCH);
    }
  }
  const medians = samples.map(median);
  const base = medians[0]!;
  const r1 = (n: number) => Math.round(n * 10) / 10;
  for (const [c, [name]] of cases.entries()) {
    const cpu = medians[c]!;
    const extra: Record<string, unknown> = { unit: 'CPU µs per request (median_us)' };
    if (c > 0) extra['added_cpu_us'] = r1(cpu - base);
    if (c === 1) extra['sdk_jose_added_cpu_us'] = r1(medians[2]! - base);
    bench.record(
      name,
      cpu,
      c === 0 ? {} : { baseline: names[0]!, ...(c === 1 ? { target: 'added_cpu_us <= 30' } : {}) },
      extra,
    );
  }
}
