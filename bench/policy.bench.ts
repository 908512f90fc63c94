/**
 * Policy engine speed (issue 3). Cases:
 * - `policy.decide.N`: a decision for a name seen before, with 2 conditions, at N rules (half
 *   exact names, half patterns). `policy.decide.10000` is compared with `policy.decide.10` to
 *   show it does not grow with the number of rules.
 * - `policy.decide.10000.pattern`: the same for a name matched by a pattern rule.
 * - `policy.first-sight.10000`: the first decision for a never-seen name at 10,000 pattern rules.
 * - `policy.first-sight.10000.unprefixed`: the same when no pattern has a literal prefix.
 * - `policy.compile.10000`: building an engine from 10,000 rules (JSON document).
 */
import { PolicyEngine, type PolicyRule } from '../packages/core/src/policy/index.js';
import type { Bench } from './harness.js';

const when = {
  all: [
    { claim: 'department', eq: 'eng' },
    { claim: 'level', gte: 3 },
  ],
} as const;
const claims = { sub: 'user-1', department: 'eng', level: 5 };
const scopes = ['mcp:tools:read', 'mcp:tools:write'];

function mixedRules(n: number): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (let i = 0; i < n; i++) {
    rules.push(
      i % 2 === 0
        ? { id: `r${i}`, tools: `tool_${i}`, scopes: ['mcp:tools:read'], when }
        : { id: `r${i}`, tools: `pfx${i}_.*`, scopes: ['mcp:tools:write'], when },
    );
  }
  return rules;
}

function build(rules: PolicyRule[]): PolicyEngine {
  const engine = new PolicyEngine();
  engine.addRules(rules);
  return engine;
}

export default async function policyBench(bench: Bench): Promise<void> {
  let sink = 0;
  bench.needBaseline('policy.decide.10');
  const small = build(mixedRules(10));
  small.evaluate({ tool: 'tool_4', scopes, claims });
  await bench.run('policy.decide.10', () => {
    if (small.evaluate({ tool: 'tool_4', scopes, claims }).allowed) sink++;
  });

  const large = build(mixedRules(10_000));
  large.evaluate({ tool: 'tool_5000', scopes, claims });
  await bench.run(
    'policy.decide.10000',
    () => {
      if (large.evaluate({ tool: 'tool_5000', scopes, claims }).allowed) sink++;
    },
    { baseline: 'policy.decide.10', target: 'median_us <= 0.5, ratio <= 1.5' },
  );
  large.evaluate({ tool: 'pfx5001_search', scopes, claims });
  await bench.run(
    'policy.decide.10000.pattern',
    () => {
      if (large.evaluate({ tool: 'pfx5001_search', scopes, claims }).allowed) sink++;
    },
    { baseline: 'policy.decide.10', target: 'median_us <= 0.5' },
  );

  const patternRules: PolicyRule[] = [];
  for (let i = 0; i < 10_000; i++)
    patternRules.push({
      id: `p${i}`,
      tools: `svc${i}_(get|list)_.*`,
      scopes: ['mcp:tools:read'],
      when,
    });
  const patterns = build(patternRules);
  let counter = 0;
  await bench.run(
    'policy.first-sight.10000',
    () => {
      counter++;
      if (
        patterns.evaluate({ tool: `svc${counter % 10_000}_get_${counter}`, scopes, claims }).allowed
      )
        sink++;
    },
    { target: 'median_us <= 1000' },
  );

  const unprefixedRules: PolicyRule[] = [];
  for (let i = 0; i < 10_000; i++)
    unprefixedRules.push({ id: `u${i}`, tools: `.*_v${i}`, scopes: ['mcp:tools:read'] });
  const unprefixed = build(unprefixedRules);
  await bench.run(
    'policy.first-sight.10000.unprefixed',
    () => {
      counter++;
      if (
        unprefixed.evaluate({ tool: `call_${counter}_v${counter % 10_000}`, scopes, claims })
          .allowed
      )
        sink++;
    },
    { target: 'median_us <= 1000' },
  );

  const document = build(mixedRules(10_000)).toJSON();
  await bench.run(
    'policy.compile.10000',
    () => {
      sink += PolicyEngine.fromJSON(document).size;
    },
    { target: 'median_us <= 100000', rounds: 7, batch: 1 },
  );
  if (sink === 0) throw new Error('benchmark produced no allowed decisions');
}
