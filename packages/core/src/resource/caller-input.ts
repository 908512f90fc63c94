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
export function callerPolicyInput(
  auth: AuthContext,
): Omit<PolicyEvaluationInput, 'tool' | 'args' | 'audit' | 'traceId'> {
  const grantable = stringList(auth.claims[GRANTABLE_SCOPES_CLAIM]);
  const registered = stringList(auth.claims[CLIENT_SCOPES_CLAIM]);
  return {
    scopes: auth.scopes,
    claims: auth.claims,
    subject: auth.userId,
    clientId: auth.clientId,
    ...(auth.principal === undefined ? {} : { principal: auth.principal }),
    ...(grantable === undefined ? {} : { grantableScopes: grantable }),
    ...(grantable === undefined || registered === undefined ? {} : { clientScopes: registered }),
  };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
}
