import { PolicyEngine } from '@mcp-auth/core';
import type { PolicyProblem } from '@mcp-auth/core/policy';
import { UsageError } from '../args.js';
import type { CliIo } from '../io.js';

/** A policy file that could not be loaded; carries every problem with its JSON pointer. */
export class PolicyFileError extends UsageError {
  readonly problems: readonly PolicyProblem[];
  constructor(message: string, problems: readonly PolicyProblem[] = []) {
    super(message);
    this.name = 'PolicyFileError';
    this.problems = problems;
  }
}

/** Reads a JSON policy document and builds the engine (`PolicyEngine.fromJSON`). */
export async function loadPolicyFile(path: string, io: CliIo): Promise<PolicyEngine> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new PolicyFileError(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyFileError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return PolicyEngine.fromJSON(doc);
  } catch (err) {
    const problems = (err as { problems?: unknown }).problems;
    if (Array.isArray(problems)) {
      throw new PolicyFileError(
        `${path} is not a valid policy (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${(
          problems as PolicyProblem[]
        )
          .map((p) => `  ${p.pointer || '(document)'}: ${p.message}`)
          .join('\n')}`,
        problems as PolicyProblem[],
      );
    }
    throw err;
  }
}

/** The `--json` form of a load failure. */
export function policyErrorJson(err: PolicyFileError): string {
  return `${JSON.stringify({ error: { code: 'ERR_POLICY_INVALID', message: err.message.split('\n')[0], problems: err.problems } }, null, 2)}\n`;
}

/**
 * Loads the policy file of `policy check` / `policy lint`. With `--json`, a file that cannot be
 * loaded is reported on stdout as JSON ({@link policyErrorJson}) and `undefined` is returned
 * (the command exits 2); otherwise the error is thrown (usage error).
 */
export async function loadPolicyForCommand(
  path: string,
  io: CliIo,
  json: boolean,
): Promise<PolicyEngine | undefined> {
  try {
    return await loadPolicyFile(path, io);
  } catch (err) {
    if (json && err instanceof PolicyFileError) {
      io.stdout(policyErrorJson(err));
      return undefined;
    }
    throw err;
  }
}
