/**
 * Memory check (issue 8): 200,000 protected calls with DISTINCT tokens through the in-process
 * path `@mcp-auth/express`'s `mcpAuth()` runs for `/mcp` — core's Node MCP guard
 * (`createNodeMcpGuard`: bearer extraction, the token service's revocation-aware verifier with
 * its verified-token cache, the revocation lookup in a MemoryStore, the HTTP-edge policy
 * decision, the SDK `AuthInfo`) followed by `authorizeMcpToolCall` (what `@mcp-auth/sdk`'s
 * `protectMcpServer` runs inside MCP, with an audit listener attached). No HTTP: the request
 * objects are what Express hands the guard after a body parser.
 *
 * The heap after `global.gc()` is sampled after a warm-up and at 50k / 100k / 150k / 200k calls;
 * it must not grow with the number of calls beyond the configured cache bounds (verifier cache:
 * default 1000 tokens per generation). Entry `memory.guard.distinct-tokens`: `median_us` is the
 * median µs per call (first sight of each token: full HMAC verification), plus the heap figures.
 *
 * Runs in a child process started with `--expose-gc` (a fresh heap, whatever flags `pnpm bench`
 * used); `pnpm bench memory` runs it alone. The child is this file run with `--memory-child`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Bench } from './harness.js';

const CALLS = 200_000;
const WARMUP = 5_000;
const CHECKPOINTS = [50_000, 100_000, 150_000, 200_000];
/** Allowed heap growth from the first to the last checkpoint, in MiB. */
const MAX_GROWTH_MIB = 4;

interface MemoryFigures {
  calls: number;
  median_us: number;
  heap_mib: Record<string, number>;
  growth_mib: number;
  cache_size: number;
  audit_events: number;
}

const MiB = 1024 * 1024;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

async function runChild(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory bench child: run with --expose-gc');
  const { createDefaultPolicies, createSecretKey, MemoryStore } = await import(
    '../packages/core/src/index.node.js'
  );
  const { authorizeMcpToolCall } = await import('../packages/core/src/mcp.js');
  const { createNodeMcpGuard } = await import('../packages/core/src/node-http.node.js');
  const { createTokenService } = await import('../packages/core/src/internal.js');
  const { signJwt } = await import('../packages/core/src/jwt.js');
  const issuer = 'https://as.bench.mcp-auth.test';
  const resource = 'https://mcp.bench.mcp-auth.test/mcp';
  const key = await createSecretKey(crypto.getRandomValues(new Uint8Array(32)));
  const tokens = createTokenService({
    store: new MemoryStore(),
    issuer,
    resource,
    signingKey: key,
  });
  const policy = createDefaultPolicies();
  let auditEvents = 0;
  policy.onDecision(() => {
    auditEvents++;
  });
  const guard = createNodeMcpGuard({
    verifier: tokens.createAccessTokenVerifier(),
    policy,
    resourceMetadataUrl: 'https://mcp.bench.mcp-auth.test/.well-known/oauth-protected-resource/mcp',
  });
  const now = Math.floor(Date.now() / 1000);
  const token = (i: number) =>
    signJwt(
      {
        iss: issuer,
        sub: `user-${i}`,
        aud: resource,
        exp: now + 3600,
        iat: now,
        jti: `jti-${i}`,
        client_id: 'bench-client',
        scope: 'mcp:tools:read',
        grant_id: `grant-${i}`,
        role: 'viewer',
      },
      key,
      { typ: 'at+jwt' },
    );
  const args = { city: 'Paris' };
  const call = async (i: number): Promise<number> => {
    const authorization = `Bearer ${await token(i)}`;
    // What Express hands the guard after express.json(): headers and the parsed body.
    const request = {
      method: 'POST',
      url: '/mcp',
      headers: { authorization, 'content-type': 'application/json' },
      body: {
        jsonrpc: '2.0',
        id: i,
        method: 'tools/call',
        params: { name: 'get_weather', arguments: args },
      },
      _body: true,
    };
    const start = performance.now();
    const outcome = await guard(request);
    if (!outcome.ok)
      throw new Error(`memory bench: call ${i} refused (${outcome.response.status})`);
    const inMcp = authorizeMcpToolCall(policy, outcome.auth, 'get_weather', args);
    const elapsed = performance.now() - start;
    if (!inMcp.allowed) throw new Error(`memory bench: call ${i} denied in MCP`);
    return elapsed;
  };
  const heapMiB = () => {
    gc();
    gc();
    return round(process.memoryUsage().heapUsed / MiB);
  };

  for (let i = 0; i < WARMUP; i++) await call(-1 - i);
  const heap: Record<string, number> = { warm: heapMiB() };
  const batchMedians: number[] = [];
  let batch: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    batch.push(await call(i));
    if (batch.length === 1000) {
      batch.sort((a, b) => a - b);
      batchMedians.push(batch[500]! * 1000);
      batch = [];
    }
    if (CHECKPOINTS.includes(i + 1)) heap[`${(i + 1) / 1000}k`] = heapMiB();
  }
  batchMedians.sort((a, b) => a - b);
  const first = heap[`${CHECKPOINTS[0]! / 1000}k`]!;
  const last = heap[`${CHECKPOINTS.at(-1)! / 1000}k`]!;
  const figures: MemoryFigures = {
    calls: CALLS,
    median_us: round(batchMedians[batchMedians.length >> 1]!),
    heap_mib: heap,
    growth_mib: round(last - first),
    cache_size: 1000,
    audit_events: auditEvents,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function runInChild(): Promise<MemoryFigures> {
  const file = fileURLToPath(import.meta.url);
  const root = fileURLToPath(new URL('../', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--conditions=@mcp-auth/source', '--import', 'tsx', file, '--memory-child'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`memory bench child exited with ${code}: ${err.trim()}`));
        return;
      }
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as MemoryFigures);
    });
  });
}

export default async function memoryBench(bench: Bench): Promise<void> {
  const name = 'memory.guard.distinct-tokens';
  if (!bench.wants(name)) return;
  const figures = await runInChild();
  const pass = figures.growth_mib <= MAX_GROWTH_MIB;
  bench.record(
    name,
    figures.median_us,
    { target: `heap growth 50k→200k calls <= ${MAX_GROWTH_MIB} MiB` },
    {
      calls: figures.calls,
      heap_mib: figures.heap_mib,
      heap_growth_mib: figures.growth_mib,
      audit_events: figures.audit_events,
      pass,
    },
  );
  if (!process.argv.includes('--json')) {
    console.error(
      `  heap after GC (MiB): ${Object.entries(figures.heap_mib)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; growth ${figures.growth_mib} MiB → ${pass ? 'pass' : 'FAIL'}`,
    );
  }
}

if (process.argv.includes('--memory-child')) await runChild();
