// Issue 17: every command the documentation shows runs as written on a machine with Node.js 20+
// and npm only. The commands are extracted from README.md, CONTRIBUTING.md, docs/*.md,
// bench/README.md, packages/*/README.md and examples/*/README.md (test/docs/doc-commands.ts):
// - `mcp-auth …`: the command exists and takes every option shown (checked against its
//   `--help`), `--help` of each runs, documented `keys generate` calls run, and the repository
//   spelling `pnpm -s mcp-auth` runs the CLI from source with no build, from any directory;
// - `pnpm …` / `npx -y pnpm@V …`: the script, filtered package script or binary exists, V is
//   the repository's pnpm, and a file showing a bare `pnpm` says once how to run it without a
//   global pnpm;
// - `npm install @mcp-auth/x`: a publishable workspace package; `npx @mcp-auth/…`: refused
//   (not on the registry yet).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../packages/cli/src/cli.js';
import { runCli } from '../../packages/cli/test/helpers.js';
import { type DocCommand, documentationFiles, extractCommands } from './doc-commands.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  packageManager: string;
  scripts: Record<string, string>;
};
const pnpmVersion = rootPkg.packageManager.replace(/^pnpm@/, '');
const files = documentationFiles(root);
const texts = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));
const commands = files.flatMap((f) => extractCommands(f, texts.get(f) ?? ''));
const where = (c: DocCommand) => `${c.file}:${c.line}: \`${c.text}\``;

interface PackageJson {
  name?: string;
  private?: boolean;
  scripts?: Record<string, string>;
}
function readPackage(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}
const workspaceDirs = ['packages', 'examples'].flatMap((d) =>
  readdirSync(join(root, d)).map((n) => join(root, d, n)),
);
const packageDirByName = new Map(
  workspaceDirs.flatMap((dir) => {
    const name = readPackage(dir)?.name;
    return name === undefined ? [] : [[name, dir] as const];
  }),
);

const PNPM_BUILTINS = new Set(['install', 'i', 'add', 'approve-builds', 'why', 'store', 'list']);

/** Why a `pnpm` command line (without `pnpm`) would not run in this repository, if it would not. */
function pnpmProblem(args: readonly string[]): string | undefined {
  let dir = root;
  let i = 0;
  for (; i < args.length && (args[i] ?? '').startsWith('-'); i++) {
    const a = args[i] as string;
    if (a === '--filter' || a === '-F' || a.startsWith('--filter=')) {
      const selector = a.startsWith('--filter=') ? a.slice(9) : (args[++i] ?? '');
      const target = selector.startsWith('.')
        ? resolve(root, selector)
        : packageDirByName.get(selector);
      if (target === undefined || readPackage(target) === undefined) {
        return `--filter ${selector} selects no workspace package`;
      }
      dir = target;
    } else if (!['-s', '--silent', '-w', '--workspace-root'].includes(a)) {
      return `pnpm option ${a} is not one this test knows; add it to the test if it is right`;
    }
  }
  const command = args[i];
  if (command === undefined) return 'no pnpm command';
  if (command === '…' || command.startsWith('<')) return undefined; // `pnpm …`: a placeholder
  if (PNPM_BUILTINS.has(command)) return undefined;
  if (command === 'exec') {
    const bin = args[i + 1] ?? '';
    const found = [dir, root].some((d) => existsSync(join(d, 'node_modules', '.bin', bin)));
    return found ? undefined : `pnpm exec ${bin}: no such binary in node_modules/.bin`;
  }
  const script = command === 'run' ? (args[i + 1] ?? '') : command;
  const pkg = readPackage(dir);
  return pkg?.scripts?.[script] !== undefined
    ? undefined
    : `no script "${script}" in ${dir === root ? '' : `${dir.slice(root.length)}/`}package.json`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The CLI command a documented `mcp-auth` line selects, and why it would not run, if not. */
function cliCommand(args: readonly string[]): {
  path: readonly string[];
  problem?: string;
} {
  const words = args[0] === 'help' ? args.slice(1) : args;
  const first = words[0];
  const placeholder = first === '…' || first?.startsWith('<') === true; // `mcp-auth help <command>`
  if (first === undefined || placeholder || ['--help', '-h', '--version', '-v'].includes(first)) {
    return { path: [] };
  }
  const command =
    COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first) ??
    COMMANDS.find((c) => c.path[0] === first && c.path[1] === words[1]);
  if (command === undefined) {
    const isGroup = COMMANDS.some((c) => c.path[0] === first);
    // `mcp-auth policy check` / `lint` and table cells name a group alone: that is fine.
    return isGroup && words.length === 1
      ? { path: [first] }
      : { path: [], problem: `"mcp-auth ${words.slice(0, 2).join(' ')}" is not a command` };
  }
  for (const word of words.slice(command.path.length)) {
    if (!word.startsWith('--')) continue;
    const flag = word.split('=')[0] as string;
    if (flag === '--help') continue;
    if (!new RegExp(`(?<![\\w-])${escapeRegExp(flag)}(?![\\w-])`).test(command.help)) {
      return {
        path: command.path,
        problem: `mcp-auth ${command.path.join(' ')} has no option ${flag}`,
      };
    }
  }
  return { path: command.path };
}

describe('documented commands (issue 17)', () => {
  const cli = commands.filter((c) => c.words[0] === 'mcp-auth');
  const pnpm = commands.filter((c) => c.words[0] === 'pnpm');
  const npxPnpm = commands.filter(
    (c) => c.words[0] === 'npx' && c.words.some((w) => w.startsWith('pnpm@')),
  );

  it('finds the commands the docs show (the extractor still works)', () => {
    expect(cli.length).toBeGreaterThan(15);
    expect(pnpm.length + npxPnpm.length).toBeGreaterThan(20);
    expect(cli.map((c) => c.words.slice(1, 3).join(' '))).toEqual(
      expect.arrayContaining([
        'keys generate',
        'token mint',
        'policy lint',
        'doctor http://localhost:3000/mcp',
      ]),
    );
  });

  it('every `mcp-auth …` names a real command and only options it takes', () => {
    const problems = cli.flatMap((c) => {
      const { problem } = cliCommand(c.words.slice(1));
      return problem === undefined ? [] : [`${where(c)}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it('`--help` of every documented command runs', async () => {
    const paths = new Set(cli.map((c) => cliCommand(c.words.slice(1)).path.join(' ')));
    for (const path of paths) {
      const argv = path === '' ? ['--help'] : [...path.split(' '), '--help'];
      const result = await runCli(argv);
      expect({ path, code: result.code }).toEqual({ path, code: 0 });
      expect(result.stdout).toContain('mcp-auth');
    }
  });

  it('the documented `mcp-auth keys generate` calls run as written', async () => {
    const calls = cli.filter(
      (c) => c.words[1] === 'keys' && c.words[2] === 'generate' && !c.words.includes('--out'),
    );
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) {
      const result = await runCli(c.words.slice(1));
      expect({ at: where(c), code: result.code, stderr: result.stderr }).toEqual({
        at: where(c),
        code: 0,
        stderr: '',
      });
    }
  });

  it('every `pnpm …` and `npx -y pnpm@V …` runs a script, package script or binary that exists', () => {
    const problems = [...pnpm, ...npxPnpm].flatMap((c) => {
      let args = c.words.slice(1);
      if (c.words[0] === 'npx') {
        const at = args.findIndex((w) => w.startsWith('pnpm@'));
        const version = (args[at] ?? '').slice(5);
        if (version !== pnpmVersion)
          return [`${where(c)}: pnpm@${version}, the repository uses ${pnpmVersion}`];
        args = args.slice(at + 1);
      }
      const problem = pnpmProblem(args);
      return problem === undefined ? [] : [`${where(c)}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it('a document showing a bare `pnpm …` also shows the npx form once (Node.js + npm only)', () => {
    // bench/README.md is for contributors who run the benchmarks (pnpm is assumed there).
    const missing = [...new Set(pnpm.map((c) => c.file))].filter(
      (f) =>
        f !== 'bench/README.md' && !(texts.get(f) ?? '').includes(`npx -y pnpm@${pnpmVersion}`),
    );
    expect(missing).toEqual([]);
  });

  it('a document with `mcp-auth …` in a shell block says how to run it in this repository', () => {
    const spelled = /pnpm(@[\d.]+)?(\s+-[sw])*\s+mcp-auth/;
    const missing = [...new Set(cli.filter((c) => c.block).map((c) => c.file))].filter(
      (f) => !spelled.test(texts.get(f) ?? ''),
    );
    expect(missing).toEqual([]);
  });

  it('npm/npx commands name workspace packages only as they can be installed', () => {
    const problems = commands.flatMap((c) => {
      if (c.words[0] === 'npx') {
        const pkg = c.words.slice(1).find((w) => !w.startsWith('-'));
        return pkg?.startsWith('@mcp-auth/')
          ? [`${where(c)}: ${pkg} is not on the registry yet; show \`pnpm mcp-auth\``]
          : [];
      }
      if (c.words[0] === 'npm' && ['install', 'i', 'add'].includes(c.words[1] ?? '')) {
        return c.words
          .slice(2)
          .filter((w) => w.startsWith('@mcp-auth/'))
          .flatMap((name) => {
            const dir = packageDirByName.get(name);
            return dir !== undefined && readPackage(dir)?.private !== true
              ? []
              : [`${where(c)}: ${name} is not a publishable workspace package`];
          });
      }
      return [];
    });
    expect(problems).toEqual([]);
  });
});

describe('`pnpm mcp-auth` runs the CLI from source right after install (issue 17)', () => {
  // Through pnpm: the one running this test (pnpm test), else a pnpm on PATH (pnpm exec vitest);
  // only without any pnpm, the script the root `mcp-auth` entry runs, with pnpm's INIT_CWD.
  const execPath = process.env['npm_execpath'];
  const pnpm: readonly string[] | undefined =
    execPath?.includes('pnpm') === true
      ? [process.execPath, execPath]
      : spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0
        ? ['pnpm']
        : undefined;
  function mcpAuth(cwd: string, args: readonly string[]) {
    const [cmd, ...pre] =
      pnpm === undefined
        ? [process.execPath, join(root, 'scripts/mcp-auth.mjs')]
        : [...pnpm, '-w', '-s', 'mcp-auth'];
    return spawnSync(cmd as string, [...pre, ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: cwd, NO_COLOR: '1' },
      timeout: 60_000,
    });
  }

  it('the root script runs scripts/mcp-auth.mjs', () => {
    expect(rootPkg.scripts['mcp-auth']).toBe('node scripts/mcp-auth.mjs');
  });

  it('`pnpm -s mcp-auth --help` prints the help and nothing else on stdout', () => {
    const run = mcpAuth(root, ['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith('mcp-auth — ')).toBe(true);
  });

  it('`policy lint` from a subdirectory reads a path relative to that directory', () => {
    const run = mcpAuth(join(root, 'examples/demo'), [
      'policy',
      'lint',
      '../../packages/cli/test/fixtures/open-policy.json',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1); // the fixture allows everything: a lint error
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: { code: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.code)).toContain('allow-everything');
  });
});
