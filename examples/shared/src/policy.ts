import { createDefaultPolicies, type PolicyEngine } from '@mcp-auth/core';

/**
 * The examples' policy: core's `createDefaultPolicies()` (`get_*` → `mcp:tools:read`,
 * `send_*` → `mcp:tools:write`, `delete_*` → `mcp:tools:admin`, …) plus `whoami` for anyone
 * signed in. A new engine per call: an example may add its own rules.
 */
export function createExamplePolicy(): PolicyEngine {
  const policy = createDefaultPolicies();
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  return policy;
}
