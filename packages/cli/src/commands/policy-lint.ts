import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, parseCommand } from '../args.js';
import type { Command } from '../command.js';
import { renderTable } from '../io.js';
import { type LintSeverity, lintPolicy } from '../lint/lint-policy.js';
import { loadPolicyForCommand } from './policy-file.js';

/** `mcp-auth policy lint`. */
export const policyLintCommand: Command = {
  path: ['policy', 'lint'],
  summary: 'find unreachable, shadowed, redundant and dangerous rules',
  help: `Usage: mcp-auth policy lint <policy.json> [--strict] [--json]

Validates a JSON policy (every problem with its JSON pointer), then analyzes it:

  error  rule-never-matches        no valid tool name ([A-Za-z0-9_.-]{1,128}) matches the rule
  error  allow-shadowed-by-deny    every tool the allow rule matches is denied by unconditional
                                   deny rules (deny overrides allow, in any order)
  error  allow-everything          allow every tool with no scope and no condition
  warn   allow-all-tools-on-conditions, allow-without-scopes
  warn   allow-redundant / deny-redundant: another rule already decides the same way for every
                                   tool it matches, with no more requirements
  warn   glob-like-pattern         "read_*" is a regex ("read" + underscores), not a glob
  warn   pattern-never-matches, no-rules, wildcard-scope-required ("*")
  info   allow-all-tools, wildcard-scope-required ("x:*"), dot-matches-any, pattern-not-analyzed

Patterns are analyzed exactly (an automaton over the tool-name alphabet); scopes compare as
exact strings; conditions are treated as opaque, so rules with conditions never shadow others.

Options:
  --strict      exit 1 on warnings too
  --json        print {"ok","findings":[{"severity","code","ruleId","pointer","message"}]}
  -h, --help    show this help

Exit code: 0 clean (or warnings only), 1 errors (or warnings with --strict), 2 invalid policy.
`,
  async run(args, { io, out }) {
    const { values, positionals } = parseCommand(
      args,
      { strict: { type: 'boolean' }, json: { type: 'boolean' } },
      { min: 1, max: 1, names: 'POLICY_FILE' },
    );
    const json = values['json'] === true;
    const engine = await loadPolicyForCommand(positionals[0] as string, io, json);
    if (engine === undefined) return EXIT_USAGE;
    const findings = lintPolicy(engine.toJSON());
    const count = (s: LintSeverity) => findings.filter((f) => f.severity === s).length;
    const errors = count('error');
    const warnings = count('warn');
    const ok = errors === 0 && (values['strict'] !== true || warnings === 0);
    if (json) {
      io.stdout(`${JSON.stringify({ ok, rules: engine.size, findings }, null, 2)}\n`);
      return ok ? EXIT_OK : EXIT_FAILED;
    }
    if (findings.length === 0) {
      io.stdout(
        `${out.green('✔')} ${engine.size} rule${engine.size === 1 ? '' : 's'}, no findings\n`,
      );
      return EXIT_OK;
    }
    const mark = (s: LintSeverity) =>
      s === 'error' ? out.red('error') : s === 'warn' ? out.yellow('warn') : out.dim('info');
    io.stdout(
      renderTable(
        ['SEVERITY', 'RULE', 'CODE', 'WHERE', 'FINDING'],
        findings.map((f) => [mark(f.severity), f.ruleId ?? '-', f.code, f.pointer, f.message]),
        out,
      ),
    );
    io.stdout(
      `\n${engine.size} rules: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${count('info')} info\n`,
    );
    return ok ? EXIT_OK : EXIT_FAILED;
  },
};
