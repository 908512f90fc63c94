/**
 * Scope hierarchies (MCP 2026-07-28 authorization, "Step-Up Authorization Flow": servers MUST
 * account for scope hierarchies, where a broader scope implies narrower ones — SEP-2350) and
 * no `offline_access` in what a protected resource advertises or challenges for (SEP-2207).
 */
import { describe, expect, it } from 'vitest';
import {
  coveringScope,
  createDefaultPolicies,
  defaultScopeHierarchy,
  PolicyEngine,
  PolicyValidationError,
  policyJsonSchema,
  resourceScopes,
  ScopeHierarchy,
  scopeCovers,
} from '../../src/policy/index.js';
import { createProtectedResourceMetadata } from '../../src/server/metadata.js';

const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';
const ADMIN = 'mcp:tools:admin';

function validationError(fn: () => unknown): PolicyValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected a PolicyValidationError');
}

describe('scope hierarchy: declaring it', () => {
  it('is transitive: admin ⊇ write ⊇ read lets an admin token call a reading tool', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ [ADMIN]: [WRITE], [WRITE]: [READ] });
    e.addToolScopePolicy('read_.*', [READ]);
    e.addToolScopePolicy('send_.*', [WRITE]);
    e.addToolScopePolicy('delete_.*', [ADMIN]);
    const allowed = (tool: string, scopes: string[]) => e.evaluate({ tool, scopes }).allowed;
    expect(allowed('read_x', [ADMIN])).toBe(true);
    expect(allowed('send_x', [ADMIN])).toBe(true);
    expect(allowed('read_x', [WRITE])).toBe(true);
    // Never upwards.
    expect(allowed('send_x', [READ])).toBe(false);
    expect(allowed('delete_x', [WRITE])).toBe(false);
    expect(e.scopeHierarchy.implied(ADMIN)).toEqual([WRITE, READ]);
  });

  it('merges later declarations per parent', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ a: ['b'] });
    e.addScopeHierarchy({ a: ['c', 'b'], c: ['d'] });
    expect(e.scopeHierarchy.toJSON()).toEqual({ a: ['b', 'c'], c: ['d'] });
    expect(e.coversScope(['a'], 'd')).toBe(true);
  });

  it('refuses a cycle at load, naming it, and changes nothing', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ [ADMIN]: [WRITE] });
    const error = validationError(() => e.addScopeHierarchy({ [WRITE]: [READ], [READ]: [ADMIN] }));
    expect(error.message).toContain('cycle');
    expect(error.problems[0]!.message).toMatch(
      /mcp:tools:admin → mcp:tools:write → mcp:tools:read → mcp:tools:admin|mcp:tools:write → mcp:tools:read → mcp:tools:admin → mcp:tools:write|mcp:tools:read → mcp:tools:admin → mcp:tools:write → mcp:tools:read/,
    );
    // The failed declaration left the engine as it was.
    expect(e.scopeHierarchy.toJSON()).toEqual({ [ADMIN]: [WRITE] });
    expect(e.coversScope([WRITE], READ)).toBe(false);
  });

  it('refuses a scope implying itself, directly or through a wildcard', () => {
    expect(() => ScopeHierarchy.from({ a: ['a'] })).toThrow(/cycle: a → a/);
    // a:x implies a:*, and a granted a:* covers a:x: a:x would be as wide as a:*.
    expect(() => ScopeHierarchy.from({ 'a:x': ['a:*'] })).toThrow(/cycle/);
    // b implies a:*, which covers a:c, which implies b.
    expect(() => ScopeHierarchy.from({ b: ['a:*'], 'a:c': ['b'] })).toThrow(/cycle/);
    // Not a cycle: a:* implies b, b implies a:y (a:y does not imply a:*).
    expect(ScopeHierarchy.from({ 'a:*': ['b'], b: ['a:y'] }).covers(['a:*'], 'a:y')).toBe(true);
  });

  it('refuses what is not a hierarchy of scope tokens, with pointers', () => {
    const e = new PolicyEngine();
    expect(() => e.addScopeHierarchy([] as never)).toThrow(PolicyValidationError);
    expect(() => e.addScopeHierarchy(null as never)).toThrow(PolicyValidationError);
    const error = validationError(() =>
      e.addScopeHierarchy({ 'has space': ['x'], ok: 'x' as never, ok2: ['bad"quote'] }),
    );
    expect(error.problems.map((p) => p.pointer)).toEqual(['/has space', '/ok', '/ok2/0']);
    expect(e.scopeHierarchy.size).toBe(0);
  });

  it('a scope named __proto__ stays data', () => {
    const h = ScopeHierarchy.from(JSON.parse('{"__proto__": ["x"]}'));
    expect(h.covers(['__proto__'], 'x')).toBe(true);
    const json = h.toJSON();
    expect(Object.keys(json)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('scope hierarchy: one coverage rule with :* wildcards', () => {
  it('scopeCovers / coveringScope take the hierarchy; without it nothing changes', () => {
    const h = ScopeHierarchy.from(defaultScopeHierarchy);
    expect(scopeCovers([ADMIN], READ)).toBe(false);
    expect(scopeCovers([ADMIN], READ, h)).toBe(true);
    expect(coveringScope(['x', ADMIN], READ, h)).toBe(ADMIN);
    expect(coveringScope(['mcp:tools:*', ADMIN], READ, h)).toBe('mcp:tools:*');
    expect(scopeCovers(['mcp:tools:*'], 'mcp:tools', h)).toBe(false);
  });

  it('a granted wildcard covers what the declared scopes under it imply', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ [ADMIN]: ['legacy:write'] });
    e.addToolScopePolicy('old_tool', ['legacy:write']);
    expect(e.evaluate({ tool: 'old_tool', scopes: ['mcp:*'] }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'old_tool', scopes: ['mcp:tools:*'] }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'old_tool', scopes: ['mcp:other:*'] }).allowed).toBe(false);
  });

  it('a declared child may be a wildcard: the parent covers everything under it', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ root: ['mcp:*'] });
    e.addToolScopePolicy('w', ['mcp:tools:*']);
    e.addToolScopePolicy('r', [READ]);
    expect(e.evaluate({ tool: 'w', scopes: ['root'] }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'r', scopes: ['root'] }).allowed).toBe(true);
    // A required wildcard is still not covered by a narrower grant.
    expect(e.evaluate({ tool: 'w', scopes: [ADMIN] }).allowed).toBe(false);
  });

  it('the defaults declare admin ⊇ write ⊇ read, and mcp:tools:* still covers all three', () => {
    const e = createDefaultPolicies();
    const allowed = (tool: string, scopes: string[]) => e.evaluate({ tool, scopes }).allowed;
    expect(e.scopeHierarchy.toJSON()).toEqual({ [ADMIN]: [WRITE], [WRITE]: [READ] });
    for (const t of ['read_x', 'send_x', 'delete_x']) expect(allowed(t, [ADMIN])).toBe(true);
    for (const t of ['read_x', 'send_x']) expect(allowed(t, [WRITE])).toBe(true);
    expect(allowed('delete_x', [WRITE])).toBe(false);
    for (const t of ['read_x', 'send_x', 'delete_x', 'whoami'])
      expect(allowed(t, ['mcp:tools:*'])).toBe(true);
    // The catch-all rule still needs the wildcard: admin is not "everything".
    expect(allowed('whoami', [ADMIN])).toBe(false);
  });
});

describe('scope hierarchy: challenges ask only for what the operation needs', () => {
  it('a read-only token calling a write tool is missing write only', () => {
    const e = createDefaultPolicies();
    const d = e.evaluate({ tool: 'send_email', scopes: [READ] });
    expect(d.code).toBe('insufficient_scope');
    expect(d.missingScopes).toEqual([WRITE]);
  });

  it('never asks for a scope another missing one implies, nor one already covered', () => {
    const e = createDefaultPolicies();
    e.addRule({ id: 'both', tools: 'sync_all', scopes: [READ, WRITE] });
    expect(e.evaluate({ tool: 'sync_all', scopes: [] }).missingScopes).toEqual([WRITE]);
    expect(e.evaluate({ tool: 'sync_all', scopes: [READ] }).missingScopes).toEqual([WRITE]);
    e.addRule({ id: 'three', tools: 'triple', scopes: [READ, ADMIN, 'extra', WRITE] });
    expect(e.evaluate({ tool: 'triple', scopes: [] }).missingScopes).toEqual([ADMIN, 'extra']);
    expect(e.evaluate({ tool: 'triple', scopes: [ADMIN] }).missingScopes).toEqual(['extra']);
    expect(e.evaluate({ tool: 'triple', scopes: [ADMIN, 'extra'] }).allowed).toBe(true);
  });

  it('of two matching rules, the step-up asks for the narrower scope', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy(defaultScopeHierarchy);
    e.addRule({ id: 'admins', tools: 'report', scopes: [ADMIN] });
    e.addRule({ id: 'readers', tools: 'report', scopes: [READ] });
    const d = e.evaluate({ tool: 'report', scopes: [] });
    expect(d.ruleId).toBe('readers');
    expect(d.missingScopes).toEqual([READ]);
  });

  it('requiredScopesFor (the 401 challenge) is minimized the same way', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy(defaultScopeHierarchy);
    e.addRule({ tools: 'sync_all', scopes: [READ, WRITE] });
    e.addRule({ tools: 'wide', scopes: ['mcp:tools:*', READ] });
    expect(e.requiredScopesFor('sync_all')).toEqual([WRITE]);
    expect(e.requiredScopesFor('wide')).toEqual(['mcp:tools:*']);
    expect(createDefaultPolicies().requiredScopesFor('send_x')).toEqual([WRITE]);
  });

  it('explain names the granted scope that covered each requirement', () => {
    const e = createDefaultPolicies();
    const { decision, rules } = e.explain({ tool: 'read_file', scopes: ['other', ADMIN] });
    expect(decision.allowed).toBe(true);
    const read = rules.find((r) => r.ruleId === 'default-read')!;
    expect(read.outcome).toBe('allows');
    expect(read.coveredBy).toEqual([{ scope: READ, by: ADMIN }]);
    expect(read.detail).toContain(`${READ} by ${ADMIN}`);
    // The catch-all rule matched, but admin does not cover mcp:tools:*.
    const all = rules.find((r) => r.ruleId === 'default-all')!;
    expect(all.matched).toBe(true);
    expect(all.coveredBy).toEqual([]);
    expect(all.missingScopes).toEqual(['mcp:tools:*']);
    // An exact match names itself.
    const own = e.explain({ tool: 'send_x', scopes: [WRITE] }).rules;
    expect(own.find((r) => r.ruleId === 'default-write')!.coveredBy).toEqual([
      { scope: WRITE, by: WRITE },
    ]);
  });
});

describe('scope hierarchy: tools/list and consent', () => {
  it('visibleTools and isVisible follow the hierarchy', () => {
    const e = createDefaultPolicies();
    const tools = ['read_file', 'send_email', 'delete_user', 'whoami'];
    expect(e.visibleTools(tools, { scopes: [ADMIN] })).toEqual([
      'read_file',
      'send_email',
      'delete_user',
    ]);
    expect(e.visibleTools(tools, { scopes: [WRITE] })).toEqual(['read_file', 'send_email']);
    expect(e.isVisible('read_file', { scopes: [WRITE] })).toBe(true);
    expect(e.isVisible('delete_user', { scopes: [WRITE] })).toBe(false);
  });

  it('coversScope and expandScopes give consent what the grant includes', () => {
    const e = createDefaultPolicies();
    // A user who may be granted admin may be granted read; not the other way round.
    expect(e.coversScope([ADMIN], READ)).toBe(true);
    expect(e.coversScope([READ], ADMIN)).toBe(false);
    expect(e.expandScopes([ADMIN])).toEqual([ADMIN, WRITE, READ]);
    expect(e.expandScopes([WRITE, 'x', WRITE])).toEqual([WRITE, 'x', READ]);
    expect(e.expandScopes(['mcp:tools:*'])).toEqual(['mcp:tools:*', ADMIN, WRITE, READ]);
  });

  it('scopesSupported adds the scopes only the hierarchy names', () => {
    const e = new PolicyEngine();
    e.addScopeHierarchy({ 'mcp:all': [WRITE] });
    e.addToolScopePolicy('send_x', [WRITE]);
    expect(e.scopesSupported()).toEqual([WRITE, 'mcp:all']);
    expect(createDefaultPolicies().scopesSupported()).toEqual([READ, WRITE, ADMIN, 'mcp:tools:*']);
  });
});

describe('scope hierarchy in the JSON policy', () => {
  const doc = {
    version: 1,
    scopeHierarchy: { [ADMIN]: [WRITE], [WRITE]: [READ] },
    rules: [{ id: 'read', tools: ['read_.*'], effect: 'allow', scopes: { allOf: [READ] } }],
  };

  it('round-trips through fromJSON and toJSON, and decides the same', () => {
    const e = PolicyEngine.fromJSON(doc);
    expect(e.toJSON()).toEqual(doc);
    expect(e.evaluate({ tool: 'read_x', scopes: [ADMIN] }).allowed).toBe(true);
    const copy = PolicyEngine.fromJSON(JSON.parse(JSON.stringify(createDefaultPolicies())));
    expect(copy.toJSON()).toEqual(createDefaultPolicies().toJSON());
    expect(copy.coversScope([ADMIN], READ)).toBe(true);
    // No hierarchy, no key: documents written before stay byte-identical.
    const plain = new PolicyEngine();
    plain.addToolScopePolicy('a', ['s']);
    expect(Object.keys(plain.toJSON())).toEqual(['version', 'rules']);
  });

  it('refuses a cycle with a pointer into /scopeHierarchy, along with other problems', () => {
    const error = validationError(() =>
      PolicyEngine.fromJSON({
        version: 1,
        scopeHierarchy: { a: ['b'], b: ['a'] },
        rules: [{ tools: '(a+)+' }],
      }),
    );
    expect(error.problems.map((p) => p.pointer)).toEqual(['/scopeHierarchy/a', '/rules/0/tools']);
    expect(error.problems[0]!.message).toContain('a → b → a');
  });

  it('the JSON Schema describes scopeHierarchy', () => {
    const prop = policyJsonSchema.properties.scopeHierarchy;
    expect(prop.type).toBe('object');
    expect(prop.propertyNames).toEqual({ $ref: '#/$defs/scope' });
    expect(prop.additionalProperties).toEqual({ $ref: '#/$defs/scopeList' });
    expect(policyJsonSchema.$defs.scopeList.items).toEqual({ $ref: '#/$defs/scope' });
  });
});

describe('offline_access is not a resource scope (SEP-2207)', () => {
  it('a rule cannot require it', () => {
    const e = new PolicyEngine();
    const error = validationError(() =>
      e.addRule({ tools: 'x', scopes: { anyOf: [READ, 'offline_access'] } }),
    );
    expect(error.problems[0]!.pointer).toBe('/scopes/anyOf/1');
    expect(error.problems[0]!.message).toContain('SEP-2207');
    expect(() =>
      PolicyEngine.fromJSON({ version: 1, rules: [{ tools: 'x', scopes: ['offline_access'] }] }),
    ).toThrow(PolicyValidationError);
  });

  it('a hierarchy cannot name it', () => {
    expect(() => ScopeHierarchy.from({ offline_access: [READ] })).toThrow(/SEP-2207/);
    expect(() => ScopeHierarchy.from({ [ADMIN]: ['offline_access'] })).toThrow(/SEP-2207/);
  });

  it('so scopesSupported, challenges and PRM never carry it', () => {
    const e = createDefaultPolicies();
    expect(e.scopesSupported()).not.toContain('offline_access');
    // A token holding it (the AS granted a refresh token) changes nothing, and is not asked for.
    const d = e.evaluate({ tool: 'send_x', scopes: ['offline_access', READ] });
    expect(d.missingScopes).toEqual([WRITE]);
    expect(resourceScopes(['offline_access', READ, READ, WRITE])).toEqual([READ, WRITE]);
    const prm = createProtectedResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: [READ, 'offline_access'],
    });
    expect(prm.scopes_supported).toEqual([READ]);
    const none = createProtectedResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['offline_access'],
    });
    expect(none.scopes_supported).toBeUndefined();
  });
});
