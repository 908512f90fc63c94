/**
 * Summarizes V8 `.cpuprofile` files written by the HTTP bench's server children
 * (`MCP_AUTH_BENCH_HTTP_PROFILE=<dir> pnpm bench http`):
 *
 *   node --import tsx bench/http/profile-summary.ts <dir or files…> [--top 25] [--focus REGEX]
 *
 * For each profile: self time per area (mcp-auth packages, MCP SDK, Express and its
 * dependencies, zod, hono's Node adapter, Node internals, GC, idle) and the top functions by
 * self time. With `--focus REGEX`, also the inclusive time of the frames whose
 * `function (file)` matches, counted once per sample; with `--exclude REGEX` too, a sample counts
 * only if, walking up from its leaf, a focus frame comes before an excluded one (to leave out
 * what a middleware runs synchronously through `next()`). A directory argument stands for its largest
 * profile (the main thread; the tsx loader thread writes a smaller one) or, for a directory of
 * directories, for that of each one. Idle time (`(idle)`) is excluded from the
 * percentages: they are shares of the busy time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const AREAS: readonly [string, RegExp][] = [
  ['mcp-auth core', /packages\/core\/(src|dist)\//],
  ['mcp-auth express', /packages\/express\/(src|dist)\//],
  ['mcp-auth sdk', /packages\/sdk\/(src|dist)\//],
  ['mcp-auth redis', /packages\/redis\/(src|dist)\//],
  ['ioredis', /node_modules\/.*(ioredis|redis-parser|denque|cluster-key-slot)/],
  ['jose', /node_modules\/.*jose\//],
  ['MCP SDK', /@modelcontextprotocol\/sdk\//],
  ['zod', /node_modules\/.*zod/],
  ['hono node adapter', /@hono\/node-server/],
  [
    'express + deps',
    /node_modules\/.*(express|router|body-parser|raw-body|type-is|mime|content-type|on-finished|finalhandler|send|qs|iconv|depd|debug|cookie|etag|fresh|vary|parseurl|path-to-regexp|accepts|negotiator|statuses|http-errors|setprototypeof|media-typer|bytes|unpipe|destroy|ee-first|encodeurl|escape-html|merge-descriptors|proxy-addr|forwarded|ipaddr|range-parser|serve-static|utils-merge|safe-buffer|inherits|call-bind|get-intrinsic|side-channel|object-inspect|es-|function-bind|has-symbols|hasown|gopd|dunder-proto|math-intrinsics|once|wrappy|is-promise|router)/,
  ],
  ['bench server', /bench\/http\//],
  ['other node_modules', /node_modules\//],
  ['node internals', /^node:|^internal\//],
];

function areaOf(frame: CallFrame): string {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program (native, unattributed)';
  if (frame.url === '') return 'native / builtins';
  for (const [area, pattern] of AREAS) if (pattern.test(frame.url)) return area;
  return 'other';
}

function label(frame: CallFrame): string {
  const file = frame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '');
  const short = file.replace(/^\/work\/main\//, '');
  return `${frame.functionName || '(anonymous)'} (${short ? `${short}:${frame.lineNumber + 1}` : 'native'})`;
}

function summarize(
  path: string,
  top: number,
  focus: RegExp | undefined,
  exclude: RegExp | undefined,
): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let focused = 0;
  const focusedFunctions = new Map<string, number>();
  for (const [id, time] of self) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    if (area === 'idle') continue;
    busy += time;
    areas.set(area, (areas.get(area) ?? 0) + time);
    const key = label(frame);
    functions.set(key, (functions.get(key) ?? 0) + time);
    if (focus) {
      // Inclusive: walking up from the leaf, the first frame that matches `focus` or `exclude`
      // decides whether the sample counts (so work a middleware calls synchronously through
      // `next()` is left out when `exclude` names the downstream frames).
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const name = label(byId.get(cur)!.callFrame);
        if (focus.test(name)) {
          focused += time;
          const leaf = label(frame);
          focusedFunctions.set(leaf, (focusedFunctions.get(leaf) ?? 0) + time);
          break;
        }
        if (exclude?.test(name)) break;
      }
    }
  }
  const requests = requestsServed(path);
  const pct = (t: number) =>
    `${((100 * t) / busy).toFixed(1).padStart(5)}%${requests ? ` ${(t / requests).toFixed(1).padStart(6)} µs/req` : ''}`;
  console.log(
    `\n## ${path.split('/').slice(-2).join('/')}  (busy ${(busy / 1e6).toFixed(2)} s${requests ? `, ${requests} requests, start-up included` : ''})`,
  );
  console.log('self time by area:');
  for (const [area, time] of [...areas].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${pct(time)}  ${area}`);
  }
  console.log(`top ${top} functions by self time:`);
  for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${pct(time)}  ${name}`);
  }
  if (focus) {
    const but = exclude ? ` (not under ${exclude})` : '';
    console.log(`inclusive time of frames matching ${focus}${but}: ${pct(focused)}`);
    console.log(`  top ${top} functions by self time there:`);
    for (const [name, time] of [...focusedFunctions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`    ${pct(time)}  ${name}`);
    }
  }
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const focusIndex = args.indexOf('--focus');
const focus = focusIndex >= 0 ? new RegExp(args[focusIndex + 1]!) : undefined;
const excludeIndex = args.indexOf('--exclude');
const exclude = excludeIndex >= 0 ? new RegExp(args[excludeIndex + 1]!) : undefined;
const paths = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
/** The `requests.txt` the bench writes beside a profile (requests the server answered). */
function requestsServed(profile: string): number | undefined {
  try {
    const n = Number(readFileSync(join(dirname(profile), 'requests.txt'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A file as is; a directory: its largest profile (the main thread), or that of each subdirectory. */
function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const entries = readdirSync(path).sort();
  const files = entries.filter((f) => f.endsWith('.cpuprofile')).map((f) => join(path, f));
  if (files.length > 0) {
    return [files.reduce((a, b) => (statSync(b).size > statSync(a).size ? b : a))];
  }
  return entries
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isDirectory())
    .flatMap(profilesIn);
}

for (const path of paths) {
  for (const file of profilesIn(path)) summarize(file, top, focus, exclude);
}
