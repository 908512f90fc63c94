// Real processes for end-to-end tests: free ports, test-owned `redis-server`s that can be
// paused, killed and restarted, and tracking so that `stopAll()` leaves nothing running.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const children = new Set<ChildProcess>();

/** A free loopback port (bound to 0 and read back). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Tracks a child so that {@link stopAll} stops it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child: `signal`, then SIGKILL after 5 s. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  child.kill(signal);
  await exited(child);
  clearTimeout(timer);
}

/** Stops every process this harness started. */
export async function stopAll(): Promise<void> {
  for (const child of children) child.kill('SIGCONT'); // a paused redis-server cannot exit
  await Promise.all([...children].map((child) => stop(child)));
}

/** Polls `check` until it resolves true. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A test-owned `redis-server` (no persistence) that can be stopped, paused and restarted. */
export class TestRedis {
  #child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on the same port again (empty: nothing was saved). */
  async restart(): Promise<void> {
    const child = track(
      spawn(
        'redis-server',
        ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      ),
    );
    this.#child = child;
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error('redis-server exited');
      return (await ping(this.port)) === '+PONG';
    }, `redis-server on ${this.port}`);
  }

  /** Kills it (connections refused from now on). */
  async stop(): Promise<void> {
    if (this.#child) await stop(this.#child);
    this.#child = undefined;
  }

  /** Freezes it (SIGSTOP): connections stay open, commands go unanswered. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }
}

// One PING over a raw socket: no client library state to reset between restarts.
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString('utf8').trim());
      socket.end();
    });
  });
}
