/**
 * The MCP SDK v2 call in process (no sockets, no load generator): what protecting a v2 server
 * adds per `tools/call`, with the precision of a microbenchmark where the HTTP figures on a shared
 * 2-core machine are noisy. Each case hands a fresh Node `IncomingMessage` carrying the 2026-07-28
 * `tools/call` of the HTTP bench (headers + body pushed into the stream, as Node's HTTP parser
 * does) to the same Express middleware the v2 server children mount, then does what
 * `toNodeHandler` does without the socket — `toWebRequest(req, req.body)`, `handler.fetch(request,
 * { authInfo, parsedBody })` — and reads the whole response:
 *
 * - `http.inprocess.v2.unprotected`: `express.json()`, then `createMcpHandler(createV2ToolServer)`;
 * - `http.inprocess.v2.mcp-auth`: `mcpAuth({ server, policy })`'s router (passes) and `protect`
 *   (token, revocation, 2026-07-28 header rules, edge decision), then
 *   `createMcpHandler(() => protectMcpServer(createV2ToolServer(), { policy }))` (a protected
 *   instance per request and the in-MCP decision on the parsed arguments);
 * - `http.inprocess.v2.mcp-auth-edge`: the same router + `protect`, then the unprotected handler
 *   (with the caller's `authInfo`): splits what the edge guard adds (`edge − unprotected`) from
 *   what `protectMcpServer` adds inside the server (`mcp-auth − edge`).
 *
 * Figures: CPU µs per call (`process.cpuUsage`, all threads), median of 81 interleaved rounds of
 * 50 calls (order rotated per round); `added_cpu_us` = the median over rounds of mcp-auth −
 * unprotected in the same round (target ≤ 30). Runs on the sources, like
 * bench/http/inprocess.ts.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { type McpAuthRequest, mcpAuth } from '@mcp-auth/express';
import { protectMcpServer } from '@mcp-auth/sdk/v2';
import { toWebRequest } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import express, { type RequestHandler } from 'express';
import { type Bench, median } from '../harness.js';
import { ISSUER, RESOURCE } from './common.js';
import { createV2ToolServer, v2ToolCallBody, v2ToolCallHeaders } from './common-v2.js';

const ROUNDS = 81;
const BATCH = 50;
const NAMES = [
  'http.inprocess.v2.unprotected',
  'http.inprocess.v2.mcp-auth',
  'http.inprocess.v2.mcp-auth-edge',
] as const;

function run(handler: RequestHandler): (req: IncomingMessage) => Promise<void> {
  // Only a refusal writes to `res`; a refusal here is a bench bug.
  const refused = () => {
    throw new Error('http.inprocess.v2: the request was refused');
  };
  const res = {
    status: () => res,
    set: () => res,
    setHeader: () => res,
    json: refused,
    end: refused,
  };
  return (req) =>
    new Promise((resolve, reject) => {
      handler(req as never, res as never, (error?: unknown) => (error ? reject(error) : resolve()));
    });
}

/** `toNodeHandler` without the socket: the Web request, the handler, the whole response text. */
async function serveCall(handler: McpHttpHandler, req: IncomingMessage): Promise<string> {
  const parsedBody = (req as { body?: unknown }).body;
  const authInfo = (req as McpAuthRequest).auth;
  const request = await toWebRequest(req, parsedBody);
  const response = await handler.fetch(request, {
    ...(authInfo !== undefined && { authInfo }),
    ...(parsedBody !== undefined && { parsedBody }),
  });
  return response.text();
}

export async function inProcessV2Bench(bench: Bench, secret: string, token: string): Promise<void> {
  if (!NAMES.some((n) => bench.wants(n))) return;
  const bytes = Buffer.from(v2ToolCallBody(1));
  const fresh = (): IncomingMessage => {
    const req = new IncomingMessage(new Socket());
    req.method = 'POST';
    req.url = '/mcp';
    req.headers = {
      host: '127.0.0.1',
      ...v2ToolCallHeaders(),
      'content-length': String(bytes.length),
      authorization: `Bearer ${token}`,
    };
    req.push(bytes);
    req.push(null);
    return req;
  };

  const json = run(express.json({ limit: '4mb' }));
  const plain = createMcpHandler(createV2ToolServer);

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
  const protectedHandler = createMcpHandler(() =>
    protectMcpServer(createV2ToolServer(), { policy }),
  );

  const cases: (() => Promise<string>)[] = [
    async () => {
      const req = fresh();
      await json(req);
      return serveCall(plain, req);
    },
    async () => {
      const req = fresh();
      await router(req);
      await guard(req);
      return serveCall(protectedHandler, req);
    },
    async () => {
      const req = fresh();
      await router(req);
      await guard(req);
      return serveCall(plain, req);
    },
  ];
  for (const [c, fn] of cases.entries()) {
    const text = await fn();
    if (!text.includes('Sunny in Paris') || text.includes('"isError":true')) {
      throw new Error(`${NAMES[c]}: not the tool result: ${text.slice(0, 200)}`);
    }
  }
  // Many short rounds, the order rotated each round, differences taken within a round: on a
  // shared machine the load drifts between rounds, far less within one.
  const samples = cases.map(() => [] as number[]);
  for (let round = -4; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = (k + Math.max(0, round)) % cases.length;
      const fn = cases[c]!;
      const start = process.cpuUsage();
      for (let i = 0; i < BATCH; i++) await fn();
      const used = process.cpuUsage(start);
      if (round >= 0) samples[c]!.push((used.user + used.system) / BATCH);
    }
  }
  await plain.close();
  await protectedHandler.close();
  const [base, protectedCpu, edgeCpu] = samples.map(median) as [number, number, number];
  const [baseRounds, protectedRounds, edgeRounds] = samples as [number[], number[], number[]];
  const paired = (a: number[], b: number[]) => median(a.map((x, r) => x - b[r]!));
  const r1 = (n: number) => Math.round(n * 10) / 10;
  bench.record(NAMES[0], base, {}, { unit: 'CPU µs per call (median_us)' });
  bench.record(
    NAMES[1],
    protectedCpu,
    { baseline: NAMES[0], target: 'added_cpu_us <= 30' },
    {
      unit: 'CPU µs per call (median_us)',
      added_cpu_us: r1(paired(protectedRounds, baseRounds)),
      edge_added_cpu_us: r1(paired(edgeRounds, baseRounds)),
      in_server_added_cpu_us: r1(paired(protectedRounds, edgeRounds)),
      rounds: ROUNDS,
      batch: BATCH,
    },
  );
  bench.record(
    NAMES[2],
    edgeCpu,
    { baseline: NAMES[0] },
    { unit: 'CPU µs per call (median_us)', added_cpu_us: r1(paired(edgeRounds, baseRounds)) },
  );
}
