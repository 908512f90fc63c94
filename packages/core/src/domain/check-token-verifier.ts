import type { TokenVerifier } from './auth-context.js';

/**
 * The construction-time check of a {@link TokenVerifier} option: anything with a
 * `verify(token)` method (an object, a class instance, or a function carrying one, as the
 * interface allows). Otherwise a `TypeError` that starts with `where` (e.g.
 * `createMcpGuard: verifier`) and names what to pass.
 */
export function checkTokenVerifier(value: unknown, where: string): TokenVerifier {
  if (
    (typeof value !== 'object' && typeof value !== 'function') ||
    value === null ||
    typeof (value as { verify?: unknown }).verify !== 'function'
  ) {
    throw new TypeError(
      `${where} must be a TokenVerifier, an object with verify(token): e.g. server.tokenVerifier or createAccessTokenVerifier(…)`,
    );
  }
  return value as TokenVerifier;
}
