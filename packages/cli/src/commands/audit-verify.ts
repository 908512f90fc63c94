import { type AuditLogProblem, verifyAuditLog } from '@mcp-auth/core/observability';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, parseCommand, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { sanitize } from '../io.js';

const PROBLEMS: Record<AuditLogProblem, string> = {
  unparsable: 'not a JSON object',
  not_chained: 'no prev/hash: the log was not written with chain: true',
  hash_mismatch: 'the line does not match its hash: it was edited',
  broken_link:
    "prev is not the previous line's hash: a line before it was removed, or lines were moved",
};

/** `mcp-auth audit verify`. */
export const auditVerifyCommand: Command = {
  path: ['audit', 'verify'],
  summary: 'check the hash chain of an audit log file',
  help: `Usage: mcp-auth audit verify <audit.jsonl> [--from <hash>] [--json]

Checks an audit trail written as JSON lines with the hash chain on (createAuditTrail({ chain:
true }), the demo's MCP_AUTH_AUDIT_FILE): every line's "hash" is the SHA-256 of its canonical
JSON without "hash", and its "prev" is the previous line's "hash" (the first line's: 64 zeros).
An edited line, a removed line (but the last) and reordered lines are found; the first bad
line is reported. Truncation at the end is not: keep the printed head elsewhere and compare.

Options:
  --from <hash>  the head of the log this file continues (a rotated file); default 64 zeros
  --json         print {"ok","events","head"} or {"ok":false,"line","problem","events"}
  -h, --help     show this help

Exit code: 0 intact, 1 the chain is broken (the first bad line is printed), 2 the file could not
be read.
`,
  async run(args, { io, out, err }) {
    const { values, positionals } = parseCommand(
      args,
      { from: { type: 'string' }, json: { type: 'boolean' } },
      { min: 1, max: 1, names: 'AUDIT_FILE' },
    );
    const path = positionals[0] as string;
    const from = stringOption(values, 'from');
    if (from !== undefined && !/^[0-9a-f]{64}$/.test(from)) {
      io.stderr('mcp-auth audit verify: --from must be a SHA-256 hash (64 hex digits)\n');
      return EXIT_USAGE;
    }
    let text: string;
    try {
      text = await io.readFile(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      io.stderr(
        `mcp-auth audit verify: cannot read ${sanitize(path)} (${String(code ?? 'error')})\n`,
      );
      return EXIT_USAGE;
    }
    const result = await verifyAuditLog(text, { from });
    if (values['json'] === true) {
      io.stdout(`${JSON.stringify(result)}\n`);
      return result.ok ? EXIT_OK : EXIT_FAILED;
    }
    if (result.ok) {
      io.stdout(
        `${out.green('✔')} ${sanitize(path)}: ${result.events} event${result.events === 1 ? '' : 's'}, chain intact\n  head ${result.head}\n`,
      );
      return EXIT_OK;
    }
    io.stderr(
      `${err.red('✘')} ${sanitize(path)}: line ${result.line}: ${PROBLEMS[result.problem]} (${result.events} good event${result.events === 1 ? '' : 's'} before it)\n`,
    );
    return EXIT_FAILED;
  },
};
