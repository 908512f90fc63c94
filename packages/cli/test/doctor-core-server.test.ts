import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  createMcpGuard,
  DevIdentityProvider,
  generateSecret,
  toFetchHandler,
} from '@mcp-auth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/doctor/run-doctor.js';
import { runCli } from './helpers.js';

// A conforming MCP server built only from core: createAuthorizationServer + toFetchHandler for
// the OAuth endpoints, createMcpGuard at the MCP endpoint, served by node:http on port 0.
let server: Server;
let origin: string;
const secret = generateSecret();

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503).end();
  };
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const policy = createDefaultPolicies();
  const as = createAuthorizationServer({
    issuer: origin,
    resource: `${origin}/mcp`,
    signingKey: secret,
    policy,
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'demo', scopes: ['mcp:tools:read'] }],
    }),
  });
  await as.ready();
  const fetchHandler = toFetchHandler(as);
  const guard = createMcpGuard({
    verifier: as.tokenVerifier,
    policy,
    resourceMetadataUrl: as.resourceMetadataUrl,
    challengeScopes: ['mcp:tools:read'],
  });
  handle = async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);
    if (url.pathname === '/mcp') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const decision = await guard.check({
        authorizationHeader: req.headers.authorization,
        body: parsed,
      });
      if (decision.kind !== 'ok') {
        res.writeHead(decision.status, decision.headers).end(decision.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          result: { protocolVersion: '2025-06-18', capabilities: {} },
        }),
      );
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string') headers.set(k, v);
      else if (Array.isArray(v)) for (const item of v) headers.append(k, item);
    }
    const response = await fetchHandler(
      new Request(url, {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
      }),
    );
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      out[key] = value;
    });
    res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
  };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('doctor against a server built from @mcp-auth/core', () => {
  it('finds no failure (MCP authorization spec, SECURITY-CASES 1, 2, 20, 21, 22, 37, 40)', async () => {
    const r = await runCli(['doctor', `${origin}/mcp`, '--json']);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const notPassing = report.checks
      .filter((c) => c.status !== 'pass')
      .map((c) => `${c.id}:${c.status}: ${c.detail}`);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    // Everything the doctor can run against core passes; only what needs a token is skipped.
    expect(notPassing).toEqual([]);
  });

  it('a token minted by "mcp-auth token mint" with the server secret is accepted, and not in the URL', async () => {
    const minted = await runCli(
      [
        'token',
        'mint',
        '--sub',
        'alice',
        '--scopes',
        'mcp:tools:read',
        '--aud',
        `${origin}/mcp`,
        '--iss',
        origin,
      ],
      { env: { JWT_SECRET: secret } },
    );
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    const r = await runCli(['doctor', `${origin}/mcp`, '--json', '--token-env', 'T'], {
      env: { T: token },
    });
    const report = JSON.parse(r.stdout) as DoctorReport;
    const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
    expect(status('token-valid-accepted')).toBe('pass');
    expect(status('token-in-query-ignored')).toBe('pass');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(token);
  });
});
