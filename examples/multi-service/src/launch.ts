// Spawns the three processes of the example: the authorization server and two resource servers.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Ports and Redis settings handed to every process. */
export interface LaunchOptions {
  asPort: number;
  notesPort: number;
  tasksPort: number;
  redisUrl?: string;
  keyPrefix?: string;
  /** Where the processes' output goes. Default: this process's stdout/stderr. */
  stdio?: 'inherit' | 'pipe';
}

/** The running processes. */
export interface Launched {
  readonly origin: string;
  readonly notesUrl: string;
  readonly tasksUrl: string;
  readonly children: readonly ChildProcess[];
  /** What the processes printed (with `stdio: 'pipe'`). */
  output(): string;
  /** Resolves once the three processes answer HTTP. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the three processes (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export function launch(options: LaunchOptions): Launched {
  const env = {
    ...process.env,
    AS_PORT: String(options.asPort),
    NOTES_PORT: String(options.notesPort),
    TASKS_PORT: String(options.tasksPort),
    ...(options.redisUrl ? { MCP_AUTH_REDIS_URL: options.redisUrl } : {}),
    ...(options.keyPrefix ? { MCP_AUTH_REDIS_PREFIX: options.keyPrefix } : {}),
  };
  const run = (file: string, extra: Record<string, string> = {}) =>
    spawn(process.execPath, ['--conditions=@mcp-auth/source', '--import', 'tsx', here(file)], {
      cwd: here('..'),
      env: { ...env, ...extra },
      stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
    });
  const children = [
    run('./auth-server.ts'),
    run('./resource-server.ts', { SERVICE: 'notes' }),
    run('./resource-server.ts', { SERVICE: 'tasks' }),
  ];
  let output = '';
  for (const child of children) {
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  }
  const origin = `http://127.0.0.1:${options.asPort}`;
  const notesUrl = `http://127.0.0.1:${options.notesPort}`;
  const tasksUrl = `http://127.0.0.1:${options.tasksPort}`;
  const probes = [
    `${origin}/.well-known/oauth-authorization-server`,
    `${notesUrl}/.well-known/oauth-protected-resource/mcp`,
    `${tasksUrl}/.well-known/oauth-protected-resource/mcp`,
  ];
  return {
    origin,
    notesUrl,
    tasksUrl,
    children,
    output: () => output,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (const probe of probes) {
        for (;;) {
          const exited = children.find((c) => c.exitCode !== null);
          if (exited) throw new Error(`a process of the example exited (${exited.exitCode})`);
          const ok = await fetch(probe).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) break;
          if (Date.now() > deadline) throw new Error(`not ready: ${probe}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
