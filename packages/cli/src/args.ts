import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Exit codes of the `mcp-auth` command. */
export const EXIT_OK = 0;
/** A check did not pass: denied, lint errors, doctor failures, a token with problems. */
export const EXIT_FAILED = 1;
/** The command line or an input file was invalid. */
export const EXIT_USAGE = 2;

/** A bad command line or unusable input. The message never contains a secret or a token. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Values parsed from a command line (strings and booleans only). */
export type ParsedValues = Record<string, string | boolean | undefined>;

/**
 * Parses one command's arguments strictly. Parse errors become a {@link UsageError} that
 * names the option but never echoes a value (a value may be a token or a secret).
 */
export function parseCommand(
  args: readonly string[],
  options: Options,
  positionals: { min: number; max: number; names: string },
): { values: ParsedValues; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  try {
    parsed = parseArgs({
      args: attachDashValues(args, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const match = /'(-{1,2}[A-Za-z0-9-]+)/.exec((err as Error).message);
      throw new UsageError(`unknown option ${match?.[1] ?? ''}`.trim());
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const match = /'(-{1,2}[A-Za-z0-9-]+)/.exec((err as Error).message);
      throw new UsageError(
        `option ${match?.[1] ?? ''} has a missing or invalid value (a value that looks like an option: --name=value)`,
      );
    }
    throw new UsageError('invalid arguments');
  }
  const values = parsed.values as ParsedValues;
  if (values['help'] === true) return { values, positionals: parsed.positionals };
  const count = parsed.positionals.length;
  if (count < positionals.min) {
    throw new UsageError(`missing argument: ${positionals.names}`);
  }
  if (count > positionals.max) {
    throw new UsageError(
      `too many arguments (expected ${positionals.names || 'none'}, got ${count} positional arguments)`,
    );
  }
  return { values, positionals: parsed.positionals };
}

/**
 * `--client -x…` → `--client=-x…`: a value that starts with `-` (a random client or grant id
 * may: base64url has `-`) is taken as the value of the string option before it, unless it is
 * itself one of the command's options (`--client --json` stays a missing value). `parseArgs`
 * alone refuses such a value as ambiguous. Nothing after `--` is touched.
 */
function attachDashValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      out.push(...args.slice(index));
      break;
    }
    const name = stringOptionNamed(arg, options);
    const next = args[index + 1];
    if (
      name !== undefined &&
      next?.startsWith('-') &&
      next !== '-' &&
      !isOptionToken(next, options)
    ) {
      out.push(`--${name}=${next}`);
      index++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** The long name of the string option `arg` spells (`--name` or its short `-n`), if any. */
function stringOptionNamed(arg: string, options: Options): string | undefined {
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    if (arg === `--${name}` || (option.short !== undefined && arg === `-${option.short}`))
      return name;
  }
  return undefined;
}

/** Whether `arg` is `--`, or one of `options` (`--name`, `--name=…`, or exactly `-n`). */
function isOptionToken(arg: string, options: Options): boolean {
  if (arg === '--') return true;
  const long = /^--([^=]+)/.exec(arg);
  if (long !== null) return Object.hasOwn(options, long[1]!);
  return arg.length === 2 && Object.values(options).some((option) => option.short === arg[1]);
}

/** Reads a string option. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses a JSON object option (`--claims`, `--args`); errors name the option, not the value. */
export function jsonObjectOption(
  values: ParsedValues,
  name: string,
): Record<string, unknown> | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UsageError(`--${name} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Parses a positive integer option. */
export function intOption(
  values: ParsedValues,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number`);
  const n = Number(raw);
  if (n < range.min || n > range.max) {
    throw new UsageError(`--${name} must be between ${range.min} and ${range.max}`);
  }
  return n;
}

/** Splits a space- or comma-separated scope list (RFC 6749 §3.3 scope tokens). */
export function scopeList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return [...new Set(raw.split(/[\s,]+/).filter((s) => s !== ''))];
}
