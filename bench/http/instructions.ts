/**
 * Instructions per request of one HTTP benchmark server, counted by valgrind's callgrind: a
 * figure that does not move with the machine's load, where the timed `http.toolscall.*` runs
 * on a shared two-core box swing by more than the 5 % the targets allow (bench/README.md).
 *
 * ```sh
 * node --conditions=@mcp-auth/source --import tsx bench/http/instructions.ts v2-mcp-auth.ts
 * ```
 *
 * Arguments: the server script in bench/http (with `:arg` for its arguments, as in
 * `edge.ts:mcp-auth`), then the warm-up and measured request counts (default 8000 and 4000:
 * after 2,000 requests V8 was still optimizing, ~10 % of every counted request's instructions).
 * The server runs under `valgrind --tool=callgrind` with `--single-threaded` (V8's compiler and
 * garbage collector work on the main thread, so every instruction is counted, and in the same
 * order every run), instrumentation off during the warm-up; Node's own HTTP client then sends
 * the measured requests over 8 keep-alive connections, each request in one write as autocannon
 * sends it. Prints instructions per request and the callgrind file (`callgrind_annotate` on it
 * shows where they went). Needs `valgrind`; takes a few minutes per server.
 *
 * Environment: MCP_AUTH_BENCH_LAYOUT (v1 servers; default `stateless`, one request needs no
 * session), MCP_AUTH_BENCH_NODE_FLAGS (replaces `--single-threaded`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MCP_PATH } from './common.js';
import { v2ToolCallBody, v2ToolCallHeaders } from './common-v2.js';
import { mintAccessToken } from './mint.js';
import { childEnv, childNodeArgs, packageMode } from './packages.js';

const CONNECTIONS = 8;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const [target, warmArg = '8000', countArg = '4000'] = process.argv.slice(2);
if (target === undefined) {
  console.error('usage: instructions.ts <server script in bench/http>[:arg] [warm-up] [requests]');
  process.exit(2);
}
const [script, ...scriptArgs] = target.split(':') as [string, ...string[]];
const warmUp = Number(warmArg);
const measured = Number(countArg);
const v2 = script.startsWith('v2-');
const anonymous = script.includes('unprotected') || scriptArgs.includes('none');

const secret = randomBytes(32).toString('base64url');
const token = await mintAccessToken(secret);
const out = `/tmp/mcp-auth-instructions.${process.pid}.${script.replace(/\W/g, '_')}`;
const mode = packageMode();
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--smc-check=all-non-file',
    '--instr-atstart=no',
    `--callgrind-out-file=${out}`,
    process.execPath,
    ...(process.env['MCP_AUTH_BENCH_NODE_FLAGS'] ?? '--single-threaded').split(' ').filter(Boolean),
    ...childNodeArgs(mode),
    `bench/http/${script}`,
    ...scriptArgs,
  ],
  {
    cwd: ROOT,
    env: {
      ...process.env,
      MCP_AUTH_BENCH_SECRET: secret,
      MCP_AUTH_BENCH_LAYOUT: process.env['MCP_AUTH_BENCH_LAYOUT'] ?? 'stateless',
      ...childEnv(mode),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let stderr = '';
child.stderr!.on('data', (chunk: Buffer) => {
  stderr = (stderr + chunk.toString()).slice(-4000);
});
const port = await new Promise<number>((resolve, reject) => {
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /^port=(\d+)/.exec(line);
    if (match) resolve(Number(match[1]));
  });
  child.once('exit', () => reject(new Error(`the server did not start:\n${stderr}`)));
});

const headers: Record<string, string> = v2
  ? v2ToolCallHeaders()
  : {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    };
if (!anonymous) headers['authorization'] = `Bearer ${token}`;
const body = v2
  ? v2ToolCallBody(1)
  : JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_weather', arguments: { city: 'Paris' } },
    });
headers['content-length'] = String(Buffer.byteLength(body));
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function call(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path: MCP_PATH, method: 'POST', agent, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          if (response.statusCode === 200 && text.includes('Sunny in Paris')) resolve();
          else reject(new Error(`the call answered ${response.statusCode}, not the tool result`));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function calls(count: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (sent++ < count) await call();
    }),
  );
}

try {
  await calls(warmUp);
  execFileSync('callgrind_control', ['--instr=on', String(child.pid)], { stdio: 'ignore' });
  await calls(measured);
  execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' });
} finally {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
const file = `${out}.1`;
const totals = /^summary:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
if (totals === null) throw new Error(`no summary in ${file}`);
const perRequest = Math.round(Number(totals[1]) / measured);
console.log(`${target}: ${perRequest} instructions per request (${measured} requests) — ${file}`);
const split = splitByCategory(readFileSync(file, 'utf8'));
const per = (n: number) => Math.round(n / measured).toLocaleString('en-US');
console.log(
  `  garbage collector ${per(split.minorGc + split.majorGc)} (minor ${per(split.minorGc)}, ` +
    `major ${per(split.majorGc)}), compiler ${per(split.compiler)}, the rest ${per(split.rest)}`,
);

/**
 * The self cost of every function in a callgrind file, by what it belongs to: V8's minor
 * (scavenge) and major garbage collection, V8's compilers, and the rest (the JavaScript, V8's
 * runtime, Node). The minor collector's share is steady from run to run; the major one's moves by
 * tens of thousands of instructions per request with where its collections fall, so compare
 * builds by the rest and the minor share.
 */
function splitByCategory(text: string) {
  const gc =
    /Scaveng|Marking|MarkCompact|Sweeper|Evacuat|Pretenuring|IteratePointers|IterateMaybeWeak|BodyDescriptor|Heap::|MemoryChunk|LiveObject|ShouldBePromoted|ConcurrentMarking|RememberedSet|SlotSet|TypedSlot|HeapObject::SizeFromMap|CollectGarbage|GCTracer|MarkingBarrier|WeakObjects|Compactor|ObjectStats|SemiSpace|PagedSpace|FreeList|OldGenerationMemory|EmbedderStack|UnifiedHeap|StringForwarding|Invalidated|EphemeronHashTable|ClearNonLive|RecordMigratedSlot|UpdateTypedSlot|PointersUpdating|PageMarkingItem|MinorMC|ScavengerCollector|GlobalHandles|AllocationSite|ArrayBufferSweeper|ExternalStringTable|MainMarkingVisitor|Iterate.*Visitor/;
  const minor =
    /Scaveng|Evacuat|Pretenuring|OnMoveEvent|ShouldBePromoted|SemiSpace|IterateAndScavenge|AllocateInNewSpace/;
  const compiler =
    /compiler::|Compiler|Sparkplug|baseline::|interpreter::|Maglev|Zone::|BytecodeGenerator|Parser|Scanner|AstNode|turboshaft/;
  const names = new Map<string, string>();
  const split = { minorGc: 0, majorGc: 0, compiler: 0, rest: 0 };
  let kind: keyof typeof split = 'rest';
  let inCall = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) {
      const match = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
      const name = match ? (match[2] ?? names.get(match[1]!) ?? '') : line.slice(3);
      if (match?.[2] !== undefined) names.set(match[1]!, match[2]);
      kind = gc.test(name)
        ? minor.test(name)
          ? 'minorGc'
          : 'majorGc'
        : compiler.test(name)
          ? 'compiler'
          : 'rest';
    } else if (line.startsWith('cfn=')) {
      // A callee's name may be given here first and referred to by number in a later `fn=`.
      const match = /^cfn=\((\d+)\) (.*)$/.exec(line);
      if (match) names.set(match[1]!, match[2]!);
    } else if (line.startsWith('calls=')) {
      inCall = true;
    } else if (/^[\d+*-]/.test(line)) {
      // The line after `calls=` is the callee's inclusive cost, not this function's own.
      if (!inCall) split[kind] += Number(line.split(' ')[1] ?? 0);
      inCall = false;
    }
  }
  return split;
}
