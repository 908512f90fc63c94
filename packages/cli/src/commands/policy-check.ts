import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  jsonObjectOption,
  parseCommand,
  scopeList,
  stringOption,
  UsageError,
} from '../args.js';
import type { Command } from '../command.js';
import { renderTable, sanitize } from '../io.js';
import { loadPolicyForCommand } from './policy-file.js';

/** `mcp-auth policy check`. */
export const policyCheckCommand: Command = {
  path: ['policy', 'check'],
  summary: 'decide one tool call against a policy file and explain why',
  help: `Usage: mcp-auth policy check <policy.json> --tool NAME [--scopes "a b"] [--claims JSON]
                          [--args JSON] [--all] [--json]

Evaluates one tool call against a JSON policy (the format of PolicyEngine.fromJSON) and shows
the decision and every rule that matched the tool: its effect, conditions, required and
missing scopes, and what it contributed. Deny overrides allow; no matching rule means deny.

Options:
  --tool NAME       the tool being called (required)
  --scopes LIST     granted scopes, space- or comma-separated
  --claims JSON     token claims (user attributes), e.g. '{"sub":"alice","role":"viewer"}'
  --args JSON       the tool call's arguments, e.g. '{"owner":"alice"}'
  --all             also list the rules that do not match the tool
  --json            print {"decision","rules"} (PolicyEngine.explain output)
  -h, --help        show this help

Exit code: 0 allowed, 1 denied, 2 usage error or invalid policy (every problem is listed
with its JSON pointer).

Example:
  mcp-auth policy check policy.json --tool delete_user --scopes "mcp:tools:admin" \\
    --claims '{"sub":"carol","role":"admin"}'
`,
  async run(args, { io, out }) {
    const { values, positionals } = parseCommand(
      args,
      {
        tool: { type: 'string' },
        scopes: { type: 'string' },
        claims: { type: 'string' },
        args: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'POLICY_FILE' },
    );
    const json = values['json'] === true;
    const tool = stringOption(values, 'tool');
    if (tool === undefined) throw new UsageError('--tool is required');
    const scopes = scopeList(stringOption(values, 'scopes'));
    const claims = jsonObjectOption(values, 'claims');
    const callArgs = jsonObjectOption(values, 'args');
    const engine = await loadPolicyForCommand(positionals[0] as string, io, json);
    if (engine === undefined) return EXIT_USAGE;
    const explanation = engine.explain({
      tool,
      scopes,
      ...(claims !== undefined ? { claims } : {}),
      ...(callArgs !== undefined ? { args: callArgs } : {}),
    });
    const { decision } = explanation;
    if (json) {
      io.stdout(`${JSON.stringify(explanation, null, 2)}\n`);
      return decision.allowed ? EXIT_OK : EXIT_FAILED;
    }
    const verdict = decision.allowed ? out.green(out.bold('ALLOWED')) : out.red(out.bold('DENIED'));
    const lines = [
      `${verdict}  ${sanitize(tool, 128)}  ${out.dim(`(${decision.code}${decision.ruleId !== undefined ? `, rule ${decision.ruleId}` : ''})`)}`,
      `  ${sanitize(decision.reason, 400)}`,
    ];
    if (decision.requiredScopes.length > 0)
      lines.push(`  required scopes: ${decision.requiredScopes.join(' ')}`);
    if (decision.missingScopes.length > 0) {
      lines.push(
        `  missing scopes:  ${out.yellow(decision.missingScopes.join(' '))} (a 403 step-up would ask for these)`,
      );
    }
    const shown =
      values['all'] === true ? explanation.rules : explanation.rules.filter((r) => r.matched);
    const hidden = explanation.rules.length - shown.length;
    lines.push('');
    if (shown.length === 0) {
      lines.push(`  no rule matches "${sanitize(tool, 128)}": default deny`);
    } else {
      const outcome = (o: string) =>
        o === 'allows' ? out.green(o) : o === 'denies' ? out.red(o) : out.dim(o);
      lines.push(
        renderTable(
          ['#', 'RULE', 'EFFECT', 'MATCH', 'CONDITIONS', 'REQUIRES', 'MISSING', 'OUTCOME', 'WHY'],
          shown.map((r) => [
            String(r.index),
            r.ruleId,
            r.effect,
            r.matched ? 'yes' : 'no',
            r.conditions,
            r.requiredScopes.join(' ') || '-',
            r.missingScopes.join(' ') || '-',
            outcome(r.outcome),
            r.detail,
          ]),
          out,
        ).trimEnd(),
      );
    }
    if (hidden > 0)
      lines.push(
        out.dim(
          `(${hidden} rule${hidden === 1 ? '' : 's'} not matching this tool; --all lists them)`,
        ),
      );
    io.stdout(`${lines.join('\n')}\n`);
    return decision.allowed ? EXIT_OK : EXIT_FAILED;
  },
};
