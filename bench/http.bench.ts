/**
 * End-to-end HTTP benchmark (issue 8): MCP `tools/call` on Express over loopback, driven by
 * autocannon in this process, one server child process per variant (see bench/http/*.ts):
 *
 * - `http.toolscall.unprotected`: the tool server without auth (the baseline);
 * - `http.toolscall.mcp-auth`: `@mcp-auth/express` + `@mcp-auth/sdk` (MemoryStore);
 * - `http.toolscall.sdk-jose`: the SDK's `requireBearerAuth` with a `jose` HS256 verifier;
 * - `http.toolscall.mcp-auth-redis`: mcp-auth with a RedisStore (skipped when Redis is down);
 * - `http.toolscall.v2.unprotected` / `http.toolscall.v2.mcp-auth` (issue 11): the same tool server
 *   on MCP SDK v2 (`createMcpHandler` + `toNodeHandler`), driven with protocol 2026-07-28
 *   `tools/call`s, without auth and with `@mcp-auth/express` + `@mcp-auth/sdk/v2` (and, before
 *   the HTTP runs, `http.inprocess.v2.*`: the same v2 call in process, bench/http/inprocess-v2.ts).
 *
 * Every variant runs with the same layout, the same connections and the same request; rounds
 * interleave the variants (rotating their order) so machine drift hits all of them alike.
 * Figures are medians over rounds: `median_us` = p50 latency in µs, `req_per_s`, `p50_ms`,
 * `p99_ms`, `server_cpu_us_per_req` (the child's `process.cpuUsage()` delta / responses), and
 * `ratio` = req/s ÷ the baseline's req/s (higher is better; 1 = as fast as unprotected).
 *
 * Environment knobs (defaults in brackets): MCP_AUTH_BENCH_HTTP_ROUNDS [5],
 * MCP_AUTH_BENCH_HTTP_SECONDS [3], MCP_AUTH_BENCH_HTTP_WARMUP [3],
 * MCP_AUTH_BENCH_HTTP_CONNECTIONS [8], MCP_AUTH_BENCH_LAYOUT [session|stateless],
 * MCP_AUTH_BENCH_HTTP_PROFILE=<dir> (children run with --cpu-prof into <dir>),
 * MCP_AUTH_BENCH_HTTP_LAYOUTS=1 (also measure the other layout, one round),
 * MCP_AUTH_BENCH_FROM_SOURCE=1 (server children run the TypeScript sources instead of the built
 * packages, see bench/http/packages.ts),
 * MCP_AUTH_BENCH_HTTP_SOURCE=1 (also `http.toolscall.mcp-auth.source`: mcp-auth from the sources,
 * side by side with the built packages),
 * MCP_AUTH_BENCH_HTTP_EDGE=1 (also `http.edge.*`: the same protections in front of a handler that
 * answers at once, without the MCP SDK — what protection alone costs, with far less noise).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type Bench, median } from './harness.js';
import { type Layout, MCP_PATH } from './http/common.js';
import { v2ToolCallBody, v2ToolCallHeaders } from './http/common-v2.js';
import { inProcessBench } from './http/inprocess.js';
import { inProcessV2Bench } from './http/inprocess-v2.js';
import { mintAccessToken } from './http/mint.js';
import {
  childEnv,
  childNodeArgs,
  ensureBuiltPackages,
  type PackageMode,
  packageMode,
} from './http/packages.js';

const ROUNDS = envInt('MCP_AUTH_BENCH_HTTP_ROUNDS', 5);
const SECONDS = envInt('MCP_AUTH_BENCH_HTTP_SECONDS', 3);
const WARMUP = envInt('MCP_AUTH_BENCH_HTTP_WARMUP', 3);
const CONNECTIONS = envInt('MCP_AUTH_BENCH_HTTP_CONNECTIONS', 8);
/**
 * Server processes per variant (each round runs every one; a variant's figure for the round is
 * the mean over its processes). Identical servers in separate processes differ by up to ~17 %
 * on this kind of machine (heap layout, JIT and GC timing), more than the targets allow: one
 * process per variant measures that luck as much as the protection. Default 1, and 3 for the
 * MCP SDK v2 pair, where it was measured (bench/README.md, "SDK v2, session 5").
 */
function processesFor(fallback: number): number {
  return envInt('MCP_AUTH_BENCH_HTTP_PROCESSES', fallback);
}
const PROFILE_DIR = process.env['MCP_AUTH_BENCH_HTTP_PROFILE'];
const PROTOCOL_VERSION = '2025-06-18';
const BASELINE = 'http.toolscall.unprotected';
const HTTP_DIR = fileURLToPath(new URL('./http/', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface VariantSpec {
  readonly name: string;
  readonly script: string;
  readonly args?: readonly string[];
  /** Sends the bearer token; the server must refuse a call without it. */
  readonly protected: boolean;
  /** Skipped with a note when the server cannot start (Redis down). */
  readonly optional?: boolean;
  /** Where this child loads `@mcp-auth/*` from; default {@link packageMode}. */
  readonly mode?: PackageMode;
  /** `v2`: an MCP SDK v2 server, driven with protocol 2026-07-28 requests. Default `v1`. */
  readonly protocol?: 'v1' | 'v2';
}

const EDGE_VARIANTS: readonly VariantSpec[] = [
  { name: 'http.edge.none', script: 'edge.ts', args: ['none'], protected: false },
  { name: 'http.edge.mcp-auth', script: 'edge.ts', args: ['mcp-auth'], protected: true },
  { name: 'http.edge.sdk-jose', script: 'edge.ts', args: ['sdk-jose'], protected: true },
];

const VARIANTS: readonly VariantSpec[] = [
  { name: BASELINE, script: 'unprotected.ts', protected: false },
  { name: 'http.toolscall.mcp-auth', script: 'mcp-auth.ts', protected: true },
  { name: 'http.toolscall.sdk-jose', script: 'sdk-jose.ts', protected: true },
  {
    name: 'http.toolscall.mcp-auth-redis',
    script: 'mcp-auth.ts',
    args: ['redis'],
    protected: true,
    optional: true,
  },
];

const V2_BASELINE = 'http.toolscall.v2.unprotected';

/** The same tool server on MCP SDK v2 (per-request servers: createMcpHandler has no sessions). */
const V2_VARIANTS: readonly VariantSpec[] = [
  { name: V2_BASELINE, script: 'v2-unprotected.ts', protected: false, protocol: 'v2' },
  { name: 'http.toolscall.v2.mcp-auth', script: 'v2-mcp-auth.ts', protected: true, protocol: 'v2' },
];

/** With MCP_AUTH_BENCH_HTTP_SOURCE=1 (dist mode only): mcp-auth run from the TypeScript sources too. */
const SOURCE_VARIANT: VariantSpec = {
  name: 'http.toolscall.mcp-auth.source',
  script: 'mcp-auth.ts',
  protected: true,
  mode: 'source',
};

interface RunningVariant {
  readonly spec: VariantSpec;
  /** Which of the variant's processes this is (0 … processes − 1). */
  readonly copy: number;
  readonly child: ChildProcess;
  readonly port: number;
  /** Session id per connection (session layout). */
  sessions: string[];
  readonly rounds: RoundFigures[];
}

interface RoundFigures {
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
}

function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`${name} must be a positive integer`);
  return n;
}

function log(message: string): void {
  if (!process.argv.includes('--json')) console.error(message);
}

/** Where one server process's CPU profile goes (MCP_AUTH_BENCH_HTTP_PROFILE). */
function profileDir(spec: VariantSpec, layout: string | undefined, copy: number): string {
  return `${PROFILE_DIR}/${spec.name}.${layout}${copy > 0 ? `.${copy}` : ''}`;
}

async function startVariant(
  spec: VariantSpec,
  env: NodeJS.ProcessEnv,
  copy = 0,
): Promise<RunningVariant | undefined> {
  const mode = spec.mode ?? packageMode();
  const nodeArgs = childNodeArgs(mode);
  if (PROFILE_DIR) {
    // One directory per server: the tsx loader thread writes its own profile beside the main
    // thread's (the larger file).
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir(spec, env['MCP_AUTH_BENCH_LAYOUT'], copy)}`,
    );
  }
  const child = spawn(
    process.execPath,
    [...nodeArgs, `${HTTP_DIR}${spec.script}`, ...(spec.args ?? [])],
    { cwd: ROOT, env: { ...env, ...childEnv(mode) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout! });
  let core: string | undefined;
  const port = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 30_000);
    lines.on('line', (line) => {
      const match = /^port=(\d+)(?: core=(\S+))?$/.exec(line);
      if (match) {
        core = match[2];
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (port === undefined) {
    child.kill('SIGKILL');
    const note = `${spec.name}: server did not start${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
    if (spec.optional) {
      log(`# skipped ${note}`);
      return undefined;
    }
    throw new Error(note);
  }
  try {
    checkPackageMode(spec, mode, core);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { spec, copy, child, port, sessions: [], rounds: [] };
}

/** Fails when a server child loaded `@mcp-auth/core` from elsewhere than the mode says. */
function checkPackageMode(spec: VariantSpec, mode: PackageMode, core: string | undefined): void {
  if (core === undefined)
    throw new Error(`${spec.name}: the server did not say where it loads @mcp-auth/core from`);
  const fromDist = core.includes('/packages/core/dist/');
  if ((mode === 'dist') !== fromDist) {
    throw new Error(
      `${spec.name}: expected @mcp-auth/core from ${mode}, the server loaded ${core}`,
    );
  }
}

async function stopVariant(variant: RunningVariant, layout: Layout): Promise<void> {
  if (variant.child.exitCode !== null) return;
  if (PROFILE_DIR) {
    // For bench/http/profile-summary.ts: per-request figures from the profile's totals.
    const stats = await fetch(`http://127.0.0.1:${variant.port}/__bench/cpu`);
    const { requests } = (await stats.json()) as { requests: number };
    const dir = profileDir(variant.spec, layout, variant.copy);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/requests.txt`, `${requests}\n`);
  }
  const exited = once(variant.child, 'exit');
  variant.child.kill('SIGTERM');
  const timer = setTimeout(() => variant.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function baseHeaders(variant: RunningVariant, token: string): Record<string, string> {
  const headers: Record<string, string> =
    variant.spec.protocol === 'v2'
      ? v2ToolCallHeaders()
      : {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': PROTOCOL_VERSION,
        };
  if (variant.spec.protected) headers['authorization'] = `Bearer ${token}`;
  return headers;
}

/** The `tools/call` body a variant is driven with (v2: with the 2026-07-28 `_meta` envelope). */
function callBody(variant: RunningVariant, id: string | number): string {
  return variant.spec.protocol === 'v2' ? v2ToolCallBody(id) : toolCallBody(id);
}

function toolCallBody(id: string | number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'get_weather', arguments: { city: 'Paris' } },
  });
}

async function post(
  variant: RunningVariant,
  headers: Record<string, string>,
  body: unknown,
): Promise<Response> {
  return fetch(`http://127.0.0.1:${variant.port}${MCP_PATH}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Opens one MCP session per connection (initialize + notifications/initialized). */
async function openSessions(variant: RunningVariant, token: string): Promise<void> {
  const headers = baseHeaders(variant, token);
  variant.sessions = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const init = await post(variant, headers, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'bench', version: '1.0.0' },
      },
    });
    const sessionId = init.headers.get('mcp-session-id');
    await init.text();
    if (init.status !== 200 || !sessionId) {
      throw new Error(`${variant.spec.name}: initialize answered ${init.status}`);
    }
    const ack = await post(
      variant,
      { ...headers, 'mcp-session-id': sessionId },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    );
    await ack.text();
    if (ack.status !== 202) {
      throw new Error(`${variant.spec.name}: notifications/initialized answered ${ack.status}`);
    }
    variant.sessions.push(sessionId);
  }
}

/** Proves the variant answers the call correctly, and refuses it without a token when protected. */
async function checkVariant(variant: RunningVariant, token: string, layout: Layout): Promise<void> {
  const headers = baseHeaders(variant, token);
  if (layout === 'session') headers['mcp-session-id'] = variant.sessions[0]!;
  const ok = await post(variant, headers, callBody(variant, 1));
  const text = await ok.text();
  if (ok.status !== 200 || !text.includes('Sunny in Paris') || text.includes('"isError":true')) {
    throw new Error(`${variant.spec.name}: tools/call answered ${ok.status}, not the tool result`);
  }
  if (variant.spec.protected) {
    const { authorization: _, ...anonymous } = headers;
    const refused = await post(variant, anonymous, callBody(variant, 2));
    await refused.text();
    if (refused.status !== 401) {
      throw new Error(`${variant.spec.name}: a call without a token answered ${refused.status}`);
    }
  }
}

async function serverCpuUs(variant: RunningVariant): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${variant.port}/__bench/cpu`);
  const cpu = (await response.json()) as { user_us: number; system_us: number };
  return cpu.user_us + cpu.system_us;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

/** One autocannon run against a variant; latencies are recorded here at full (float) precision. */
async function load(
  variant: RunningVariant,
  token: string,
  seconds: number,
  layout: Layout,
): Promise<RoundFigures> {
  const headers = baseHeaders(variant, token);
  const latencies: number[] = [];
  let nextSession = 0;
  const cpuBefore = await serverCpuUs(variant);
  const instance = autocannon({
    url: `http://127.0.0.1:${variant.port}${MCP_PATH}`,
    method: 'POST',
    headers,
    // One session per connection and one request in flight per connection, so a fixed
    // JSON-RPC id never collides within a session. (autocannon's `idReplacement` is not used:
    // its Content-Length assumes 33-character ids, its hyperid makes shorter ones.)
    body: callBody(variant, 1),
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    setupClient: (client) => {
      if (layout !== 'session') return;
      const sessionId = variant.sessions[nextSession++ % variant.sessions.length]!;
      client.setHeaders({ ...headers, 'mcp-session-id': sessionId });
    },
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await instance;
  const cpuAfter = await serverCpuUs(variant);
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(
      `${variant.spec.name}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`,
    );
  }
  const sorted = Float64Array.from(latencies).sort();
  const responses = result.requests.total;
  return {
    reqPerS: responses / (result.duration || seconds),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuUsPerReq: (cpuAfter - cpuBefore) / Math.max(1, responses),
  };
}

function summarize(rounds: readonly RoundFigures[]): RoundFigures {
  return {
    reqPerS: median(rounds.map((r) => r.reqPerS)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerReq: median(rounds.map((r) => r.cpuUsPerReq)),
  };
}

/** Median over rounds of `fn(a[r], b[r])`. */
function pairedMedian(
  a: readonly RoundFigures[],
  b: readonly RoundFigures[],
  fn: (x: RoundFigures, y: RoundFigures) => number,
): number {
  return median(a.map((x, r) => fn(x, b[r]!)));
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** The mean of each figure over a variant's processes in one round. */
function meanOf(figures: readonly RoundFigures[]): RoundFigures {
  const mean = (pick: (f: RoundFigures) => number) =>
    figures.reduce((sum, f) => sum + pick(f), 0) / figures.length;
  return {
    reqPerS: mean((f) => f.reqPerS),
    p50Ms: mean((f) => f.p50Ms),
    p99Ms: mean((f) => f.p99Ms),
    cpuUsPerReq: mean((f) => f.cpuUsPerReq),
  };
}

/**
 * Runs the wanted variants under one layout, each in `processes` server processes; returns per
 * variant its figures of every round (the mean over its processes in that round).
 */
async function measure(
  specs: readonly VariantSpec[],
  layout: Layout,
  rounds: number,
  processes = 1,
): Promise<Map<string, RoundFigures[]>> {
  const secret = randomBytes(32).toString('base64url');
  const token = await mintAccessToken(secret);
  const env = {
    ...process.env,
    MCP_AUTH_BENCH_SECRET: secret,
    MCP_AUTH_BENCH_LAYOUT: layout,
    NODE_ENV: 'production',
  };
  // Copies interleaved (a0 b0 a1 b1 …): the rotation below then spreads each variant's
  // processes over the round instead of running them back to back.
  const starts: Promise<RunningVariant | undefined>[] = [];
  for (let copy = 0; copy < processes; copy++)
    for (const spec of specs) starts.push(startVariant(spec, env, copy));
  const started = await Promise.all(starts);
  const running = started.filter((v): v is RunningVariant => v !== undefined);
  try {
    for (const variant of running) {
      if (layout === 'session') await openSessions(variant, token);
      await checkVariant(variant, token, layout);
    }
    for (const variant of running) await load(variant, token, WARMUP, layout);
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no server always runs first or last.
      for (let i = 0; i < running.length; i++) {
        const variant = running[(i + round) % running.length]!;
        variant.rounds.push(await load(variant, token, SECONDS, layout));
      }
    }
  } finally {
    await Promise.all(running.map((v) => stopVariant(v, layout)));
  }
  const measured = new Map<string, RoundFigures[]>();
  for (const spec of specs) {
    const copies = running.filter((v) => v.spec === spec);
    if (copies.length === 0) continue;
    measured.set(
      spec.name,
      copies[0]!.rounds.map((_, round) => meanOf(copies.map((v) => v.rounds[round]!))),
    );
  }
  return measured;
}

/** Records one group of variants measured together, against `baseline` (and `jose`). */
function report(
  bench: Bench,
  specs: readonly VariantSpec[],
  measured: Map<string, RoundFigures[]>,
  names: { baseline: string; jose?: string; mcpAuth: string; target?: string },
  layout: string,
  processes = 1,
): void {
  const baseRounds = measured.get(names.baseline)!;
  const joseRounds = names.jose === undefined ? undefined : measured.get(names.jose);
  for (const spec of specs) {
    const rounds = measured.get(spec.name);
    if (!rounds) continue;
    const f = summarize(rounds);
    const isBase = spec.name === names.baseline;
    // Ratios and differences are taken within each round (the variants ran back to back), then
    // the median over rounds: steadier than a ratio of medians on a shared machine.
    const ratio = isBase ? 1 : pairedMedian(rounds, baseRounds, (a, b) => a.reqPerS / b.reqPerS);
    const extra: Record<string, unknown> = {
      ratio: r3(ratio),
      req_per_s: Math.round(f.reqPerS),
      p50_ms: r3(f.p50Ms),
      p99_ms: r3(f.p99Ms),
      server_cpu_us_per_req: r1(f.cpuUsPerReq),
      layout,
      connections: CONNECTIONS,
      rounds: rounds.length,
      processes,
    };
    if (!isBase) {
      extra['added_server_cpu_us_per_req'] = r1(
        pairedMedian(rounds, baseRounds, (a, b) => a.cpuUsPerReq - b.cpuUsPerReq),
      );
      extra['cpu_ratio'] = r3(
        pairedMedian(rounds, baseRounds, (a, b) => b.cpuUsPerReq / a.cpuUsPerReq),
      );
    }
    if (spec.name.startsWith(names.mcpAuth) && joseRounds) {
      extra['vs_sdk_jose'] = r3(pairedMedian(rounds, joseRounds, (a, b) => a.reqPerS / b.reqPerS));
      extra['cpu_vs_sdk_jose'] = r3(
        pairedMedian(rounds, joseRounds, (a, b) => b.cpuUsPerReq / a.cpuUsPerReq),
      );
    }
    const target = spec.name === names.mcpAuth ? names.target : undefined;
    bench.record(
      spec.name,
      f.p50Ms * 1000,
      { ...(isBase ? {} : { baseline: names.baseline }), ...(target ? { target } : {}) },
      extra,
    );
    log(
      `  ${spec.name.padEnd(32)} ${String(Math.round(f.reqPerS)).padStart(6)} req/s  p50 ${r3(f.p50Ms)} ms  p99 ${r3(f.p99Ms)} ms  cpu ${r1(f.cpuUsPerReq)} µs/req${isBase ? '' : `  ratio ${r3(ratio)}  added cpu ${String(extra['added_server_cpu_us_per_req'])} µs`}${extra['vs_sdk_jose'] === undefined ? '' : `  vs sdk-jose ${String(extra['vs_sdk_jose'])}`}`,
    );
  }
}

export default async function httpBench(bench: Bench): Promise<void> {
  ensureBuiltPackages(ROOT, log);
  {
    const secret = randomBytes(32).toString('base64url');
    const token = await mintAccessToken(secret);
    await inProcessBench(bench, secret, token, toolCallBody(1));
    await inProcessV2Bench(bench, secret, token);
  }
  const variants =
    process.env['MCP_AUTH_BENCH_HTTP_SOURCE'] === '1' && packageMode() === 'dist'
      ? [...VARIANTS, SOURCE_VARIANT]
      : VARIANTS;
  const wanted = variants.filter((v) => v.name === BASELINE || bench.wants(v.name));
  const layout = (process.env['MCP_AUTH_BENCH_LAYOUT'] ?? 'session') as Layout;
  if (wanted.length > 1 || bench.wants(BASELINE)) {
    log(
      `# http: ${wanted.length} variants, layout ${layout}, ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${ROUNDS} rounds × ${SECONDS} s`,
    );
    const measured = await measure(wanted, layout, ROUNDS, processesFor(1));
    report(
      bench,
      wanted,
      measured,
      {
        baseline: BASELINE,
        jose: 'http.toolscall.sdk-jose',
        mcpAuth: 'http.toolscall.mcp-auth',
        target: 'ratio >= 0.95, vs_sdk_jose >= 1.15, added_server_cpu_us_per_req <= 30',
      },
      layout,
      processesFor(1),
    );
    if (process.env['MCP_AUTH_BENCH_HTTP_LAYOUTS'] === '1') {
      await compareLayouts(bench, wanted, measured, layout);
    }
  }
  const wantedV2 = V2_VARIANTS.filter((v) => v.name === V2_BASELINE || bench.wants(v.name));
  if (wantedV2.length > 1 || bench.wants(V2_BASELINE)) {
    // createMcpHandler builds a server per request (2026-07-28 is stateless): no sessions.
    log(
      `# http v2: ${wantedV2.length} variants × ${processesFor(3)} processes, MCP SDK v2, protocol 2026-07-28, ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${ROUNDS} rounds × ${SECONDS} s`,
    );
    const measured = await measure(wantedV2, 'stateless', ROUNDS, processesFor(3));
    report(
      bench,
      wantedV2,
      measured,
      {
        baseline: V2_BASELINE,
        mcpAuth: 'http.toolscall.v2.mcp-auth',
        target: 'ratio >= 0.95, added_server_cpu_us_per_req <= 30',
      },
      'per-request (v2)',
      processesFor(3),
    );
  }
  if (process.env['MCP_AUTH_BENCH_HTTP_EDGE'] === '1') {
    // The edge alone (no MCP SDK behind it): stateless, no sessions to open.
    log(`# http edge: ${EDGE_VARIANTS.length} variants, ${ROUNDS} rounds × ${SECONDS} s`);
    const measured = await measure(EDGE_VARIANTS, 'stateless', ROUNDS, processesFor(1));
    report(
      bench,
      EDGE_VARIANTS,
      measured,
      {
        baseline: 'http.edge.none',
        jose: 'http.edge.sdk-jose',
        mcpAuth: 'http.edge.mcp-auth',
      },
      'stateless',
      processesFor(1),
    );
  }
}

async function compareLayouts(
  bench: Bench,
  wanted: readonly VariantSpec[],
  measured: Map<string, RoundFigures[]>,
  layout: Layout,
): Promise<void> {
  const figures = new Map([...measured].map(([name, rounds]) => [name, summarize(rounds)]));
  const other: Layout = layout === 'session' ? 'stateless' : 'session';
  const specs = wanted.filter((v) => !v.optional);
  log(`# http: layout ${other} for comparison (1 round)`);
  const alt = await measure(specs, other, 1);
  for (const [name, rounds] of alt) {
    const f = summarize(rounds);
    const mine = figures.get(name)!;
    bench.record(
      `${name}.${other}`,
      f.p50Ms * 1000,
      {},
      {
        ratio: null,
        req_per_s: Math.round(f.reqPerS),
        p50_ms: r3(f.p50Ms),
        p99_ms: r3(f.p99Ms),
        server_cpu_us_per_req: r1(f.cpuUsPerReq),
        layout: other,
        req_per_s_vs_layout_in_use: r3(f.reqPerS / mine.reqPerS),
      },
    );
    log(
      `  ${`${name}.${other}`.padEnd(42)} ${String(Math.round(f.reqPerS)).padStart(6)} req/s  cpu ${r1(f.cpuUsPerReq)} µs/req  (×${r3(f.reqPerS / mine.reqPerS)} of ${layout})`,
    );
  }
}
