/**
 * What an unauthenticated caller can make `/mcp` spend (issue 12 item 1): the MCP guard must
 * authenticate from the `Authorization` header before it reads or parses a body.
 *
 * - `http.preauth.cpu.<label>`: server CPU spent on 10 unauthenticated POSTs of a 4 MiB body of
 *   nested `[` (the guard's default body cap, reached exactly), sent one after the other, each
 *   on its own connection; `median_us` = CPU µs per body. Beside it, the CPU of 10 tiny
 *   unauthenticated POSTs on the same server. `ratio` of `now` is against `before`
 *   (target: ≤ 0.01).
 * - `http.preauth.memory.<label>`: a fresh server; RSS after two full GCs (`start`), then 100
 *   connections that each send the headers (`Content-Length: 4 MiB`, no token) and ~3.9 MiB of the
 *   body, and stall; RSS is sampled until the uploads have been handed to the kernel and RSS stays
 *   put for 1 s (`peak` = the highest sample); then every connection is closed, and RSS after
 *   GC (`after`). Target: `after - start ≤ 32 MiB`. `median_us` = server CPU µs per stalled
 *   upload.
 *
 * `now` is this checkout, in the bench's package mode (dist/ by default, see
 * bench/http/packages.ts). `before` runs only when `MCP_AUTH_BENCH_PREAUTH_BEFORE` names another
 * checkout with its dependencies installed (e.g. a `git worktree` of 9f72854, the commit before
 * the guard authenticated first); it runs that checkout's TypeScript sources
 * (`--conditions=@mcp-auth/source`, no build needed there). The server is the same file for both
 * (bench/http/preauth-server.ts, which loads `@mcp-auth/*` from the checkout it is given).
 *
 * Everything runs on loopback, in bounded loops, and stops by itself; the server children run
 * with `--expose-gc` and are killed at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench } from './harness.js';
import { MCP_PATH } from './http/common.js';
import {
  childNodeArgs,
  ensureBuiltPackages,
  type PackageMode,
  packageMode,
} from './http/packages.js';

const MiB = 1024 * 1024;
/** The guard's default body cap (`DEFAULT_MAX_MCP_BODY_BYTES`), before and now. */
const BODY_BYTES = 4 * MiB;
const BIG_BODIES = 10;
const STALLED_CONNECTIONS = 100;
const STALL_BYTES = Math.round(3.9 * MiB);
const MEMORY_SLACK_MIB = 32;
const CPU_TARGET_RATIO = 0.01;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SERVER = fileURLToPath(new URL('./http/preauth-server.ts', import.meta.url));
const DIST_TSCONFIG = fileURLToPath(new URL('./http/tsconfig.dist.json', import.meta.url));

/** 4 MiB of `[`: what `JSON.parse` walks to the end before it fails. */
const NESTED = Buffer.alloc(BODY_BYTES, '[');

interface Stats {
  user_us: number;
  system_us: number;
  rss: number;
  heap_used: number;
  heap_total: number;
  external: number;
  requests: number;
  connections: number;
}

/** Which server: this checkout, another one (`before`), or the bare-401 floor. */
interface Target {
  readonly label: 'before' | 'now' | 'floor';
  readonly root: string;
  readonly mode: PackageMode;
}

interface Running {
  readonly label: string;
  readonly child: ChildProcess;
  readonly port: number;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const mib = (bytes: number) => r1(bytes / MiB);
const cpuUs = (s: Stats) => s.user_us + s.system_us;

function log(message: string): void {
  if (!process.argv.includes('--json')) console.error(message);
}

async function startServer({ label, root, mode }: Target): Promise<Running> {
  const args = [
    '--expose-gc',
    ...childNodeArgs(mode),
    SERVER,
    ...(label === 'floor' ? ['floor'] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      MCP_AUTH_BENCH_SECRET: randomBytes(32).toString('base64url'),
      MCP_AUTH_BENCH_PACKAGES_ROOT: root,
      // No source `paths` (the root tsconfig maps @mcp-auth/* to THIS checkout's sources).
      TSX_TSCONFIG_PATH: DIST_TSCONFIG,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout! });
  const started = await new Promise<{ port: number; core: string } | undefined>((done) => {
    const timer = setTimeout(() => done(undefined), 60_000);
    lines.on('line', (line) => {
      const match = /^port=(\d+) core=(\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        done({ port: Number(match[1]), core: match[2]! });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      done(undefined);
    });
  });
  if (!started) {
    child.kill('SIGKILL');
    throw new Error(`http.preauth ${label}: server did not start: ${stderr.trim().slice(-600)}`);
  }
  const expected = `${pathToFileURL(resolve(root)).href}/packages/core/${mode === 'dist' ? 'dist' : 'src'}/`;
  if (label !== 'floor' && !started.core.startsWith(expected)) {
    child.kill('SIGKILL');
    throw new Error(
      `http.preauth ${label}: expected @mcp-auth/core under ${expected}, got ${started.core}`,
    );
  }
  return { label, child, port: started.port };
}

async function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `/__bench/cpu` or `/__bench/gc`, on a connection of its own (no keep-alive pool). */
function stats(
  server: Running,
  path: '/__bench/cpu' | '/__bench/gc' = '/__bench/cpu',
): Promise<Stats> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, agent: false, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200)
            fail(new Error(`${path} answered ${res.statusCode}: ${text}`));
          else done(JSON.parse(text) as Stats);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', fail);
    req.end();
  });
}

/** Waits (bounded) until the server holds no connection but the stats request itself. */
async function settle(server: Running, timeoutMs = 30_000): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stats(server);
    if (s.connections <= 1 || Date.now() > deadline) return s;
    await delay(50);
  }
}

function head(server: Running, declaredLength: number, close: boolean): string {
  return [
    `POST ${MCP_PATH} HTTP/1.1`,
    `Host: 127.0.0.1:${server.port}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    'MCP-Protocol-Version: 2025-11-25',
    `Content-Length: ${declaredLength}`,
    ...(close ? ['Connection: close'] : []),
    '',
    '',
  ].join('\r\n');
}

/** One upload on a raw socket; what the server answered (status line) and whether it was flushed. */
interface Upload {
  readonly socket: Socket;
  status: number | undefined;
  error: string | undefined;
  flushed: boolean;
  readonly closed: Promise<void>;
}

function upload(server: Running, body: Buffer, declaredLength: number, close: boolean): Upload {
  const socket = connect(server.port, '127.0.0.1');
  const state: Upload = {
    socket,
    status: undefined,
    error: undefined,
    flushed: false,
    // Not events.once(): it rejects on 'error' (EPIPE when the server closes early), which is an
    // outcome here, not a failure.
    closed: new Promise<void>((done) => socket.once('close', () => done())),
  };
  let first = '';
  socket.on('data', (chunk: Buffer) => {
    if (state.status !== undefined || first.length > 64) return;
    first += chunk.toString('latin1');
    const match = /^HTTP\/1\.1 (\d{3})/.exec(first);
    if (match) state.status = Number(match[1]);
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    state.error = error.code ?? error.message;
  });
  socket.write(head(server, declaredLength, close));
  socket.write(body, () => {
    state.flushed = true;
  });
  return state;
}

function tally(uploads: readonly Upload[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const u of uploads) {
    const key = u.status !== undefined ? String(u.status) : (u.error ?? 'no answer');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Sends `count` bodies one after the other (Connection: close); server CPU ms they cost. */
async function cpuOf(server: Running, count: number, body: Buffer) {
  const before = await settle(server);
  const started = performance.now();
  const uploads: Upload[] = [];
  for (let i = 0; i < count; i++) {
    const u = upload(server, body, body.length, true);
    uploads.push(u);
    const timer = setTimeout(() => u.socket.destroy(), 120_000);
    await u.closed;
    clearTimeout(timer);
  }
  const wallMs = performance.now() - started;
  const after = await settle(server);
  return { cpuMs: (cpuUs(after) - cpuUs(before)) / 1000, wallMs, answers: tally(uploads) };
}

function packagesOf({ label, root, mode }: Target): string {
  if (label === 'floor') return 'none (bare 401, Node + Express only)';
  return `${root === ROOT ? 'this checkout' : root} (${mode})`;
}

async function measureCpu(bench: Bench, target: Target) {
  const { label } = target;
  const server = await startServer(target);
  try {
    await cpuOf(server, 3, Buffer.from('[]')); // warm-up
    const tiny = await cpuOf(server, BIG_BODIES, Buffer.from('[]'));
    const big = await cpuOf(server, BIG_BODIES, NESTED);
    const name = `http.preauth.cpu.${label}`;
    const isNow = label === 'now';
    const hasBefore = bench.results.some((r) => r.name === 'http.preauth.cpu.before');
    const result = bench.record(
      name,
      (big.cpuMs * 1000) / BIG_BODIES,
      isNow && hasBefore
        ? { baseline: 'http.preauth.cpu.before', target: `ratio <= ${CPU_TARGET_RATIO}` }
        : {},
      {
        ...(isNow && hasBefore ? { ratio_note: 'CPU per 4 MiB body, now ÷ before' } : {}),
        server_cpu_ms_10_bodies: r1(big.cpuMs),
        server_cpu_ms_10_tiny: r1(tiny.cpuMs),
        wall_ms_10_bodies: Math.round(big.wallMs),
        answers: big.answers,
        answers_tiny: tiny.answers,
        packages: packagesOf(target),
        load_average: loadavg().map(r1),
      },
    );
    log(
      `  ${name.padEnd(26)} 10 × 4 MiB: ${r1(big.cpuMs)} ms CPU (${JSON.stringify(big.answers)}, ${Math.round(big.wallMs)} ms wall); 10 tiny: ${r1(tiny.cpuMs)} ms${result.ratio === null ? '' : `  ratio ${result.ratio}`}`,
    );
  } finally {
    await stopServer(server);
  }
}

interface Wave {
  /** Highest RSS sampled while the uploads were stalled. */
  peak: number;
  /** The figures when the stalled phase ended (before the connections closed). */
  stalled: Stats;
  /** After every connection closed and full GCs. */
  after: Stats;
  flushed: number;
  answers: Record<string, number>;
}

/** 100 stalled uploads, then closed; RSS sampled throughout. */
async function stallWave(server: Running): Promise<Wave> {
  const stall = NESTED.subarray(0, STALL_BYTES);
  const uploads = Array.from({ length: STALLED_CONNECTIONS }, () =>
    upload(server, stall, BODY_BYTES, false),
  );
  // Until every upload is in the kernel (or refused) and RSS has stayed put for 1 s; ≤ 60 s.
  let stalled = await stats(server);
  let peak = stalled.rss;
  let steadyRss = stalled.rss;
  let steadySince = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await delay(250);
    stalled = await stats(server);
    peak = Math.max(peak, stalled.rss);
    if (stalled.rss > steadyRss + MiB) {
      steadyRss = stalled.rss;
      steadySince = Date.now();
    }
    const sent = uploads.every((u) => u.flushed || u.socket.destroyed);
    if (sent && Date.now() - steadySince >= 1_000) break;
  }
  const flushed = uploads.filter((u) => u.flushed).length;
  const answers = tally(uploads);
  for (const u of uploads) u.socket.destroy();
  await Promise.all(uploads.map((u) => u.closed));
  await settle(server);
  // Full GCs a little apart (freed pages go back to the OS lazily); the last one counts.
  let after = await stats(server, '/__bench/gc');
  for (let i = 0; i < 3; i++) {
    await delay(300);
    after = await stats(server, '/__bench/gc');
  }
  return { peak, stalled, after, flushed, answers };
}

async function measureMemory(bench: Bench, target: Target) {
  const { label } = target;
  const server = await startServer(target);
  try {
    await cpuOf(server, 3, Buffer.from('[]')); // warm-up
    await settle(server);
    const start = await stats(server, '/__bench/gc');
    const first = await stallWave(server);
    // A second wave on the same server: whatever stays after the first must not add up.
    const second = await stallWave(server);
    const grew = mib(first.after.rss - start.rss);
    const name = `http.preauth.memory.${label}`;
    bench.record(
      name,
      (cpuUs(first.stalled) - cpuUs(start)) / STALLED_CONNECTIONS,
      { target: `rss_after_minus_start_mib <= ${MEMORY_SLACK_MIB}` },
      {
        median_us_note: 'server CPU µs per stalled upload (first wave)',
        rss_start_mib: mib(start.rss),
        rss_peak_mib: mib(first.peak),
        rss_after_mib: mib(first.after.rss),
        rss_after_minus_start_mib: grew,
        pass: grew <= MEMORY_SLACK_MIB,
        second_wave_rss_peak_mib: mib(second.peak),
        second_wave_rss_after_mib: mib(second.after.rss),
        heap_total_mib: [start, first.stalled, first.after, second.after].map((s) =>
          mib(s.heap_total),
        ),
        heap_used_mib: [start, first.stalled, first.after, second.after].map((s) =>
          mib(s.heap_used),
        ),
        external_mib: [start, first.stalled, first.after, second.after].map((s) => mib(s.external)),
        memory_columns: 'start, stalled (first wave), after first wave, after second wave',
        uploads_flushed: first.flushed,
        answers: first.answers,
        packages: packagesOf(target),
        load_average: loadavg().map(r1),
      },
    );
    log(
      `  ${name.padEnd(26)} RSS start ${mib(start.rss)} MiB, peak ${mib(first.peak)}, after close + GC ${mib(first.after.rss)} (${grew >= 0 ? '+' : ''}${grew}); second wave: peak ${mib(second.peak)}, after ${mib(second.after.rss)}; heap total ${mib(start.heap_total)} → ${mib(first.after.heap_total)} MiB; ${first.flushed}/${STALLED_CONNECTIONS} uploads flushed, answers ${JSON.stringify(first.answers)}`,
    );
  } finally {
    await stopServer(server);
  }
}

export default async function preauthBench(bench: Bench): Promise<void> {
  const beforeRoot = process.env['MCP_AUTH_BENCH_PREAUTH_BEFORE'];
  const wantsCpu = ['now', 'before', 'floor'].some((l) => bench.wants(`http.preauth.cpu.${l}`));
  const wantsMemory = ['now', 'before', 'floor'].some((l) =>
    bench.wants(`http.preauth.memory.${l}`),
  );
  if (!wantsCpu && !wantsMemory) return;
  ensureBuiltPackages(ROOT, log);
  const mode = packageMode();
  log(
    `# http.preauth: load average ${loadavg().map(r1).join(' ')}; before: ${beforeRoot ?? 'not run (set MCP_AUTH_BENCH_PREAUTH_BEFORE=<checkout of the old commit>)'}`,
  );
  const targets: Target[] = [
    ...(beforeRoot
      ? [{ label: 'before' as const, root: beforeRoot, mode: 'source' as const }]
      : []),
    { label: 'now', root: ROOT, mode },
    { label: 'floor', root: ROOT, mode },
  ];
  for (const target of targets) {
    // `before` is the baseline of `now`: it runs whenever a CPU case does.
    const wanted = bench.wants(`http.preauth.cpu.${target.label}`) || target.label === 'before';
    if (wantsCpu && wanted) await measureCpu(bench, target);
  }
  for (const target of targets) {
    if (bench.wants(`http.preauth.memory.${target.label}`)) await measureMemory(bench, target);
  }
}
