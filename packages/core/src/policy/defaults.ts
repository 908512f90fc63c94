import { PolicyEngine } from './engine.js';
import type { PolicyEngineOptions, PolicyRule } from './types.js';

/**
 * The default rules: `read_*`/`get_*`/`list_*`/`search_*` need `mcp:tools:read`;
 * `write_*`/`send_*`/`create_*`/`update_*` need `mcp:tools:write`; `delete_*`/`admin_*` need
 * `mcp:tools:admin`; any other tool needs `mcp:tools:*` (which, as a granted wildcard, also
 * covers the three scopes above).
 */
export const defaultPolicyRules: readonly PolicyRule[] = Object.freeze([
  Object.freeze({
    id: 'default-read',
    description: 'Reading tools need mcp:tools:read',
    tools: Object.freeze(['read_.*', 'get_.*', 'list_.*', 'search_.*']),
    scopes: Object.freeze(['mcp:tools:read']),
  }),
  Object.freeze({
    id: 'default-write',
    description: 'Writing tools need mcp:tools:write',
    tools: Object.freeze(['write_.*', 'send_.*', 'create_.*', 'update_.*']),
    scopes: Object.freeze(['mcp:tools:write']),
  }),
  Object.freeze({
    id: 'default-admin',
    description: 'Destructive and admin tools need mcp:tools:admin',
    tools: Object.freeze(['delete_.*', 'admin_.*']),
    scopes: Object.freeze(['mcp:tools:admin']),
  }),
  Object.freeze({
    id: 'default-all',
    description: 'mcp:tools:* grants every tool',
    tools: '.*',
    scopes: Object.freeze(['mcp:tools:*']),
  }),
]);

/** A {@link PolicyEngine} holding {@link defaultPolicyRules}; add your own rules after. */
export function createDefaultPolicies(options: PolicyEngineOptions = {}): PolicyEngine {
  const engine = new PolicyEngine(options);
  engine.addRules(defaultPolicyRules);
  return engine;
}
