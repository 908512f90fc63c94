import type { TokenVerifier } from '../domain/auth-context.js';
import { InvalidTokenError } from '../errors/oauth-error.js';
import type { HttpResponse } from '../http/messages.js';
import {
  ATTRIBUTES,
  COUNTER_NAMES,
  type Instrumentation,
  type InstrumentationSpan,
  NOOP_SPAN,
  parseTraceContext,
  SPAN_NAMES,
} from '../observability/instrumentation.js';
import { MissingBearerTokenError } from './bearer.js';

/**
 * Wraps a token verifier so each verification is a `mcp_auth.token.verify` span (outcome,
 * subject and client on success; the error's code on failure). Without instrumentation the
 * verifier is returned as it is.
 */
export function instrumentVerifier(
  verifier: TokenVerifier,
  instrumentation: Instrumentation | undefined,
): TokenVerifier {
  if (instrumentation === undefined) return verifier;
  return {
    verify: (token) =>
      instrumentation.inSpan(SPAN_NAMES.tokenVerify, {}, async (span) => {
        try {
          const ctx = await verifier.verify(token);
          span.setAttribute(ATTRIBUTES.outcome, 'valid');
          if (typeof ctx?.userId === 'string') span.setAttribute(ATTRIBUTES.subject, ctx.userId);
          if (typeof ctx?.clientId === 'string')
            span.setAttribute(ATTRIBUTES.clientId, ctx.clientId);
          return ctx;
        } catch (error) {
          span.setAttribute(ATTRIBUTES.outcome, 'invalid');
          span.recordError(error);
          throw error;
        }
      }),
  };
}

/** The cause of a 401 for metrics: `missing_token`, the `ERR_JWT_*` code, or `invalid_token`. */
export function unauthorizedCause(error: InvalidTokenError): string {
  if (error instanceof MissingBearerTokenError) return 'missing_token';
  const code = error.jwtCode;
  return typeof code === 'string' && /^ERR_[A-Z_]{1,48}$/.test(code) ? code : 'invalid_token';
}

/** Counts a 401 by cause (`mcp_auth.unauthorized`); other errors are not 401s. */
export function countUnauthorized(
  instrumentation: Instrumentation | undefined,
  error: unknown,
): void {
  if (instrumentation !== undefined && error instanceof InvalidTokenError)
    instrumentation.count(COUNTER_NAMES.unauthorized, {
      [ATTRIBUTES.cause]: unauthorizedCause(error),
    });
}

/**
 * Runs one guard check in a `mcp_auth.guard` span, child of the request's `traceparent` header,
 * and records the answer's status. Without instrumentation it runs `check` directly.
 */
export function guardSpan<T extends { ok: boolean; response?: HttpResponse }>(
  instrumentation: Instrumentation | undefined,
  header: (name: string) => string | undefined,
  check: (span: InstrumentationSpan) => Promise<T>,
): Promise<T> {
  if (instrumentation === undefined) return check(NOOP_SPAN);
  const parent = parseTraceContext(header('traceparent'), header('tracestate'));
  return instrumentation.inSpan(SPAN_NAMES.guard, { parent }, async (span) => {
    const outcome = await check(span);
    const status = outcome.ok ? undefined : outcome.response?.status;
    span.setAttribute(ATTRIBUTES.outcome, outcome.ok ? 'forwarded' : 'answered');
    if (status !== undefined) span.setAttribute(ATTRIBUTES.httpStatus, status);
    if (status !== undefined && status >= 500) span.recordError({ code: `http_${status}` });
    return outcome;
  });
}
