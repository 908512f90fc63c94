// The MCP conformance suite's `dns-rebinding-protection` server scenario
// (@modelcontextprotocol/conformance, run as its own CLI in a child process) against an
// mcp-auth-protected server on loopback, through the Express, Koa and Fetch mounts, for
// 2025-11-25 (initialize + notifications/initialized) and 2026-07-28 (server/discover).
//
// The scenario sends `Host`/`Origin` `evil.example.com` (must get a 4xx) and then the server's
// own `localhost:<port>` (must get a 2xx). It is written for servers without authentication
// and has no option to send a token, so an authenticated client is played by a small
// forwarding proxy that adds a real bearer token (obtained through registration, login,
// consent and the token endpoint) to every request, keeping the scenario's `Host` and `Origin`
// as they are. The guard screens `Host` and `Origin` before authentication, so the token
// changes nothing for the foreign request: it is refused with 403 either way (and a run without
// the proxy shows that, with the valid request stopping at 401 as it must).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Mount,
  obtainToken,
  type ProtectedServer,
  startProtectedServer,
} from './protected-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
// Node 20 has no fs.globSync, which the suite imports (Node 22); the shim adds one.
const SHIM = join(ROOT, 'scripts/node20-fs-globsync.mjs');
const SCENARIO = 'dns-rebinding-protection';
const VERSIONS = ['2025-11-25', '2026-07-28'] as const;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: { statusCode?: number; hostHeader?: string };
}

interface Run {
  exitCode: number | null;
  checks: Check[];
  output: string;
}

/** Runs the scenario's CLI against `url` and reads the checks.json it wrote. */
async function runScenario(url: string, specVersion: string): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-auth-conformance-'));
  try {
    const args = ['--import', SHIM, BIN, 'server', '--url', url, '--scenario', SCENARIO];
    args.push('--spec-version', specVersion, '--output-dir', out, '--timeout', '20000');
    const child = spawn(process.execPath, args, { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject).once('close', resolve);
    });
    const file = readdirSync(out, { recursive: true })
      .map(String)
      .find((p) => p.endsWith('checks.json'));
    const checks = file ? (JSON.parse(readFileSync(join(out, file), 'utf8')) as Check[]) : [];
    return { exitCode, checks, output };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function check(run: Run, id: string): Check {
  const found = run.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the run:\n${run.output}`);
  return found;
}

/**
 * A client that holds a token: forwards every request to `target` unchanged (method, path,
 * `Host`, `Origin`, body) and adds `Authorization: Bearer <token>`.
 */
async function startTokenProxy(target: ProtectedServer, token: string): Promise<Server> {
  const proxy = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe.each<Mount>(['express', 'koa', 'fetch'])(`${SCENARIO} through the %s mount`, (mount) => {
  let server: ProtectedServer;
  let proxy: Server;
  let proxyUrl: string;

  beforeAll(async () => {
    server = await startProtectedServer({ mount });
    const token = await obtainToken(server, 'alice');
    proxy = await startTokenProxy(server, token);
    proxyUrl = `http://localhost:${(proxy.address() as AddressInfo).port}/mcp`;
  });

  afterAll(async () => {
    await closeServer(proxy);
    await server?.close();
  });

  for (const version of VERSIONS) {
    it(`passes at ${version} for a client with a token: evil.example.com → 403 before authentication, localhost → 2xx`, async () => {
      const before = server.seen.length;
      const run = await runScenario(proxyUrl, version);
      const rejected = check(run, 'localhost-host-rebinding-rejected');
      const accepted = check(run, 'localhost-host-valid-accepted');
      expect(rejected.status, run.output).toBe('SUCCESS');
      expect(rejected.details?.statusCode).toBe(403);
      expect(accepted.status, run.output).toBe('SUCCESS');
      expect(run.checks.filter((c) => c.status === 'FAILURE')).toEqual([]);
      expect(run.exitCode).toBe(0);
      // What the server saw: the foreign Host refused, the local one served, all with a token.
      const requests = server.seen.slice(before);
      const evil = requests.filter((r) => r.host === 'evil.example.com');
      expect(evil.length).toBeGreaterThan(0);
      for (const r of evil) {
        expect(r.status).toBe(403);
        expect(r.authorized).toBe(true);
      }
      const local = requests.filter((r) => r.host !== 'evil.example.com');
      expect(local.length).toBe(version === '2025-11-25' ? 2 : 1);
      for (const r of local) expect(r.status).toBeLessThan(300);
    });
  }
});

describe(`${SCENARIO} without a token (the scenario's own client)`, () => {
  let server: ProtectedServer;

  beforeAll(async () => {
    server = await startProtectedServer({ mount: 'express' });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses the rebinding request with 403 (Host/Origin screened before authentication); the valid one reaches authentication (401)', async () => {
    const run = await runScenario(server.mcpUrl, '2025-11-25');
    const rejected = check(run, 'localhost-host-rebinding-rejected');
    expect(rejected.status, run.output).toBe('SUCCESS');
    expect(rejected.details?.statusCode).toBe(403);
    // The scenario is written for unauthenticated servers: the valid request is answered
    // 401 with a challenge, which the scenario counts as a failure. That is the point of
    // the token proxy above.
    const accepted = check(run, 'localhost-host-valid-accepted');
    expect(accepted.status).toBe('FAILURE');
    expect(accepted.details?.statusCode).toBe(401);
  });
});

describe(`${SCENARIO} can fail`, () => {
  let server: ProtectedServer;
  let proxy: Server;

  beforeAll(async () => {
    // Everything a user can open up: any Origin, and evil.example.com as an allowed Host.
    server = await startProtectedServer({
      mount: 'express',
      cors: { allowedOrigins: '*', allowedHosts: ['evil.example.com', 'localhost'] },
    });
    proxy = await startTokenProxy(server, await obtainToken(server, 'alice'));
  });

  afterAll(async () => {
    await closeServer(proxy);
    await server?.close();
  });

  it('reports a server that answers a rebinding Host and Origin (no screening) as failing', async () => {
    const url = `http://localhost:${(proxy.address() as AddressInfo).port}/mcp`;
    const run = await runScenario(url, '2025-11-25');
    const rejected = check(run, 'localhost-host-rebinding-rejected');
    expect(rejected.status).toBe('FAILURE');
    expect(rejected.details?.statusCode).toBe(200);
    expect(run.exitCode).not.toBe(0);
  });
});
