import {
  createDefaultPolicies,
  defaultPolicyRules,
  type PolicyDecisionEvent,
  type PolicyEngine,
  type PolicyRule,
} from '@mcp-auth/core';
import { ROLE_SCOPES, SCOPES } from './users.js';

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
 * - `role-<role>-never-granted-<scope>` ({@link neverGrantableRules}): a tool needing a scope the
 *   caller's role can never be granted is denied inside MCP, not with a 403 step-up that no
 *   re-authorization could satisfy (alice, a viewer, calling `send_email`).
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
    ...neverGrantableRules(ROLE_SCOPES),
  ]);
  return policy;
}

/**
 * Deny rules that break the step-up loop (issue 17 item 2): for each role and each scope of
 * core's default rules (`mcp:tools:read`, `…:write`, `…:admin`) the role can never be granted,
 * the tools needing that scope are denied to callers with that `role` claim. A 403
 * `insufficient_scope` would send the client to re-authorize, the user could not be granted
 * the scope, and the next call would get the same 403; the denial is instead answered at once,
 * inside MCP, as the tool result `Access denied (denied_by_rule): denied by rule
 * "role-viewer-never-granted-mcp:tools:write"`. Callers whose role may hold the scope (bob
 * with `mcp:tools:write` unticked) still get the 403 step-up.
 */
export function neverGrantableRules(
  roleScopes: Readonly<Record<string, readonly string[]>>,
): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const [role, grantable] of Object.entries(roleScopes)) {
    for (const rule of defaultPolicyRules) {
      const scopes = Array.isArray(rule.scopes) ? (rule.scopes as readonly string[]) : [];
      const [scope] = scopes;
      if (scopes.length !== 1 || scope === undefined || scope.endsWith('*')) continue;
      if (grantable.includes(scope)) continue;
      rules.push({
        id: `role-${role}-never-granted-${scope}`,
        description: `The role ${role} can never be granted ${scope}: denied without a step-up`,
        tools: rule.tools,
        effect: 'deny',
        when: { claim: 'role', eq: role },
      });
    }
  }
  return rules;
}

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
  ].join(' ');
}
