import type { AuthContext } from '../domain/auth-context.js';
import type { PolicyEvaluationInput } from '../policy/types.js';
import { CLIENT_SCOPES_CLAIM, GRANTABLE_SCOPES_CLAIM } from '../tokens/claims.js';

/**
 * The caller's part of a policy evaluation input, from a verified token: scopes, claims,
 * subject, client, who the principal is, and — when the token says what the caller may ever be
 * granted (`mcp_grantable_scopes`, set by mcp-auth's authorization server) — those scopes, so
 * the engine itself tells a denial a step-up can fix (`insufficient_scope`) from one it cannot
 * (`scope_not_grantable`). The guard, the in-server check and `authorizeToolCall` share it, so
 * the client, the audit event, metrics and logs see one decision.
 */
function callerPolicyInput(
  auth: AuthContext,
): Omit<PolicyEvaluationInput, 'tool' | 'args' | 'audit' | 'traceId'> {
  // Verified contexts are frozen and shared per token: their caller part is worked out once.
  let caller = callers.get(auth);
  if (caller === undefined) {
    const grantable = stringList(auth.claims[GRANTABLE_SCOPES_CLAIM]);
    const registered =
      grantable === undefined ? undefined : stringList(auth.claims[CLIENT_SCOPES_CLAIM]);
    // One shape for every caller (absent parts are undefined, which the engine reads alike).
    caller = Object.freeze({
      scopes: auth.scopes,
      claims: auth.claims,
      subject: auth.userId,
      clientId: auth.clientId,
      principal: auth.principal,
      grantableScopes: grantable,
      clientScopes: registered,
    });
    if (Object.isFrozen(auth)) callers.set(auth, caller);
  }
  return caller;
}

/** The policy input of one tool call by `auth` (the caller's part and the call's). */
export function toolCallInput(
  auth: AuthContext,
  tool: string,
  args: Readonly<Record<string, unknown>> | undefined,
  traceId?: string,
  audit?: boolean,
): PolicyEvaluationInput {
  const caller = callerPolicyInput(auth);
  return {
    scopes: caller.scopes,
    claims: caller.claims,
    subject: caller.subject,
    clientId: caller.clientId,
    principal: caller.principal,
    grantableScopes: caller.grantableScopes,
    clientScopes: caller.clientScopes,
    tool,
    args,
    traceId,
    audit,
  };
}

// The caller parts of frozen (cached, shared) contexts: a context that is not frozen could
// change after the fact, so it is worked out again each time.
const callers = new WeakMap<AuthContext, ReturnType<typeof callerPolicyInput>>();

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
}
