import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createDefaultPolicies,
  PolicyEngine,
  type PolicyDecisionEvent,
  PolicyValidationError,
  policyJsonSchema,
} from './index.js';

function validationError(fn: () => unknown): PolicyValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected a PolicyValidationError');
}

describe('PolicyEngine scopes', () => {
  it('compares scopes exactly and case-sensitively', () => {
    const e = new PolicyEngine();
    e.addToolScopePolicy('read_.*', ['mcp:tools:read']);
    expect(e.evaluate({ tool: 'read_x', scopes: ['MCP:tools:read'] }).allowed).toBe(false);
    expect(e.evaluate({ tool: 'read_x', scopes: ['mcp:tools:rea'] }).allowed).toBe(false);
    expect(e.evaluate({ tool: 'read_x', scopes: ['mcp:tools:read'] }).allowed).toBe(true);
  });

  it('a granted scope ending in :* covers every scope under that prefix, nothing else', () => {
    const e = new PolicyEngine();
    e.addToolScopePolicy('a', ['mcp:tools:read']);
    e.addToolScopePolicy('b', ['mcp:tools:admin:users']);
    e.addToolScopePolicy('c', ['mcp:tools']);
    e.addToolScopePolicy('d', ['mcp:toolsX']);
    const granted = ['mcp:tools:*'];
    expect(e.evaluate({ tool: 'a', scopes: granted }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'b', scopes: granted }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'c', scopes: granted }).allowed).toBe(false);
    expect(e.evaluate({ tool: 'd', scopes: granted }).allowed).toBe(false);
    // A required wildcard is not a wildcard: `mcp:tools:read` does not satisfy `mcp:tools:*`.
    e.addToolScopePolicy('w', ['mcp:tools:*']);
    expect(e.evaluate({ tool: 'w', scopes: ['mcp:tools:read'] }).allowed).toBe(false);
    expect(e.evaluate({ tool: 'w', scopes: ['mcp:*'] }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'a', scopes: ['*'] }).allowed).toBe(false);
  });

  it('allOf lists every missing scope; anyOf names its first alternative', () => {
    const e = new PolicyEngine();
    e.addRule({ id: 'all', tools: 'x', scopes: { allOf: ['s1', 's2', 's3'] } });
    e.addRule({ id: 'any', tools: 'y', scopes: { anyOf: ['t1', 't2'] } });
    expect(e.evaluate({ tool: 'x', scopes: ['s2'] })).toMatchObject({
      allowed: false,
      code: 'insufficient_scope',
      ruleId: 'all',
      requiredScopes: ['s1', 's2', 's3'],
      missingScopes: ['s1', 's3'],
    });
    expect(e.evaluate({ tool: 'y', scopes: [] }).missingScopes).toEqual(['t1']);
    expect(e.evaluate({ tool: 'y', scopes: ['t2'] }).allowed).toBe(true);
  });

  it('step-up asks for the least privilege: no wildcard if avoidable, then fewest scopes', () => {
    const e = createDefaultPolicies();
    e.addRule({ id: 'deploy', tools: 'deploy', scopes: ['mcp:tools:write', 'ops'] });
    expect(e.evaluate({ tool: 'deploy', scopes: [] })).toMatchObject({
      ruleId: 'deploy',
      missingScopes: ['mcp:tools:write', 'ops'],
    });
    expect(e.evaluate({ tool: 'whoami', scopes: [] }).missingScopes).toEqual(['mcp:tools:*']);
  });

  it('reports the closest allow rule for step-up', () => {
    const e = new PolicyEngine();
    e.addRule({ id: 'wide', tools: 'x', scopes: ['a', 'b', 'c'] });
    e.addRule({ id: 'narrow', tools: 'x', scopes: ['d'] });
    expect(e.evaluate({ tool: 'x', scopes: [] })).toMatchObject({
      ruleId: 'narrow',
      missingScopes: ['d'],
    });
  });
});

describe('PolicyEngine conditions', () => {
  const claims = {
    sub: 'alice',
    department: 'eng',
    level: 4,
    roles: ['dev', 'oncall'],
    email: 'alice@example.com',
    address: { country: 'FR' },
    'https://example.com/tier': 'gold',
    nothing: null,
  };
  const check = (when: unknown) => {
    const e = new PolicyEngine();
    e.addRule({ tools: 't', when: when as never });
    return e.evaluate({ tool: 't', scopes: [], claims }).allowed;
  };

  it.each([
    [{ claim: 'department', eq: 'eng' }, true],
    [{ claim: 'department', eq: 'ENG' }, false],
    [{ claim: 'level', eq: '4' }, false],
    [{ claim: 'missing', eq: null }, false],
    [{ claim: 'nothing', eq: null }, true],
    [{ claim: 'department', in: ['ops', 'eng'] }, true],
    [{ claim: 'department', in: [] }, false],
    [{ claim: 'roles', contains: 'oncall' }, true],
    [{ claim: 'roles', contains: 'admin' }, false],
    [{ claim: 'email', contains: '@example.com' }, true],
    [{ claim: 'department', exists: true }, true],
    [{ claim: 'nothing', exists: true }, false],
    [{ claim: 'missing', exists: false }, true],
    [{ claim: 'level', gt: 3 }, true],
    [{ claim: 'level', gt: 4 }, false],
    [{ claim: 'level', gte: 4 }, true],
    [{ claim: 'level', lt: 4 }, false],
    [{ claim: 'level', lte: 4 }, true],
    [{ claim: 'department', gt: 1 }, false],
    [{ claim: ['address', 'country'], eq: 'FR' }, true],
    [{ claim: 'address.country', eq: 'FR' }, false],
    [{ claim: 'https://example.com/tier', eq: 'gold' }, true],
    [{ claim: ['__proto__', 'polluted'], exists: true }, false],
    [
      {
        all: [
          { claim: 'department', eq: 'eng' },
          { claim: 'level', gte: 3 },
        ],
      },
      true,
    ],
    [
      {
        all: [
          { claim: 'department', eq: 'eng' },
          { claim: 'level', gte: 5 },
        ],
      },
      false,
    ],
    [
      {
        any: [
          { claim: 'department', eq: 'ops' },
          { claim: 'level', gte: 3 },
        ],
      },
      true,
    ],
    [{ not: { claim: 'department', eq: 'eng' } }, false],
  ])('%j → %s', (when, expected) => {
    expect(check(when)).toBe(expected);
  });

  it('args conditions can refer to a claim: the owner must be the caller', () => {
    const e = new PolicyEngine();
    e.addRule({
      id: 'own-docs',
      tools: 'delete_doc',
      args: { arg: 'owner', eq: { claim: 'sub' } },
    });
    const call = (args: Record<string, unknown> | undefined, sub?: string) =>
      e.evaluate({
        tool: 'delete_doc',
        scopes: [],
        claims: sub === undefined ? {} : { sub },
        args,
      });
    expect(call({ owner: 'alice' }, 'alice').allowed).toBe(true);
    expect(call({ owner: 'bob' }, 'alice')).toMatchObject({
      allowed: false,
      code: 'condition_not_met',
      missingScopes: [],
    });
    expect(call(undefined, 'alice').allowed).toBe(false);
    // Both sides missing is not "equal".
    expect(call({}, undefined).allowed).toBe(false);
    expect(call({ owner: { toString: () => 'alice' } }, 'alice').allowed).toBe(false);
  });

  it('argument numeric and membership conditions, with claim references', () => {
    const e = new PolicyEngine();
    e.addRule({
      tools: 'transfer',
      args: {
        all: [
          { arg: 'amount', lte: { claim: 'limit' } },
          { arg: 'account', in: { claim: 'accounts' } },
        ],
      },
    });
    const claims = { limit: 100, accounts: ['a1', 'a2'] };
    expect(
      e.evaluate({ tool: 'transfer', scopes: [], claims, args: { amount: 100, account: 'a2' } })
        .allowed,
    ).toBe(true);
    expect(
      e.evaluate({ tool: 'transfer', scopes: [], claims, args: { amount: 101, account: 'a2' } })
        .allowed,
    ).toBe(false);
    expect(
      e.evaluate({ tool: 'transfer', scopes: [], claims, args: { amount: '50', account: 'a2' } })
        .allowed,
    ).toBe(false);
    expect(
      e.evaluate({ tool: 'transfer', scopes: [], claims, args: { amount: 5, account: 'a3' } })
        .allowed,
    ).toBe(false);
  });

  it('predicates see tool, scopes, claims and args and must return a boolean', () => {
    const e = new PolicyEngine();
    const seen: unknown[] = [];
    e.addRule({
      tools: 'p',
      args: (input) => {
        seen.push(input);
        return input.args?.ok === true;
      },
    });
    expect(
      e.evaluate({ tool: 'p', scopes: ['s'], claims: { sub: 'u' }, args: { ok: true } }).allowed,
    ).toBe(true);
    expect(
      e.evaluate({ tool: 'p', scopes: ['s'], claims: { sub: 'u' }, args: { ok: 1 } }).allowed,
    ).toBe(false);
    expect(seen[0]).toEqual({ tool: 'p', scopes: ['s'], claims: { sub: 'u' }, args: { ok: true } });
  });

  it('deny rules with conditions, deny overriding allow', () => {
    const e = new PolicyEngine();
    e.addRule({ id: 'all', tools: '.*' });
    e.addRule({
      id: 'no-contractors',
      tools: 'delete_.*',
      effect: 'deny',
      when: { claim: 'type', eq: 'contractor' },
    });
    expect(e.evaluate({ tool: 'delete_x', scopes: [], claims: { type: 'employee' } }).allowed).toBe(
      true,
    );
    expect(
      e.evaluate({ tool: 'delete_x', scopes: [], claims: { type: 'contractor' } }),
    ).toMatchObject({
      allowed: false,
      code: 'denied_by_rule',
      ruleId: 'no-contractors',
      missingScopes: [],
    });
    expect(e.evaluate({ tool: 'read_x', scopes: [], claims: { type: 'contractor' } }).allowed).toBe(
      true,
    );
  });
});

describe('PolicyEngine validation', () => {
  it('refuses bad rules in code with a TypeError naming the rule', () => {
    const e = new PolicyEngine();
    const err = validationError(() =>
      e.addRule({ id: 'r', tools: 'x', effect: 'deny', scopes: ['a'], when: { arg: 'x', eq: 1 } }),
    );
    expect(err.problems.map((p) => p.pointer)).toEqual(['/scopes', '/when/arg']);
    expect(err.message).toContain('rule "r"');
    expect(() => e.addRule({ tools: 'x', scope: ['typo'] } as never)).toThrow(
      /unknown rule key "scope"/,
    );
    e.addRule({ id: 'dup', tools: 'x' });
    expect(
      validationError(() => e.addRule({ id: 'dup', tools: 'y' })).problems[0]!.message,
    ).toMatch(/duplicate/);
    expect(() => e.addRules([{ tools: 'ok' }, { tools: '(a+)+' }])).toThrow(PolicyValidationError);
    expect(e.size).toBe(1); // addRules is all-or-nothing
  });

  it('fromJSON lists every problem with a JSON pointer', () => {
    const err = validationError(() =>
      PolicyEngine.fromJSON({
        version: 2,
        extra: true,
        rules: [
          { id: 'a', tools: 'ok', effect: 'maybe' },
          { id: 'a', tools: 'ok2' },
          {
            id: 'b',
            tools: 'x',
            scopes: ['has space', 'ok'],
            when: { claim: 'x', between: [1, 2] },
          },
          { id: 'c', tools: 'x', when: { all: [] }, args: { arg: 'n', gt: 'five' } },
          { id: 'd', tools: 'x', when: { claim: 'x', eq: 1, in: [1] } },
          'not an object',
        ],
      }),
    );
    expect(err.code).toBe('ERR_POLICY_INVALID');
    expect(err.problems.map((p) => p.pointer)).toEqual([
      '/extra',
      '/version',
      '/rules/0/effect',
      '/rules/1/id',
      '/rules/2/scopes/0',
      '/rules/2/when/between',
      '/rules/2/when',
      '/rules/3/when/all',
      '/rules/3/args/gt',
      '/rules/4/when',
      '/rules/5',
    ]);
    expect(() => PolicyEngine.fromJSON(null)).toThrow(PolicyValidationError);
    expect(() =>
      PolicyEngine.fromJSON({ version: 1, rules: [{ tools: 'x', when: () => true }] }),
    ).toThrow(/predicate functions cannot appear/);
  });

  it('round-trips JSON and refuses toJSON with predicates', () => {
    const doc = {
      version: 1 as const,
      rules: [
        {
          id: 'r1',
          description: 'reads',
          tools: ['read_.*', 'get_.*'],
          effect: 'allow' as const,
          scopes: { anyOf: ['a', 'b'] },
          when: { not: { claim: ['org', 'id'], in: ['x'] } },
          args: { arg: 'owner', eq: { claim: 'sub' } },
        },
        {
          id: 'r2',
          tools: ['delete_.*'],
          effect: 'deny' as const,
          when: { claim: 'level', lt: 2 },
        },
      ],
    };
    const engine = PolicyEngine.fromJSON(doc);
    expect(engine.toJSON()).toEqual(doc);
    const exported = engine.toJSON();
    (exported.rules[0]!.tools as string[]).push('mutated');
    expect(engine.toJSON()).toEqual(doc);
    const e = new PolicyEngine();
    e.addRule({ id: 'fn', tools: 'x', when: () => true });
    expect(() => e.toJSON()).toThrow(/rule "fn" uses a predicate/);
  });

  it('rules sharing an identical condition stay independent of exported copies', () => {
    const e = new PolicyEngine();
    e.addRule({ id: 'a', tools: 'a', when: { claim: 'role', eq: 'admin' } });
    e.addRule({ id: 'b', tools: 'b', when: { claim: 'role', eq: 'admin' } });
    const exported = e.toJSON();
    (exported.rules[0]!.when as { eq: string }).eq = 'guest';
    expect(exported.rules[1]!.when).toEqual({ claim: 'role', eq: 'admin' });
    expect(e.evaluate({ tool: 'a', scopes: [], claims: { role: 'admin' } }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'b', scopes: [], claims: { role: 'guest' } }).allowed).toBe(false);
  });

  it('copies rule input: mutating it afterwards changes nothing', () => {
    const rule = { tools: 'x', scopes: ['a'], when: { claim: ['k'], eq: 'v' } };
    const e = new PolicyEngine();
    e.addRule(rule);
    rule.scopes.push('b');
    rule.when.claim[0] = 'other';
    rule.when.eq = 'w';
    expect(e.evaluate({ tool: 'x', scopes: ['a'], claims: { k: 'v' } }).allowed).toBe(true);
  });

  it('refuses bad options', () => {
    expect(() => new PolicyEngine({ cacheSize: 0 })).toThrow(TypeError);
    expect(() => new PolicyEngine({ onDecision: 'x' as never })).toThrow(TypeError);
  });

  it('ships its JSON Schema, identical to policy.schema.json', () => {
    const file = JSON.parse(
      readFileSync(new URL('../../policy.schema.json', import.meta.url), 'utf8'),
    );
    expect(file).toEqual(JSON.parse(JSON.stringify(policyJsonSchema)));
    expect(policyJsonSchema.$defs.rule.required).toEqual(['tools']);
  });
});

describe('PolicyEngine audit, explain, listing, metadata', () => {
  it('emits one audit event per evaluate with who, what, why and when — never a token', () => {
    const events: PolicyDecisionEvent[] = [];
    const e = new PolicyEngine({ onDecision: (ev) => events.push(ev) });
    e.addToolScopePolicy('read_.*', ['r']);
    const claims = { sub: 'alice', client_id: 'cli', access_token: 'SECRET-TOKEN-VALUE' };
    e.evaluate({ tool: 'read_x', scopes: ['r'], claims });
    e.evaluate({ tool: 'read_x', scopes: [], claims });
    e.evaluate({ tool: 'bad\nname', scopes: [], claims });
    e.evaluate({ tool: 'read_x', scopes: ['r'], claims, audit: false });
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      tool: 'read_x',
      subject: 'alice',
      clientId: 'cli',
      decision: 'allow',
      code: 'allowed',
    });
    expect(events[1]).toMatchObject({
      decision: 'deny',
      code: 'insufficient_scope',
      missingScopes: ['r'],
    });
    expect(events[2]!.tool).toBe('bad?name');
    expect(events[0]!.time).toBeInstanceOf(Date);
    expect(Object.keys(events[0]!).sort()).toEqual(
      [
        'clientId',
        'code',
        'decision',
        'missingScopes',
        'reason',
        'ruleId',
        'subject',
        'time',
        'tool',
      ].sort(),
    );
    expect(JSON.stringify(events)).not.toContain('SECRET-TOKEN-VALUE');
  });

  it('a throwing audit listener does not change the decision; unsubscribe works', () => {
    const e = new PolicyEngine();
    e.addRule({ tools: 'x' });
    let calls = 0;
    const off = e.onDecision(() => {
      calls++;
      throw new Error('sink down');
    });
    expect(e.evaluate({ tool: 'x', scopes: [] }).allowed).toBe(true);
    off();
    e.evaluate({ tool: 'x', scopes: [] });
    expect(calls).toBe(1);
  });

  it('explains every rule considered', () => {
    const e = createDefaultPolicies();
    e.addRule({
      id: 'deny-x',
      tools: 'delete_.*',
      effect: 'deny',
      when: { claim: 'frozen', eq: true },
    });
    const { decision, rules } = e.explain({
      tool: 'delete_user',
      scopes: ['mcp:tools:admin'],
      claims: {},
    });
    expect(decision).toMatchObject({ allowed: true, ruleId: 'default-admin' });
    expect(rules.map((r) => [r.ruleId, r.matched, r.outcome])).toEqual([
      ['default-read', false, 'skipped'],
      ['default-write', false, 'skipped'],
      ['default-admin', true, 'allows'],
      ['default-all', true, 'skipped'],
      ['deny-x', true, 'skipped'],
    ]);
    expect(rules[3]!.missingScopes).toEqual(['mcp:tools:*']);
    expect(rules[4]!.conditions).toBe('not_met');
  });

  it('visibleTools filters tools/list; argument conditions do not hide a tool', () => {
    const e = createDefaultPolicies();
    e.addRule({
      id: 'own',
      tools: 'edit_doc',
      scopes: ['mcp:tools:write'],
      args: { arg: 'owner', eq: { claim: 'sub' } },
    });
    e.addRule({ id: 'no-big', tools: 'send_.*', effect: 'deny', args: { arg: 'size', gt: 10 } });
    e.addRule({
      id: 'no-guests',
      tools: 'write_.*',
      effect: 'deny',
      when: { claim: 'guest', eq: true },
    });
    const tools = [
      'read_file',
      'send_email',
      'write_file',
      'delete_user',
      'edit_doc',
      'whoami',
      'bad name',
    ];
    expect(
      e.visibleTools(tools, {
        scopes: ['mcp:tools:read', 'mcp:tools:write'],
        claims: { guest: true },
      }),
    ).toEqual(['read_file', 'send_email', 'edit_doc']);
    expect(e.visibleTools(tools, { scopes: ['mcp:tools:*'] })).toEqual(tools.slice(0, 6));
  });

  it('scopesSupported lists every scope an allow rule can require', () => {
    const e = createDefaultPolicies();
    e.addRule({ tools: 'x', scopes: { anyOf: ['extra:a', 'mcp:tools:read'] } });
    expect(e.scopesSupported()).toEqual([
      'mcp:tools:read',
      'mcp:tools:write',
      'mcp:tools:admin',
      'mcp:tools:*',
      'extra:a',
    ]);
    expect(e.requiredScopesFor('send_email')).toEqual(['mcp:tools:write']);
    expect(e.requiredScopesFor('whoami')).toEqual(['mcp:tools:*']);
    expect(e.requiredScopesFor('bad name')).toEqual([]);
  });

  it('default policies', () => {
    const e = createDefaultPolicies();
    const allowed = (tool: string, scopes: string[]) => e.evaluate({ tool, scopes }).allowed;
    for (const t of ['read_x', 'get_x', 'list_x', 'search_x'])
      expect(allowed(t, ['mcp:tools:read'])).toBe(true);
    for (const t of ['write_x', 'send_x', 'create_x', 'update_x']) {
      expect(allowed(t, ['mcp:tools:write'])).toBe(true);
      expect(allowed(t, ['mcp:tools:read'])).toBe(false);
    }
    for (const t of ['delete_x', 'admin_x']) {
      expect(allowed(t, ['mcp:tools:admin'])).toBe(true);
      expect(allowed(t, ['mcp:tools:write'])).toBe(false);
    }
    for (const t of ['read_x', 'send_x', 'delete_x', 'whoami'])
      expect(allowed(t, ['mcp:tools:*'])).toBe(true);
  });

  it('memory stays bounded: made-up names cannot grow the cache', () => {
    const e = new PolicyEngine({ cacheSize: 100 });
    e.addToolScopePolicy('read_.*', ['r']);
    e.addToolScopePolicy('exact_one', ['r']);
    for (let i = 0; i < 10_000; i++) e.evaluate({ tool: `made_up_${i}`, scopes: ['r'] });
    expect(e.cachedToolNames).toBeLessThanOrEqual(100);
    // Still correct after heavy eviction, and a new rule invalidates cached answers.
    expect(e.evaluate({ tool: 'read_x', scopes: ['r'] }).allowed).toBe(true);
    expect(e.evaluate({ tool: 'made_up_1', scopes: ['r'] }).allowed).toBe(false);
    e.addToolScopePolicy('made_up_.*', ['r']);
    expect(e.evaluate({ tool: 'made_up_1', scopes: ['r'] }).allowed).toBe(true);
  });

  it('evaluate never throws on hostile input', () => {
    const e = createDefaultPolicies();
    for (const tool of [undefined, null, 42, {}, 'read_x'] as unknown as string[])
      expect(() =>
        e.evaluate({ tool, scopes: 'mcp:tools:read' as never, claims: null as never }),
      ).not.toThrow();
  });
});
