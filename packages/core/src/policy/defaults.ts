import { PolicyEngine } from './engine.js';
import type { PolicyEngineOptions, PolicyRule, ScopeHierarchyDeclaration } from './types.js';

/**
 * The default scope hierarchy: `mcp:tools:admin` ⊇ `mcp:tools:write` ⊇ `mcp:tools:read` (a
 * token with admin may call the writing and reading tools; MCP 2026-07-28 requires servers to
 * honour such hierarchies — SEP-2350).
 */
export const defaultScopeHierarchy: ScopeHierarchyDeclaration = Object.freeze({
  'mcp:tools:admin': Object.freeze(['mcp:tools:write']),
  'mcp:tools:write': Object.freeze(['mcp:tools:read']),
});

/**
 * The default rules: `read_*`/`get_*`/`list_*`/`search_*` need `mcp:tools:read`;
 * `write_*`/`send_*`/`create_*`/`update_*` need `mcp:tools:write`; `delete_*`/`admin_*` need
 * `mcp:tools:admin`; any other tool needs `mcp:tools:*` (which, as a granted wildcard, also
 * covers the three scopes above). With {@link defaultScopeHierarchy}, a broader one of the
 * three covers the narrower ones.
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

/**
 * A {@link PolicyEngine} holding {@link defaultPolicyRules} and {@link defaultScopeHierarchy};
 * add your own rules (and hierarchy edges) after.
 */
export function createDefaultPolicies(options: PolicyEngineOptions = {}): PolicyEngine {
  const engine = new PolicyEngine(options);
  engine.addScopeHierarchy(defaultScopeHierarchy);
  engine.addRules(defaultPolicyRules);
  return engine;
}
