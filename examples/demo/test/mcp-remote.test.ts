// The demo README's "connect" section with mcp-remote (0.15), as a user runs it: mcp-remote over
// stdio against the URL the banner prints (and its 127.0.0.1 spelling), its browser opened
// through `BROWSER` (xdg-open runs `$BROWSER <url>` when no desktop is detected) by a script
// that logs in and consents through the demo's real forms and follows the redirect to
// mcp-remote's loopback callback. Issue 17: the printed URL works; a step-up that can never
// succeed is answered inside MCP with no extra login; one that can succeed takes one.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../src/banner.js';
import { startTestDemo, type TestDemo } from './harness.js';
import type { ScriptedBrowserVisit } from './scripted-browser.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MCP_REMOTE = join(ROOT, 'node_modules/mcp-remote/dist/proxy.js');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const BROWSER_SCRIPT = fileURLToPath(new URL('./scripted-browser.ts', import.meta.url));
const JWT_LIKE = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/;

interface JsonRpcAnswer {
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

interface ToolAnswer {
  isError: boolean;
  text: string;
}

/** One mcp-remote process, spoken to in JSON lines on stdin/stdout. */
interface RemoteSession {
  request(method: string, params: Record<string, unknown>): Promise<JsonRpcAnswer>;
  notify(method: string): void;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolAnswer>;
  /** Every browser visit so far (the scripted browser's log). */
  visits(): ScriptedBrowserVisit[];
  /** mcp-remote's stderr, with anything token- or code-like masked (for failure messages). */
  stderr(): string;
  close(): Promise<void>;
}

let work: string;
let browser: string;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port')),
      );
    });
  });
}

const mask = (text: string) =>
  text
    .replace(new RegExp(JWT_LIKE.source, 'g'), '<jwt>')
    .replace(/([?&](?:code|state|code_challenge)=)[^&\s"]+/g, '$1…');

async function startRemote(
  mcpUrl: string,
  name: string,
  browserEnv: Record<string, string>,
): Promise<RemoteSession> {
  const dir = mkdtempSync(join(work, `${name}-`));
  const log = join(dir, 'visits.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BROWSER: browser,
    MCP_REMOTE_CONFIG_DIR: join(dir, 'mcp-remote'),
    SCRIPTED_BROWSER_LOG: log,
    ...browserEnv,
  };
  // No desktop: xdg-open falls back to $BROWSER, as on a headless machine.
  for (const key of [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'XDG_CURRENT_DESKTOP',
    'DBUS_SESSION_BUS_ADDRESS',
  ])
    delete env[key];
  const callbackPort = await freePort();
  const child = spawn(process.execPath, [MCP_REMOTE, mcpUrl, String(callbackPort)], {
    cwd: dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const waiting = new Map<number, (answer: JsonRpcAnswer) => void>();
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (!line) continue;
      const answer = JSON.parse(line) as JsonRpcAnswer;
      if (answer.id !== undefined) waiting.get(answer.id)?.(answer);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 1;
  const write = (message: Record<string, unknown>) =>
    child.stdin?.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<JsonRpcAnswer>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(
        () => reject(new Error(`${method}: no answer; mcp-remote said:\n${mask(err)}`)),
        15_000,
      );
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(answer);
      });
      void exited.then(() => reject(new Error(`mcp-remote exited:\n${mask(err)}`)));
      write({ id, method, params });
    });
  return {
    request,
    notify: (method) => write({ method }),
    async callTool(name, args) {
      const answer = await request('tools/call', { name, arguments: args });
      if (!answer.result) throw new Error(`tools/call ${name}: ${JSON.stringify(answer.error)}`);
      const content = (answer.result['content'] ?? []) as { type: string; text?: string }[];
      return {
        isError: answer.result['isError'] === true,
        text: content.map((c) => c.text ?? '').join('\n'),
      };
    },
    visits: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ScriptedBrowserVisit)
        : [],
    stderr: () => mask(err),
    async close() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** initialize + notifications/initialized, as an MCP host does first; returns the tool names. */
async function handshake(remote: RemoteSession): Promise<string[]> {
  const init = await remote.request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'mcp-remote-walk', version: '1.0.0' },
  });
  expect(init.error, remote.stderr()).toBeUndefined();
  expect(init.result?.['serverInfo']).toMatchObject({ name: 'mcp-auth-demo' });
  remote.notify('notifications/initialized');
  const list = await remote.request('tools/list', {});
  const tools = (list.result?.['tools'] ?? []) as { name: string }[];
  return tools.map((t) => t.name).sort();
}

let t: TestDemo;
let printedUrl: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'demo-mcp-remote-'));
  browser = join(work, 'browser.sh');
  writeFileSync(
    browser,
    `#!/bin/sh\nexec "${process.execPath}" --conditions=@mcp-auth/source --import "${TSX_LOADER}" "${BROWSER_SCRIPT}" "$@"\n`,
  );
  chmodSync(browser, 0o755);
  t = await startTestDemo();
  // The URL a user copies: the banner's first line.
  const first = formatBanner(t.demo).split('\n')[0] ?? '';
  printedUrl = /connect MCP clients to (\S+)$/.exec(first)?.[1] ?? '';
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

afterAll(async () => {
  await t?.demo.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')(
  'mcp-remote 0.15 over stdio (the demo README)',
  () => {
    it('alice at the URL the banner prints: one login, get_weather answers, send_email is refused inside MCP (scope_not_grantable) with no second login', async () => {
      expect(printedUrl).toBe(`http://localhost:${t.demo.port}/mcp`);
      const remote = await startRemote(printedUrl, 'alice', { SCRIPTED_BROWSER_USER: 'alice' });
      expect(await handshake(remote)).toEqual(['get_weather', 'oauth_introspect', 'whoami']);
      expect(await remote.callTool('get_weather', { city: 'Lisbon' })).toMatchObject({
        isError: false,
        text: expect.stringContaining('Weather in Lisbon'),
      });
      const ranBefore = [...t.ran];
      const mail = await remote.callTool('send_email', {
        to: 'a@example.com',
        subject: 's',
        body: 'b',
      });
      expect(mail.isError).toBe(true);
      expect(mail.text).toContain('Access denied (scope_not_grantable)');
      expect(mail.text).toContain('cannot be granted mcp:tools:write');
      expect(t.ran).toEqual(ranBefore);
      await remote.close();
      const visits = remote.visits();
      expect(visits, remote.stderr()).toHaveLength(1);
      expect(visits[0]).toMatchObject({
        user: 'alice',
        endpoint: `http://localhost:${t.demo.port}/authorize`,
        pages: ['login', 'consent'],
        outcome: 'code',
      });
      expect(t.logs.join('\n')).not.toMatch(JWT_LIKE);
    });

    it('carol at the 127.0.0.1 spelling: every tool listed, send_email runs', async () => {
      const url = `http://127.0.0.1:${t.demo.port}/mcp`;
      const remote = await startRemote(url, 'carol', { SCRIPTED_BROWSER_USER: 'carol' });
      expect(await handshake(remote)).toEqual([
        'delete_user',
        'get_weather',
        'oauth_introspect',
        'send_email',
        'whoami',
      ]);
      expect((await remote.callTool('get_weather', { city: 'Oslo' })).isError).toBe(false);
      const mail = await remote.callTool('send_email', {
        to: 'a@example.com',
        subject: 's',
        body: 'b',
      });
      expect(mail).toEqual({ isError: false, text: expect.stringContaining('from carol') });
      await remote.close();
      expect(remote.visits().map((v) => [v.endpoint, v.outcome])).toEqual([
        [`http://127.0.0.1:${t.demo.port}/authorize`, 'code'],
      ]);
    });

    it('bob unticks write at first: send_email gets the 403 step-up, mcp-remote re-authorizes once and the call runs', async () => {
      const remote = await startRemote(printedUrl, 'bob', {
        SCRIPTED_BROWSER_USER: 'bob',
        SCRIPTED_BROWSER_UNTICK_FIRST: 'mcp:tools:write',
      });
      expect(await handshake(remote)).toEqual(['get_weather', 'oauth_introspect', 'whoami']);
      const mail = await remote.callTool('send_email', {
        to: 'a@example.com',
        subject: 's',
        body: 'b',
      });
      expect(mail, remote.stderr()).toEqual({
        isError: false,
        text: expect.stringContaining('from bob'),
      });
      await remote.close();
      const visits = remote.visits();
      expect(visits.map((v) => v.outcome)).toEqual(['code', 'code']);
      // The step-up asks for what the call needs (plus what bob holds), not every scope again.
      expect(visits[1]?.scope?.split(' ').sort()).toEqual(['mcp:tools:read', 'mcp:tools:write']);
    });
  },
);
