// The demo and its client script as real processes, started the way the README says.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDemo, TestClient } from './harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const JWT_LIKE = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/;

interface Running {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

function run(args: string[], env: Record<string, string>): Running {
  const child = spawn('pnpm', args, {
    cwd: ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    // Its own process group, so the whole tree (pnpm → tsx → node) is stopped by our pid.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        child.once('exit', () => setTimeout(check, 50));
        check();
      }),
  };
}

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
});

describe('demo as a process', () => {
  it('`pnpm --filter ./examples/demo start` with PORT=0: the first line is the URL to use, and it (and 127.0.0.1) works with the SDK client (issue 17 items 1, 6, 8)', async () => {
    const secret = randomBytes(32).toString('base64url');
    const demo = run(['--filter', './examples/demo', 'start'], { PORT: '0', JWT_SECRET: secret });
    await demo.waitFor(/Ctrl\+C stops/);
    const banner = demo.output();
    // pnpm's own header lines come first; the demo's first line is the URL clients must use.
    const lines = banner.split('\n');
    const first = lines.findIndex((line) => line.startsWith('mcp-auth demo'));
    const mcpUrl = /^mcp-auth demo: connect MCP clients to (http:\/\/localhost:\d+\/mcp)$/.exec(
      lines[first] ?? '',
    )?.[1];
    expect(mcpUrl, banner).toBeDefined();
    expect(mcpUrl).not.toMatch(/:0\//);
    const loopback = mcpUrl!.replace('localhost', '127.0.0.1');
    expect(lines[first + 1]).toContain(loopback);
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', mcpUrl));
    expect(response.status).toBe(200);
    const prm = (await response.json()) as Record<string, unknown>;
    expect(prm.resource).toBe(mcpUrl);
    expect(banner).toContain('HS256 with JWT_SECRET');
    expect(banner).toContain(`npx -y @modelcontextprotocol/inspector@2 --server-url ${mcpUrl}`);
    expect(banner).toContain('Node.js >= 22.19');
    expect(banner).toContain(`npx -y mcp-remote ${mcpUrl}`);
    expect(banner).toContain(`claude mcp add --transport http demo ${mcpUrl}`);
    // Commands that run with only Node.js and npm: no bare `pnpm` (issue 17 item 6).
    expect(banner).toContain(`npx -y pnpm@10.34.9 --filter ./examples/demo client ${mcpUrl}`);
    expect(banner).not.toMatch(/(^|\s)pnpm /m);
    expect(banner).not.toContain(secret);

    // The printed URL, and its 127.0.0.1 spelling, with the official SDK clients.
    for (const [url, kind] of [
      [mcpUrl!, 'v2'],
      [loopback, 'v1'],
    ] as const) {
      const client = new TestClient(url, { username: 'alice' }, undefined, kind);
      try {
        await client.connect();
        expect(await client.call('get_weather', { city: 'Lima' })).toMatchObject({
          isError: false,
        });
      } finally {
        await client.close();
      }
    }
  });

  it('refuses a JWT_SECRET under 32 bytes, naming the variable, never echoing it', async () => {
    const demo = run(['--filter', './examples/demo', 'start'], {
      PORT: '0',
      JWT_SECRET: 'too-short-secret',
    });
    const code = await demo.exited;
    expect(code).not.toBe(0);
    expect(demo.output()).toContain('JWT_SECRET must be at least 32 bytes');
    expect(demo.output()).not.toContain('too-short-secret');
  });

  it('the client script: prints the authorization URL, takes the loopback redirect, lists tools and calls get_weather', async () => {
    const { demo } = await startTestDemo();
    try {
      const client = run(['--filter', './examples/demo', 'client', demo.mcpUrl], {});
      const [url] = await client.waitFor(/http:\/\/localhost:\d+\/authorize\?\S+/);
      const result = await authorizeWithForms({
        fetch: (request) => fetch(request),
        authorizationUrl: url,
        username: 'carol',
        password: 'demo',
      });
      expect(result.code).toBeTruthy();
      // The browser's last step: follow the redirect to the script's loopback listener.
      const callback = await fetch(result.redirect);
      expect(callback.status).toBe(200);
      expect(await client.exited).toBe(0);
      const out = client.output();
      expect(out).toMatch(/Tools you may call: .*get_weather/);
      expect(out).toContain('get_weather → Weather in Lisbon');
      expect(out).toContain('"userId": "carol"');
      expect(out).not.toMatch(JWT_LIKE);
    } finally {
      await demo.close();
    }
  });
});
