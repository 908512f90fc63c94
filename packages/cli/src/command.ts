/**
 * The shape of one `mcp-auth` command and what it receives. It sits below both the command
 * list (`cli.ts`) and the commands (`commands/*`), so imports run one way.
 */
import type { CliIo, Styles } from './io.js';

/** What a command receives besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** Styles for stdout (colors only on a TTY without `NO_COLOR`). */
  readonly out: Styles;
  /** Styles for stderr. */
  readonly err: Styles;
}

/** One leaf command (`keys generate`, `doctor`, …). */
export interface Command {
  /** The words that select it, e.g. `['token', 'mint']`. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** Runs the command and resolves to its exit code. */
  readonly run: (args: readonly string[], ctx: CommandContext) => Promise<number>;
}
