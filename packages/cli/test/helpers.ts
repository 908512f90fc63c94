import { readFile, writeFile } from 'node:fs/promises';
import { run } from '../src/cli.js';
import type { CliIo } from '../src/io.js';

/** What one `run()` produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  tty?: boolean;
  fetch?: typeof fetch;
  now?: number;
}

/** Runs the CLI in-process with captured output. */
export async function runCli(
  argv: readonly string[],
  options: RunCliOptions = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: options.env ?? {},
    stdoutIsTTY: options.tty === true,
    stderrIsTTY: options.tty === true,
    readStdin: async () => options.stdin ?? '',
    readFile: (p) => readFile(p, 'utf8'),
    writeFile: (p, t) => writeFile(p, t, { encoding: 'utf8', mode: 0o600, flag: 'wx' }),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: () => options.now ?? Date.now(),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
