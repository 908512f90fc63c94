import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '@mcp-auth/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/doctor/types.js';
import { runCli } from './helpers.js';

// "doctor passes on every example of this repo": each example is started as its users start
// it (its own process, a free port) and checked, with a token minted by `mcp-auth token mint`.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// Every example whose `start` script runs a `src/*.ts` entry that exists. multi-service is
// three processes sharing Redis (no single MCP endpoint); its own test runs it end to end.
const NOT_A_SINGLE_SERVER = new Set(['multi-service']);
const examples = (existsSync(join(root, 'examples')) ? readdirSync(join(root, 'examples')) : [])
  .filter((name) => !NOT_A_SINGLE_SERVER.has(name))
  .map((name) => {
    const pkg = join(root, 'examples', name, 'package.json');
    if (!existsSync(pkg)) return undefined;
    const start = (JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: { start?: string } })
      .scripts?.start;
    const file = start === undefined ? undefined : /(src\/\S+\.ts)/.exec(start)?.[1];
    const entry = file === undefined ? undefined : join(root, 'examples', name, file);
    return entry !== undefined && existsSync(entry) ? { name, entry } : undefined;
  })
  .filter((e) => e !== undefined);

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

async function startExample(entry: string, env: Record<string, string>): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--conditions=@mcp-auth/source', '--import', 'tsx', entry],
    {
      cwd: dirname(dirname(entry)),
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('the example did not print its MCP endpoint in 30 s')),
      30_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /MCP endpoint:?\s+(https?:\/\/[^\s)]+)/.exec(out)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited with ${code}`));
    });
  });
}

describe.skipIf(examples.length === 0)('doctor against the repo examples', () => {
  it.each(examples)(
    '$name: no check fails',
    async ({ name, entry }) => {
      const secret = generateSecret();
      // The examples read their secret from one of these; a token minted with it is then valid.
      const url = await startExample(entry, { JWT_SECRET: secret, MCP_AUTH_SECRET: secret });
      const origin = new URL(url).origin;
      const minted = await runCli(
        [
          'token',
          'mint',
          '--sub',
          'alice',
          '--scopes',
          'mcp:tools:read',
          '--aud',
          url,
          '--iss',
          origin,
        ],
        { env: { JWT_SECRET: secret } },
      );
      expect(minted.code).toBe(0);
      const r = await runCli(['doctor', url, '--json', '--token-env', 'T'], {
        env: { T: minted.stdout.trim() },
      });
      const report = JSON.parse(r.stdout) as DoctorReport;
      expect(
        report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.detail}`),
      ).toEqual([]);
      if (name === 'demo') {
        expect(report.checks.find((c) => c.id === 'token-valid-accepted')?.status).toBe('pass');
      }
      expect(r.code).toBe(0);
    },
    60_000,
  );
});
