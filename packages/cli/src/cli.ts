import { createRequire } from 'node:module';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './args.js';
import { auditVerifyCommand } from './commands/audit-verify.js';
import { doctorCommand } from './commands/doctor.js';
import { clientsDeleteCommand, grantsListCommand, grantsRevokeCommand } from './commands/grants.js';
import { keysGenerateCommand } from './commands/keys-generate.js';
import { keysRotateCommand } from './commands/keys-rotate.js';
import { policyCheckCommand } from './commands/policy-check.js';
import { policyLintCommand } from './commands/policy-lint.js';
import { tokenDecodeCommand } from './commands/token-decode.js';
import { tokenMintCommand } from './commands/token-mint.js';
import type { Command, CommandContext } from './command.js';
import { type CliIo, colorsEnabled, createStyles } from './io.js';

/** Every command of `mcp-auth`. */
export const COMMANDS: readonly Command[] = [
  keysGenerateCommand,
  keysRotateCommand,
  tokenMintCommand,
  tokenDecodeCommand,
  policyCheckCommand,
  policyLintCommand,
  doctorCommand,
  auditVerifyCommand,
  grantsListCommand,
  grantsRevokeCommand,
  clientsDeleteCommand,
];

const GROUP_SUMMARY: Record<string, string> = {
  keys: 'signing keys and secrets',
  token: 'development access tokens',
  policy: 'tool policies: decisions and lint',
  audit: 'audit trail: verify a hash-chained log',
  grants: "grant management: list and revoke a user's grants in the server's store",
  clients: "clients: delete one and everything it holds from the server's store",
};

/** The version of this package. */
export function cliVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

function globalHelp(): string {
  const lines = COMMANDS.map((c) => `  mcp-auth ${c.path.join(' ').padEnd(16)} ${c.summary}`);
  return `mcp-auth — OAuth 2.1 and tool authorization tooling for MCP servers

Usage:
${lines.join('\n')}

Options:
  -h, --help        show help (also after any command: mcp-auth token mint --help)
  -v, --version     print the version

Exit codes: 0 success, 1 a check did not pass (denied, lint errors, doctor failures,
token problems), 2 usage or input error.
Colors are used only on a terminal and never when NO_COLOR is set.
`;
}

function groupHelp(group: string): string {
  const lines = COMMANDS.filter((c) => c.path[0] === group).map(
    (c) => `  mcp-auth ${c.path.join(' ').padEnd(16)} ${c.summary}`,
  );
  return `mcp-auth ${group} — ${GROUP_SUMMARY[group] ?? ''}

Commands:
${lines.join('\n')}

Run a command with --help for its options.
`;
}

/**
 * Runs the `mcp-auth` command line (`argv` without the node and script paths) and resolves
 * to the exit code. Never calls `process.exit`; all output goes through `io`.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CommandContext = {
    io,
    out: createStyles(colorsEnabled(io.stdoutIsTTY, io.env)),
    err: createStyles(colorsEnabled(io.stderrIsTTY, io.env)),
  };
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(globalHelp());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout(globalHelp());
    return EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${cliVersion()}\n`);
    return EXIT_OK;
  }
  if (first === 'help') {
    return run([...rest, '--help'], io);
  }

  let command = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first);
  let args = rest;
  if (command === undefined) {
    const isGroup = COMMANDS.some((c) => c.path[0] === first);
    if (!isGroup) {
      io.stderr(`mcp-auth: unknown command "${first.slice(0, 40)}"\n\n${globalHelp()}`);
      return EXIT_USAGE;
    }
    const [sub, ...subRest] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      const text = groupHelp(first);
      if (sub === undefined) {
        io.stderr(text);
        return EXIT_USAGE;
      }
      io.stdout(text);
      return EXIT_OK;
    }
    command = COMMANDS.find((c) => c.path[0] === first && c.path[1] === sub);
    if (command === undefined) {
      io.stderr(`mcp-auth: unknown command "${first} ${sub.slice(0, 40)}"\n\n${groupHelp(first)}`);
      return EXIT_USAGE;
    }
    args = subRest;
  }

  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(command.help);
    return EXIT_OK;
  }
  const name = command.path.join(' ');
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mcp-auth ${name}: ${err.message}\nRun "mcp-auth ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    // Core errors never carry a token or a secret in their message (project rule).
    const e = err as { name?: string; code?: unknown; message?: string };
    const code = typeof e.code === 'string' ? ` [${e.code}]` : '';
    io.stderr(`mcp-auth ${name}: ${e.name ?? 'Error'}${code}: ${e.message ?? String(err)}\n`);
    if (io.env['MCP_AUTH_DEBUG'] === '1' && err instanceof Error && err.stack) {
      io.stderr(`${err.stack}\n`);
    }
    return err instanceof TypeError ? EXIT_USAGE : EXIT_FAILED;
  }
}
