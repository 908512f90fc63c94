/** SECURITY-CASES 41–45 (policy engine), as named tests. */
import { describe, expect, it } from 'vitest';
import {
  createDefaultPolicies,
  PolicyEngine,
  PolicyValidationError,
} from '../../src/policy/index.js';

const admin = ['mcp:tools:*'];

describe('SECURITY-CASES policy engine', () => {
  it('41: pattern delete_.* does not match undelete_x; every pattern is matched whole', () => {
    const engine = new PolicyEngine();
    engine.addToolScopePolicy('delete_.*', ['mcp:tools:admin']);
    expect(engine.evaluate({ tool: 'delete_x', scopes: ['mcp:tools:admin'] }).allowed).toBe(true);
    const d = engine.evaluate({ tool: 'undelete_x', scopes: ['mcp:tools:admin'] });
    expect(d).toMatchObject({ allowed: false, code: 'no_matching_rule' });
    expect(engine.evaluate({ tool: 'delete_x_', scopes: ['mcp:tools:admin'] }).allowed).toBe(true);
    engine.addToolScopePolicy('read', ['r']);
    expect(engine.evaluate({ tool: 'read_all', scopes: ['r'] }).code).toBe('no_matching_rule');
    expect(engine.evaluate({ tool: 'xread', scopes: ['r'] }).code).toBe('no_matching_rule');
  });

  it.each([
    ['a newline', 'read_x\n'],
    ['an inner newline', 'read\nx'],
    ['a space', 'read x'],
    ['a slash', 'read/x'],
    ['a NUL', 'read\u0000'],
    ['non-ASCII', 'reäd'],
    ['the empty name', ''],
    ['129 characters', `read_${'x'.repeat(124)}`],
  ])('42: a tool name with %s is denied without running any pattern', (_label, tool) => {
    let ran = false;
    const engine = new PolicyEngine();
    engine.addRule({
      id: 'everything',
      tools: '.*',
      when: () => {
        ran = true;
        return true;
      },
    });
    const d = engine.evaluate({ tool, scopes: admin });
    expect(d).toMatchObject({ allowed: false, code: 'invalid_tool_name', missingScopes: [] });
    expect(ran).toBe(false);
    // The reason never echoes the hostile name.
    if (tool.length > 0) expect(d.reason).not.toContain(tool);
  });

  it('42: a 128-character name is still considered', () => {
    const engine = new PolicyEngine();
    engine.addRule({ tools: 'read_.*' });
    expect(engine.evaluate({ tool: `read_${'x'.repeat(123)}`, scopes: [] }).allowed).toBe(true);
  });

  it('43: ^(a+)+$-style patterns are refused when the policy loads, naming the rule and why', () => {
    const engine = new PolicyEngine();
    let error: unknown;
    try {
      engine.addRule({ id: 'evil', tools: ['ok_.*', '^(a+)+$'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect(error).toBeInstanceOf(TypeError);
    const err = error as PolicyValidationError;
    expect(err.code).toBe('ERR_POLICY_INVALID');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.pointer).toBe('/tools/1');
    expect(err.message).toContain('rule "evil"');
    expect(err.message).toContain('nested quantifier');
    expect(engine.size).toBe(0);

    let jsonError: unknown;
    try {
      PolicyEngine.fromJSON({
        version: 1,
        rules: [
          { id: 'fine', tools: 'read_.*' },
          { id: 'bad1', tools: '(x*)*y' },
          { id: 'bad2', tools: ['(a)\\1'] },
          { id: 'bad3', tools: '(?=admin).*' },
        ],
      });
    } catch (e) {
      jsonError = e;
    }
    expect((jsonError as PolicyValidationError).problems.map((p) => p.pointer)).toEqual([
      '/rules/1/tools',
      '/rules/2/tools/0',
      '/rules/3/tools',
    ]);
  });

  it('43: matching time stays bounded for accepted patterns against hostile names', () => {
    const engine = new PolicyEngine();
    engine.addRules([
      { tools: 'a*a*a*a*a*a*a*a*a*a*b' },
      { tools: '.*a.*a.*a.*a.*a.*a.*a.*b' },
      { tools: '[a-z]*_*[a-z]*_*[a-z]*_*c' },
    ]);
    const start = performance.now();
    for (let i = 0; i < 200; i++) {
      const name = `${'a'.repeat(120)}${'_'.repeat(7)}${i % 10}`;
      expect(engine.evaluate({ tool: name, scopes: [] }).allowed).toBe(false);
    }
    expect(performance.now() - start).toBeLessThan(2000); // backtracking would take far longer
  });

  it('44: no matching rule, an empty policy, or an unknown tool → deny', () => {
    const empty = new PolicyEngine();
    expect(empty.evaluate({ tool: 'read_x', scopes: admin })).toMatchObject({
      allowed: false,
      effect: 'deny',
      code: 'no_matching_rule',
      ruleId: undefined,
      missingScopes: [],
    });
    const engine = new PolicyEngine();
    engine.addToolScopePolicy('read_.*', ['mcp:tools:read']);
    expect(
      engine.evaluate({ tool: 'write_x', scopes: ['mcp:tools:read', 'mcp:tools:*'] }).allowed,
    ).toBe(false);
    expect(engine.evaluate({ tool: 'unknown', scopes: ['mcp:tools:read'] }).code).toBe(
      'no_matching_rule',
    );
    expect(empty.visibleTools(['read_x', 'write_x'], { scopes: admin })).toEqual([]);
    // Under the defaults, a tool outside the families needs the full wildcard.
    const defaults = createDefaultPolicies();
    expect(
      defaults.evaluate({ tool: 'whoami', scopes: ['mcp:tools:read', 'mcp:tools:write'] }).allowed,
    ).toBe(false);
  });

  it('45: a condition that throws → deny, and the reason says so', () => {
    const engine = new PolicyEngine();
    engine.addRule({ id: 'open', tools: 'read_.*' });
    engine.addRule({
      id: 'fragile',
      tools: 'read_.*',
      when: () => {
        throw new Error('directory unreachable');
      },
    });
    const d = engine.evaluate({ tool: 'read_x', scopes: [] });
    expect(d).toMatchObject({ allowed: false, code: 'condition_error', ruleId: 'fragile' });
    expect(d.reason).toMatch(/threw/);
    // A predicate returning a non-boolean (e.g. a Promise) is treated the same way.
    const asyncy = new PolicyEngine();
    asyncy.addRule({
      id: 'async',
      tools: '.*',
      when: (() => Promise.resolve(true)) as unknown as () => boolean,
    });
    expect(asyncy.evaluate({ tool: 'x', scopes: [] })).toMatchObject({
      allowed: false,
      code: 'condition_error',
    });
    // An argument object whose getter throws is caught too.
    const args = new PolicyEngine();
    args.addRule({ id: 'arg', tools: '.*', args: { arg: 'owner', eq: 'u1' } });
    const hostile = Object.defineProperty({}, 'owner', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(args.evaluate({ tool: 'x', scopes: [], args: hostile })).toMatchObject({
      allowed: false,
      code: 'condition_error',
    });
    expect(args.explain({ tool: 'x', scopes: [], args: hostile }).rules[0]!.conditions).toBe(
      'error',
    );
  });
});
