/**
 * Policy engine speed (issue 3). Cases:
 * - `policy.decide.N`: a decision for a name seen before, with 2 conditions, at N rules (half
 *   exact names, half patterns). `policy.decide.10000` is compared with `policy.decide.10` to
 *   show it does not grow with the number of rules.
 * - `policy.decide.10000.pattern`: the same for a name matched by a pattern rule.
 * - `policy.first-sight.10000`: the first decision for a never-seen name at 10,000 pattern rules.
 * - `policy.first-sight.10000.unprefixed`: the same when patterns only have a literal suffix.
 * - `policy.first-sight.10000.unindexed`: the same when patterns have neither.
 * - `policy.compile.10000`: building an engine from 10,000 rules (JSON document); also reports
 *   `cpu_median_us`, the process CPU time of the same runs.
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export default async function policyBench(bench: Bench): Promise<void> {
  let sink = 0;

  // Compile first, on a clean heap. Wall time suffers when the machine is shared, so the CPU
  // time of the same runs is reported beside it (`cpu_median_us`).
  if (bench.wants('policy.compile.10000')) {
    const document = build(mixedRules(10_000)).toJSON();
    for (let i = 0; i < 2; i++) sink += PolicyEngine.fromJSON(document).size; // warm up
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 9; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      sink += PolicyEngine.fromJSON(document).size;
      wall.push((performance.now() - t) * 1000);
      const d = process.cpuUsage(c);
      cpu.push(d.user + d.system);
    }
    bench.record(
      'policy.compile.10000',
      median(wall),
      { target: 'median_us <= 100000' },
      { cpu_median_us: Math.round(median(cpu)) },
    );
  }

  bench.needBaseline('policy.decide.10');
  {
    const small = build(mixedRules(10));
    small.evaluate({ tool: 'tool_4', scopes, claims });
    await bench.run('policy.decide.10', () => {
      if (small.evaluate({ tool: 'tool_4', scopes, claims }).allowed) sink++;
    });
  }

  {
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
  }

  let counter = 0;
  if (bench.wants('policy.first-sight.10000')) {
    const patternRules: PolicyRule[] = [];
    for (let i = 0; i < 10_000; i++)
      patternRules.push({
        id: `p${i}`,
        tools: `svc${i}_(get|list)_.*`,
        scopes: ['mcp:tools:read'],
        when,
      });
    const patterns = build(patternRules);
    await bench.run(
      'policy.first-sight.10000',
      () => {
        counter++;
        const tool = `svc${counter % 10_000}_get_${counter}`;
        if (patterns.evaluate({ tool, scopes, claims }).allowed) sink++;
      },
      { target: 'median_us <= 1000' },
    );
  }

  if (bench.wants('policy.first-sight.10000.unprefixed')) {
    // No literal prefix: patterns are found through their literal suffix instead.
    const suffixRules: PolicyRule[] = [];
    for (let i = 0; i < 10_000; i++)
      suffixRules.push({ id: `u${i}`, tools: `.*_v${i}`, scopes: ['mcp:tools:read'] });
    const suffixed = build(suffixRules);
    await bench.run(
      'policy.first-sight.10000.unprefixed',
      () => {
        counter++;
        const tool = `call_${counter}_v${counter % 10_000}`;
        if (suffixed.evaluate({ tool, scopes, claims }).allowed) sink++;
      },
      { target: 'median_us <= 1000' },
    );
  }

  if (bench.wants('policy.first-sight.10000.unindexed')) {
    // Worst case: no literal prefix or suffix at all, every pattern is tried (with its
    // required-literal pre-filter).
    const rules: PolicyRule[] = [];
    for (let i = 0; i < 10_000; i++)
      rules.push({ id: `w${i}`, tools: `[a-z]+_k${i}_[a-z]+`, scopes: ['mcp:tools:read'] });
    const unindexed = build(rules);
    await bench.run(
      'policy.first-sight.10000.unindexed',
      () => {
        counter++;
        const tool = `x_k${counter % 10_000}_y${counter}`;
        if (unindexed.evaluate({ tool, scopes, claims }).allowed) sink++;
      },
      { target: 'median_us <= 1000' },
    );
  }
  if (sink === 0) throw new Error('benchmark produced no allowed decisions');
}
