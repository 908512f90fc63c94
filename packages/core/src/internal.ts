/**
 * UNSTABLE internal entry of `@mcp-auth/core`, for mcp-auth's own packages (the CLI, tests).
 * It is **not public API**: any name here may change or disappear in any release, including a
 * patch release, without a changeset calling it out. Applications import from `@mcp-auth/core`.
 *
 * It exists so the CLI reuses core's own rules instead of keeping copies that could drift:
 * the tool-pattern parser and automaton (for `policy lint`), the capped body reader and the
 * loopback-host rule (for `doctor`), the encoding helpers and token claim names (for `token
 * mint` and `token inspect`), and the token service (for the Redis package's tests), and the DPoP options of an MCP endpoint
 * (for `@mcp-auth/fastmcp`, as `mcpAuth` uses them).
 * @packageDocumentation
 */
export {
  base64UrlDecode,
  base64UrlEncode,
  generateRandomToken,
  randomBytes,
  utf8DecodeStrict,
} from './encoding/index.js';
export { type CappedRead, readCapped } from './encoding/read-capped.js';
export {
  compilePatternAutomaton,
  examplePatternMatch,
  findPatternDifference,
  isPatternCoveredBy,
  type PatternAutomaton,
  PatternSyntaxError,
  patternAutomatonMatches,
  patternMatchesEveryName,
} from './policy/pattern.js';
export { isHttpsOrLoopbackUrl, isLoopbackHostname } from './net/host.js';
export { endpointDpop } from './resource/dpop.js';
export {
  createTokenService,
  MCP_TOOL_SCOPE_PREFIX,
  REGISTERED_ACCESS_TOKEN_CLAIMS,
  type TokenService,
  type TokenServiceOptions,
} from './tokens/index.js';
