import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli.js';
import { colorsEnabled } from '../src/io.js';
import { runCli } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const version = (
  JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }
).version;

describe('command line', () => {
  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`mcp-auth ${c.path.join(' ')}`);
  });

  it.each(COMMANDS.map((c) => [c.path.join(' '), c.path] as const))(
    '"%s --help" prints its usage',
    async (_n, path) => {
      const r = await runCli([...path, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mcp-auth ${path.join(' ')}`));
      const viaHelp = await runCli(['help', ...path]);
      expect(viaHelp.stdout).toBe(r.stdout);
    },
  );

  it('group help, unknown commands and options are usage errors (exit 2)', async () => {
    const group = await runCli(['token', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('mcp-auth token mint');
    expect((await runCli(['token'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    const badOpt = await runCli(['keys', 'generate', '--nope']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toContain('--nope');
  });

  it('a stray positional argument is never echoed (it may be a token)', async () => {
    const secretish = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl';
    const r = await runCli(['keys', 'generate', secretish]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain(secretish);
  });

  it('colors only on a TTY and never with NO_COLOR (no-color.org)', async () => {
    expect(colorsEnabled(true, {})).toBe(true);
    expect(colorsEnabled(false, {})).toBe(false);
    expect(colorsEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorsEnabled(true, { TERM: 'dumb' })).toBe(false);
    const file = join(root, 'packages', 'cli', 'test', 'fixtures', 'open-policy.json');
    const tty = await runCli(['policy', 'lint', file], { tty: true });
    expect(tty.stdout).toContain('\u001b[31m');
    const noColor = await runCli(['policy', 'lint', file], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
    expect(noColor.stdout).toContain('allow-everything');
  });
});

describe('the real bin', () => {
  it('runs through node + tsx and exits with the command exit code', async () => {
    const run = promisify(execFile);
    const args = [
      '--conditions=@mcp-auth/source',
      '--import',
      'tsx',
      join(root, 'packages/cli/src/bin.ts'),
    ];
    const ok = await run(process.execPath, [...args, '--version'], { cwd: root });
    expect(ok.stdout.trim()).toBe(version);
    const keys = await run(
      process.execPath,
      [...args, 'keys', 'generate', '--alg', 'EdDSA', '--json'],
      { cwd: root },
    );
    expect(JSON.parse(keys.stdout).alg).toBe('EdDSA');
    const failed = await run(
      process.execPath,
      [...args, 'policy', 'lint', join(here, 'fixtures', 'open-policy.json')],
      {
        cwd: root,
      },
    ).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('allow-everything');
  }, 60_000);
});
