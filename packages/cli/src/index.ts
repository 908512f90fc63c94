/**
 * `@mcp-auth/cli`: the `mcp-auth` command, also usable as a library (`run()` for tests and
 * wrappers, `runDoctor()`, `lintPolicy()`, `inspectAccessToken()`, `mintDevToken()`).
 * @packageDocumentation
 */
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './args.js';
export { COMMANDS, cliVersion, run } from './cli.js';
export type { Command, CommandContext } from './command.js';
export { type GeneratedKeys, generateKeys } from './commands/keys-generate.js';
export {
  type InspectOptions,
  inspectAccessToken,
  type ProblemSeverity,
  type TokenProblem,
} from './commands/token-decode.js';
export { type MintDevTokenOptions, mintDevToken } from './commands/token-mint.js';
export { runDoctor } from './doctor/run-doctor.js';
export {
  type CheckStatus,
  DOCTOR_REDIRECT_URI,
  type DoctorCheck,
  type DoctorOptions,
  type DoctorReport,
} from './doctor/types.js';
export { type CliIo, createNodeIo } from './io.js';
export { type LintFinding, type LintSeverity, lintPolicy } from './lint/lint-policy.js';
