/**
 * Which `@mcp-auth/*` code the HTTP benchmark's server children run.
 *
 * By default they load the **built** packages (`dist/`, through the packages' ordinary `node` /
 * `default` export conditions), as users of the published packages do: the children run with
 * plain `node --import tsx` and a tsconfig without the root's source `paths`, so tsx compiles only
 * the bench server files themselves. The bench
 * builds what the servers import first (`turbo run build`, cached by turbo: a no-op when `dist/`
 * is up to date, ~30 s after a source change).
 *
 * `MCP_AUTH_BENCH_FROM_SOURCE=1` runs the children on the TypeScript sources instead
 * (`--conditions=@mcp-auth/source`, compiled by tsx on the fly, with its `__name()` wrappers),
 * without building. `MCP_AUTH_BENCH_NO_BUILD=1` skips the build and runs `dist/` as it is (for
 * repeated runs: on a shared tree, others' source edits would rebuild it every time).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `dist` (the default) or `source` (`MCP_AUTH_BENCH_FROM_SOURCE=1`). */
export type PackageMode = 'dist' | 'source';

export function packageMode(): PackageMode {
  return process.env['MCP_AUTH_BENCH_FROM_SOURCE'] === '1' ? 'source' : 'dist';
}

/** The Node arguments a server child starts with, before `--cpu-prof` and the script. */
export function childNodeArgs(mode: PackageMode): string[] {
  // Extra V8/Node flags for every server child (`--single-threaded-gc`, say), which NODE_OPTIONS
  // does not allow.
  const extra = (process.env['MCP_AUTH_BENCH_HTTP_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  return mode === 'source'
    ? [...extra, '--conditions=@mcp-auth/source', '--import', 'tsx']
    : [...extra, '--import', 'tsx'];
}

/**
 * Environment a server child needs on top of the bench's. tsx honours the root tsconfig's
 * `paths`, which map `@mcp-auth/*` to the sources; in dist mode the children get a tsconfig
 * without them (bench/http/tsconfig.dist.json), so the packages resolve through their
 * `package.json` exports like any dependency.
 */
export function childEnv(mode: PackageMode): Record<string, string> {
  if (mode === 'source') return {};
  return {
    TSX_TSCONFIG_PATH: fileURLToPath(new URL('./tsconfig.dist.json', import.meta.url)),
  };
}

/** The packages the server children import (turbo adds their workspace dependencies). */
const SERVER_PACKAGES = ['@mcp-auth/express', '@mcp-auth/sdk', '@mcp-auth/redis'];

/**
 * Builds the packages the server children import, unless running from source. Turbo's cache
 * makes this a no-op when nothing changed. Throws with turbo's output when the build fails.
 */
export function ensureBuiltPackages(root: string, log: (message: string) => void): void {
  if (packageMode() === 'source') return;
  if (process.env['MCP_AUTH_BENCH_NO_BUILD'] === '1') {
    // Repeated runs on a shared machine: dist/ as the last build left it.
    log('# http: packages from dist/ as built (MCP_AUTH_BENCH_NO_BUILD=1, no turbo build)');
    return;
  }
  const started = performance.now();
  const result = spawnSync(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      ...SERVER_PACKAGES.map((name) => `--filter=${name}`),
      '--output-logs=errors-only',
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    throw new Error(
      `bench http: building the packages failed (set MCP_AUTH_BENCH_FROM_SOURCE=1 to run from source):\n${`${result.stdout}\n${result.stderr}`.trim().slice(-4000)}`,
    );
  }
  const cached = /Cached:\s+(\d+) cached, (\d+) total/.exec(result.stdout);
  log(
    `# http: packages from dist/ (turbo build: ${cached ? `${cached[1]}/${cached[2]} cached, ` : ''}${Math.round(performance.now() - started)} ms)`,
  );
}
