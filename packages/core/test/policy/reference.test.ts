/**
 * Issue 3, "Correctness beyond examples": the optimized engine (exact-name map, prefix index,
 * per-name cache, position automaton) agrees with a deliberately simple reference evaluator on
 * random rule sets, names, scopes and claims; deny overrides allow under every ordering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PolicyEngine,
  type PolicyRule,
  PolicyValidationError,
  scopeCovers,
} from '../../src/policy/index.js';
import {
  argsArb,
  claimsArb,
  grantedArb,
  hierarchyArb,
  referenceAllowed,
  referenceCovers,
  referenceHasCycle,
  ruleArb,
  rulesArb,
  scopeArb,
  toolNameArb,
} from './arbitraries.js';

/** Scope hierarchies the engine accepts (no cycle), often empty. */
const acyclicArb = fc.oneof(
  fc.constant({} as Record<string, string[]>),
  hierarchyArb.filter((h) => !referenceHasCycle(h)),
);

function engineOf(
  rules: readonly PolicyRule[],
  cacheSize?: number,
  hierarchy: Record<string, string[]> = {},
): PolicyEngine {
  const engine = new PolicyEngine(cacheSize === undefined ? {} : { cacheSize });
  engine.addScopeHierarchy(hierarchy);
  engine.addRules(rules);
  return engine;
}

describe('PolicyEngine agrees with the reference evaluator', () => {
  it('on every decision for random rules, names, scopes, claims and arguments', () => {
    fc.assert(
      fc.property(
        rulesArb,
        fc.array(fc.tuple(toolNameArb, grantedArb, claimsArb, argsArb), {
          minLength: 1,
          maxLength: 12,
        }),
        acyclicArb,
        (rules, requests, h) => {
          // A tiny cache forces evictions, so cached and uncached paths are both exercised.
          const engine = engineOf(rules, 4, h);
          for (const [tool, scopes, claims, args] of requests) {
            const expected = referenceAllowed(rules, tool, scopes, claims, args, h);
            const decision = engine.evaluate({ tool, scopes, claims, args });
            expect(decision.allowed).toBe(expected);
            expect(decision.effect).toBe(expected ? 'allow' : 'deny');
            // Asking again (now cached) gives the same answer.
            expect(engine.evaluate({ tool, scopes, claims, args }).allowed).toBe(expected);
            expect(engine.explain({ tool, scopes, claims, args }).decision.allowed).toBe(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('missingScopes is exactly what gets the call through; empty means scopes cannot help', () => {
    fc.assert(
      fc.property(
        rulesArb,
        toolNameArb,
        grantedArb,
        claimsArb,
        argsArb,
        acyclicArb,
        (rules, tool, scopes, claims, args, h) => {
          const engine = engineOf(rules, undefined, h);
          const decision = engine.evaluate({ tool, scopes, claims, args });
          if (decision.allowed) {
            expect(decision.missingScopes).toEqual([]);
            return;
          }
          if (decision.missingScopes.length > 0) {
            expect(decision.code).toBe('insufficient_scope');
            // Minimal (SEP-2350): nothing the grant covers, nothing another missing one covers.
            for (const m of decision.missingScopes) {
              expect(referenceCovers(scopes, m, h)).toBe(false);
              const others = decision.missingScopes.filter((o) => o !== m);
              expect(referenceCovers(others, m, h)).toBe(false);
            }
            const stepUp = [...scopes, ...decision.missingScopes];
            expect(engine.evaluate({ tool, scopes: stepUp, claims, args }).allowed).toBe(true);
          } else {
            const every = [...scopes, ...engine.scopesSupported(), 's:*', 't:*'];
            expect(engine.evaluate({ tool, scopes: every, claims, args }).allowed).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('deny overrides allow under every ordering of the rules', () => {
    fc.assert(
      fc.property(
        rulesArb,
        fc.array(fc.tuple(toolNameArb, grantedArb, claimsArb, argsArb), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.infiniteStream(fc.nat()),
        (rules, requests, seeds) => {
          const orders: PolicyRule[][] = [rules, [...rules].reverse()];
          const it = seeds[Symbol.iterator]();
          for (let k = 0; k < 3; k++) {
            const shuffled = [...rules];
            for (let i = shuffled.length - 1; i > 0; i--) {
              const j = (it.next().value as number) % (i + 1);
              [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
            }
            orders.push(shuffled);
          }
          const engines = orders.map((o) => engineOf(o));
          for (const [tool, scopes, claims, args] of requests) {
            const answers = engines.map((e) => e.evaluate({ tool, scopes, claims, args }));
            const allowed = answers[0]!.allowed;
            for (const a of answers) expect(a.allowed).toBe(allowed);
            // An applicable deny rule wins whatever its position.
            if (answers.some((a) => a.code === 'denied_by_rule'))
              for (const a of answers) expect(a.allowed).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a deny rule that applies beats any allow rule, wherever it is inserted', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), fc.nat(), toolNameArb, (rules, at, tool) => {
        const allowAll: PolicyRule = { tools: '.*' };
        const deny: PolicyRule = { tools: '.*', effect: 'deny' };
        const list = [allowAll, ...rules];
        list.splice(at % (list.length + 1), 0, deny);
        const engine = engineOf(list.map((r, i) => ({ ...r, id: `x${i}` })));
        const d = engine.evaluate({ tool, scopes: ['s:*'], claims: { sub: 'u1' } });
        expect(d.allowed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('toJSON → fromJSON keeps every decision (rules without predicates)', () => {
    fc.assert(
      fc.property(
        rulesArb.filter((rules) => rules.every((r) => typeof r.when !== 'function')),
        toolNameArb,
        grantedArb,
        claimsArb,
        argsArb,
        acyclicArb,
        (rules, tool, scopes, claims, args, h) => {
          const engine = engineOf(rules, undefined, h);
          const json = engine.toJSON();
          const copy = PolicyEngine.fromJSON(JSON.parse(JSON.stringify(json)));
          expect(copy.toJSON()).toEqual(json);
          expect(copy.evaluate({ tool, scopes, claims, args })).toEqual(
            engine.evaluate({ tool, scopes, claims, args }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('visibleTools lists exactly the names a call without argument conditions would allow', () => {
    fc.assert(
      fc.property(
        rulesArb.map((rules) => rules.map(({ args: _drop, ...r }) => r)),
        fc.array(toolNameArb, { maxLength: 8 }),
        grantedArb,
        claimsArb,
        acyclicArb,
        (rules, names, scopes, claims, h) => {
          const engine = engineOf(rules, undefined, h);
          const visible = engine.visibleTools(names, { scopes, claims });
          expect(visible).toEqual(
            names.filter((n) => referenceAllowed(rules, n, scopes, claims, undefined, h)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a hierarchy is refused exactly when it has a cycle, and coverage agrees with the reference', () => {
    fc.assert(
      fc.property(hierarchyArb, grantedArb, scopeArb, (h, granted, scope) => {
        const engine = new PolicyEngine();
        if (referenceHasCycle(h)) {
          expect(() => engine.addScopeHierarchy(h)).toThrow(PolicyValidationError);
          expect(engine.scopeHierarchy.size).toBe(0);
          return;
        }
        engine.addScopeHierarchy(h);
        expect(engine.coversScope(granted, scope)).toBe(referenceCovers(granted, scope, h));
        // The expanded grant, read without the hierarchy, covers exactly what the grant does.
        const expanded = engine.expandScopes(granted);
        for (const e of expanded) expect(referenceCovers(granted, e, h)).toBe(true);
        expect(scopeCovers(expanded, scope)).toBe(referenceCovers(granted, scope, h));
      }),
      { numRuns: 500 },
    );
  });
});
