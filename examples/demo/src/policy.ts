import { createDefaultPolicies, type PolicyDecisionEvent, type PolicyEngine } from '@mcp-auth/core';
import type { AuditEventInput } from '@mcp-auth/core/observability';
import { SCOPES } from './users.js';

/** Human descriptions of the scopes, shown on the consent page. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [SCOPES.read]: 'Read data with tools such as get_weather',
  [SCOPES.write]: 'Act on your behalf with tools such as send_email',
  [SCOPES.admin]: 'Administer users with tools such as delete_user',
  'mcp:tools:*': 'Every tool of this server',
};

/** Options of {@link createDemoPolicy}. */
export interface DemoPolicyOptions {
  /** Called after every authorization decision (the demo logs one line per decision). */
  onDecision?: (event: PolicyDecisionEvent) => void;
}

/**
 * The demo's policy: core's default rules (`get_*` → `mcp:tools:read`, `send_*` →
 * `mcp:tools:write`, `delete_*` → `mcp:tools:admin`, anything else → `mcp:tools:*`) plus:
 *
 * - `identity`: `whoami` and `oauth_introspect` for every signed-in caller (no scope);
 * - `delete-user-admins-only`: `delete_user` is denied unless the token's `role` is `admin`,
 *   whatever the scopes (a denial that more scopes cannot fix, answered inside MCP);
 * - `no-self-delete`: nobody deletes their own account (a condition on the call's arguments);
 * - rate limit `send-email-per-user`: 5 `send_email` calls a minute for each user;
 *
 * A tool needing a scope the caller can never be granted (alice, a viewer, calling
 * `send_email`) is refused by core's guard inside MCP (`scope_not_grantable`), not with a 403
 * step-up no re-authorization could satisfy: the demo's tokens say what each user may hold.
 *
 * The same engine feeds `scopes_supported`, filters `tools/list` and fills 403 step-up challenges.
 */
export function createDemoPolicy(options: DemoPolicyOptions = {}): PolicyEngine {
  const policy = createDefaultPolicies(
    options.onDecision ? { onDecision: options.onDecision } : {},
  );
  policy.addRules([
    {
      id: 'identity',
      description: 'Any signed-in caller may ask who they are',
      tools: ['whoami', 'oauth_introspect'],
    },
    {
      id: 'delete-user-admins-only',
      description: 'Only users whose role is admin may delete users',
      tools: 'delete_user',
      effect: 'deny',
      when: { not: { claim: 'role', eq: 'admin' } },
    },
    {
      id: 'no-self-delete',
      description: 'Nobody deletes their own account',
      tools: 'delete_user',
      effect: 'deny',
      args: { arg: 'username', eq: { claim: 'sub' } },
    },
  ]);
  // Issue 16: at most 5 send_email calls a minute for each user; the 6th is answered as a tool
  // error (rate_limited) with Retry-After. Counted in the demo's store (Redis: all instances).
  policy.addRateLimit({
    id: SEND_EMAIL_RATE_LIMIT.id,
    description: 'At most 5 send_email calls a minute for each user',
    tools: 'send_email',
    per: 'subject',
    limit: SEND_EMAIL_RATE_LIMIT.limit,
    windowSeconds: SEND_EMAIL_RATE_LIMIT.windowSeconds,
  });
  return policy;
}

/** The demo's rate limit on `send_email`: 5 calls per minute per user. */
export const SEND_EMAIL_RATE_LIMIT = Object.freeze({
  id: 'send-email-per-user',
  limit: 5,
  windowSeconds: 60,
});

/**
 * One log line for an authorization decision: tool, user, client, allowed, reason. Built from
 * the policy's audit event, which never holds a token.
 */
export function formatDecision(event: PolicyDecisionEvent): string {
  const quote = (value: string | undefined) => JSON.stringify(value ?? '-');
  return [
    `${event.time.toISOString()} authz`,
    `tool=${event.tool}`,
    `user=${quote(event.subject)}`,
    `client=${quote(event.clientId)}`,
    `allowed=${event.decision === 'allow'}`,
    `code=${event.code}`,
    `rule=${event.ruleId ?? '-'}`,
    `reason=${quote(event.reason)}`,
    // The request's trace (OTEL_* set): the same id as its spans and its audit event.
    ...(event.traceId !== undefined ? [`trace=${event.traceId}`] : []),
  ].join(' ');
}

/**
 * The log line of a call a rate limit refused (a `rate_limited` audit event). The policy allowed
 * the call a moment before (its `allowed=true` line); this line says the call did not run.
 */
export function formatRateLimited(event: AuditEventInput): string {
  const quote = (value: string | undefined) => JSON.stringify(value ?? '-');
  const retry = event.detail?.['retryAfterSeconds'];
  return [
    `${new Date().toISOString()} authz`,
    `tool=${event.tool ?? '-'}`,
    `user=${quote(event.subject)}`,
    `client=${quote(event.clientId)}`,
    'allowed=false',
    'code=rate_limited',
    `rule=${event.ruleId ?? '-'}`,
    `reason=${quote(`rate limit ${event.ruleId ?? ''}: retry after ${String(retry ?? '?')} s`)}`,
    ...(event.traceId !== undefined ? [`trace=${event.traceId}`] : []),
  ].join(' ');
}
