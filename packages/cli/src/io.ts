/**
 * What a command may touch: output streams, environment, stdin, files and the network, all
 * injectable so `run()` is testable without spawning a process.
 */
export interface CliIo {
  /** Writes to standard output (the command's result). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error (diagnostics and progress; never a secret or a token). */
  readonly stderr: (text: string) => void;
  /** Environment variables (`process.env` for the real command). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (enables colors unless `NO_COLOR` is set). */
  readonly stdoutIsTTY: boolean;
  /** Whether stderr is a terminal (enables progress lines). */
  readonly stderrIsTTY: boolean;
  /** Reads all of standard input (for `token decode -`). */
  readonly readStdin: () => Promise<string>;
  /** Reads a UTF-8 text file. */
  readonly readFile: (path: string) => Promise<string>;
  /** Writes a file (created with mode 0600: it may hold a private key). */
  readonly writeFile: (path: string, text: string) => Promise<void>;
  /** The `fetch` used by `doctor` and `--jwks-url` (the global one by default). */
  readonly fetch: typeof fetch;
  /** Current time in milliseconds (injectable for tests). */
  readonly now: () => number;
}

/** Builds the {@link CliIo} of the real process. */
export async function createNodeIo(): Promise<CliIo> {
  const { readFile, writeFile } = await import('node:fs/promises');
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    readFile: (path) => readFile(path, 'utf8'),
    writeFile: (path, text) => writeFile(path, text, { encoding: 'utf8', mode: 0o600, flag: 'wx' }),
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
  };
}

/** ANSI styling that is a no-op unless enabled. */
export interface Styles {
  readonly enabled: boolean;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

/** Colors only on a TTY, and never when `NO_COLOR` is set to a non-empty value (no-color.org). */
export function colorsEnabled(isTTY: boolean, env: CliIo['env']): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Creates the styles for one stream. */
export function createStyles(enabled: boolean): Styles {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible width of a string (ANSI escapes removed). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** Renders rows as an aligned plain-text table with a header row; cells may hold `\n`. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  styles: Styles,
): string {
  const cellLines = (c: string) => c.split('\n');
  const widths = header.map((h, i) =>
    Math.max(
      visibleWidth(h),
      ...rows.flatMap((r) => cellLines(r[i] ?? '').map((l) => visibleWidth(l))),
    ),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(c))))
      .join('  ')
      .trimEnd();
  const out = [styles.bold(line(header))];
  for (const row of rows) {
    const split = header.map((_, i) => cellLines(row[i] ?? ''));
    const height = Math.max(...split.map((l) => l.length));
    for (let k = 0; k < height; k++) out.push(line(split.map((l) => l[k] ?? '')));
  }
  return `${out.join('\n')}\n`;
}

/** Wraps plain text at spaces to lines of at most `width` characters. */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let current = '';
    for (const word of paragraph.split(' ')) {
      if (current !== '' && current.length + 1 + word.length > width) {
        lines.push(current);
        current = word;
      } else {
        current = current === '' ? word : `${current} ${word}`;
      }
    }
    lines.push(current);
  }
  return lines.join('\n');
}

/** Removes control characters from text that came from the network before it is printed. */
export function sanitize(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
