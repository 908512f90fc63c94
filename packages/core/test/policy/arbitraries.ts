/**
 * fast-check generators and a deliberately simple reference evaluator for the policy engine.
 * The reference uses the platform's backtracking RegExp (`^(?:p)$`, no flags) and plain loops:
 * no caching, no indexes, no automaton — so agreeing with it means the fast paths are right.
 */
import fc from 'fast-check';
import type { PolicyCondition, PolicyRule } from '../../src/policy/index.js';

const LITERALS = ['a', 'b', 'x', '_', '-', '\\.'];
const ATOMS = [...LITERALS, '.', '[ab]', '[^a]', '[a-x]', '\\d', '\\w'];
const QUANTIFIERS = ['', '', '', '*', '+', '?', '{1,2}', '{2}', '*?'];

const atom = fc.constantFrom(...ATOMS);
const quantified = fc.tuple(atom, fc.constantFrom(...QUANTIFIERS)).map(([a, q]) => a + q);
const plainSeq = fc
  .array(fc.constantFrom(...LITERALS, '.'), { minLength: 1, maxLength: 3 })
  .map((a) => a.join(''));
const group = fc.oneof(
  fc.tuple(plainSeq, plainSeq).map(([x, y]) => `(?:${x}|${y})`),
  fc.tuple(plainSeq, plainSeq).map(([x, y]) => `(${x}|${y})?`),
  plainSeq.map((x) => `(?:${x})*`),
  plainSeq.map((x) => `(${x})+`),
);

/** A pattern from the accepted language. */
export const patternArb: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 4, arbitrary: quantified }, { weight: 1, arbitrary: group }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join(''));

/** Tool names: mostly valid over a small alphabet (so patterns match often), some invalid. */
export const toolNameArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'b', 'x', '_', '-', '.', '1'),
      minLength: 1,
      maxLength: 6,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', 'a\nb', 'a/b', 'a b', 'é', 'a'.repeat(129), 'ab\n') },
);

export const scopeArb = fc.constantFrom('s:a', 's:b', 's:*', 't:x', 's:a:b', 'u');
export const grantedArb = fc.uniqueArray(scopeArb, { maxLength: 4 });

export type Claims = {
  sub: string;
  role?: string;
  level?: number;
  tags?: string[];
};
export const claimsArb: fc.Arbitrary<Claims> = fc.record(
  {
    sub: fc.constantFrom('u1', 'u2'),
    role: fc.constantFrom('admin', 'user'),
    level: fc.integer({ min: 0, max: 5 }),
    tags: fc.subarray(['red', 'blue', 'green']),
  },
  { requiredKeys: ['sub'] },
);
export const argsArb = fc.option(
  fc.record(
    { owner: fc.constantFrom('u1', 'u2'), size: fc.integer({ min: 0, max: 10 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const leafWhen: fc.Arbitrary<PolicyCondition> = fc.oneof(
  fc.constantFrom('admin', 'user', 'x').map((v) => ({ claim: 'role', eq: v })),
  fc.subarray(['admin', 'user']).map((v) => ({ claim: 'role', in: v })),
  fc.constantFrom('red', 'blue').map((v) => ({ claim: 'tags', contains: v })),
  fc.boolean().map((v) => ({ claim: 'role', exists: v })),
  fc
    .tuple(fc.constantFrom('gt', 'gte', 'lt', 'lte'), fc.integer({ min: 0, max: 5 }))
    .map(([op, n]) => ({ claim: 'level', [op]: n })),
);
const leafArgs: fc.Arbitrary<PolicyCondition> = fc.oneof(
  fc.constant({ arg: 'owner', eq: { claim: 'sub' } }),
  fc.integer({ min: 0, max: 10 }).map((n) => ({ arg: 'size', lte: n })),
  fc.boolean().map((v) => ({ arg: 'owner', exists: v })),
  leafWhen,
);
const THROWS: PolicyCondition = () => {
  throw new Error('boom');
};
function combine(leaf: fc.Arbitrary<PolicyCondition>): fc.Arbitrary<PolicyCondition> {
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc.array(leaf, { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    },
    {
      weight: 1,
      arbitrary: fc.array(leaf, { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    },
    { weight: 1, arbitrary: leaf.map((not) => ({ not })) },
  );
}
const whenArb = fc.oneof(
  { weight: 30, arbitrary: combine(leafWhen) },
  { weight: 1, arbitrary: fc.constant(THROWS) },
);
const argsCondArb = combine(leafArgs);

export const ruleArb: fc.Arbitrary<PolicyRule> = fc
  .record(
    {
      tools: fc.oneof(patternArb, fc.array(patternArb, { minLength: 1, maxLength: 2 })),
      effect: fc.constantFrom<'allow' | 'deny'>('allow', 'allow', 'allow', 'deny'),
      scopes: fc.oneof(
        fc.uniqueArray(scopeArb, { maxLength: 2 }),
        fc.uniqueArray(scopeArb, { minLength: 1, maxLength: 2 }).map((anyOf) => ({ anyOf })),
      ),
      when: whenArb,
      args: argsCondArb,
    },
    { requiredKeys: ['tools', 'effect'] },
  )
  .map((rule) => (rule.effect === 'deny' ? { ...rule, scopes: undefined } : rule));

export const rulesArb = fc
  .array(ruleArb, { maxLength: 8 })
  .map((rules) => rules.map((r, i) => ({ ...r, id: `r${i}` })));

// ---------------------------------------------------------------- the reference evaluator

function get(root: unknown, path: string | readonly string[]): unknown {
  const keys = typeof path === 'string' ? [path] : path;
  let v = root;
  for (const k of keys) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

type Env = {
  claims: Record<string, unknown>;
  args: Record<string, unknown> | undefined;
  tool: string;
  scopes: string[];
};

function value(operand: unknown, env: Env): unknown {
  if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
    const o = operand as { claim?: string; arg?: string };
    if (o.claim !== undefined) return get(env.claims, o.claim);
    if (o.arg !== undefined) return get(env.args, o.arg);
  }
  return operand;
}

const isScalar = (v: unknown) =>
  v === null ||
  ['string', 'boolean'].includes(typeof v) ||
  (typeof v === 'number' && Number.isFinite(v));

export function referenceCondition(c: PolicyCondition, env: Env): boolean {
  if (typeof c === 'function') {
    const r = c({ tool: env.tool, scopes: env.scopes, claims: env.claims, args: env.args });
    if (typeof r !== 'boolean') throw new Error('non-boolean');
    return r;
  }
  const o = c as Record<string, unknown>;
  if ('all' in o) return (o.all as PolicyCondition[]).every((x) => referenceCondition(x, env));
  if ('any' in o) return (o.any as PolicyCondition[]).some((x) => referenceCondition(x, env));
  if ('not' in o) return !referenceCondition(o.not as PolicyCondition, env);
  const subject =
    'claim' in o ? get(env.claims, o.claim as string) : get(env.args, o.arg as string);
  if ('eq' in o) return isScalar(subject) && subject === value(o.eq, env);
  if ('in' in o) {
    const list = value(o.in, env);
    return isScalar(subject) && Array.isArray(list) && list.includes(subject);
  }
  if ('contains' in o) {
    const needle = value(o.contains, env);
    if (!isScalar(needle)) return false;
    if (Array.isArray(subject)) return subject.includes(needle);
    return typeof subject === 'string' && typeof needle === 'string' && subject.includes(needle);
  }
  if ('exists' in o)
    return o.exists
      ? subject !== undefined && subject !== null
      : subject === undefined || subject === null;
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (op in o) {
      const b = value(o[op], env);
      if (typeof subject !== 'number' || typeof b !== 'number') return false;
      return op === 'gt'
        ? subject > b
        : op === 'gte'
          ? subject >= b
          : op === 'lt'
            ? subject < b
            : subject <= b;
    }
  }
  throw new Error('unknown condition');
}

/** Scope hierarchies over {@link scopeArb}'s alphabet: parent → children, cycles included. */
export const hierarchyArb: fc.Arbitrary<Record<string, string[]>> = fc
  .array(fc.tuple(scopeArb, fc.uniqueArray(scopeArb, { minLength: 1, maxLength: 2 })), {
    maxLength: 3,
  })
  .map((pairs) => {
    const out: Record<string, string[]> = {};
    for (const [parent, children] of pairs)
      out[parent] = [...new Set([...(out[parent] ?? []), ...children])];
    return out;
  });

/** `g` covers `s` on its own: equal, or a `p:*` wildcard with `s` longer than `p:`. */
function directly(g: string, s: string): boolean {
  return g === s || (g.endsWith(':*') && s.length > g.length - 1 && s.startsWith(g.slice(0, -1)));
}

/** The next scopes implied by `n`: its declared children, and the declared parents it covers. */
function next(n: string, h: Record<string, string[]>): string[] {
  const out = [...(Object.hasOwn(h, n) ? h[n]! : [])];
  const named = Object.entries(h).flatMap(([p, c]) => [p, ...c]);
  if (n.endsWith(':*') && n.length >= 2)
    for (const m of named) if (m !== n && directly(n, m)) out.push(m);
  return out;
}

/** Every scope reachable from `start` (not `start` itself unless on a cycle), by plain BFS. */
function reachable(start: string, h: Record<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const queue = next(start, h);
  while (queue.length > 0) {
    const n = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    queue.push(...next(n, h));
  }
  return seen;
}

/** Whether some scope of `h` implies itself. */
export function referenceHasCycle(h: Record<string, string[]>): boolean {
  const named = Object.entries(h).flatMap(([p, c]) => [p, ...c]);
  return named.some((n) => reachable(n, h).has(n));
}

/** Coverage, naively: a granted scope or anything it reaches covers `required` directly. */
export function referenceCovers(
  granted: readonly string[],
  required: string,
  h: Record<string, string[]> = {},
): boolean {
  return granted.some(
    (g) => directly(g, required) || [...reachable(g, h)].some((n) => directly(n, required)),
  );
}

/** Allowed iff the name is valid, no matching deny applies, no condition throws, one allow holds. */
export function referenceAllowed(
  rules: readonly PolicyRule[],
  tool: string,
  scopes: string[],
  claims: Record<string, unknown>,
  args: Record<string, unknown> | undefined,
  h: Record<string, string[]> = {},
): boolean {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(tool)) return false;
  const env: Env = { claims, args, tool, scopes };
  let allowed = false;
  for (const rule of rules) {
    const patterns = typeof rule.tools === 'string' ? [rule.tools] : rule.tools;
    if (!patterns.some((p) => new RegExp(`^(?:${p})$`).test(tool))) continue;
    let holds: boolean;
    try {
      holds =
        (rule.when === undefined || referenceCondition(rule.when, env)) &&
        (rule.args === undefined || referenceCondition(rule.args, env));
    } catch {
      return false;
    }
    if (!holds) continue;
    if (rule.effect === 'deny') return false;
    const req = rule.scopes as
      | readonly string[]
      | { allOf?: readonly string[]; anyOf?: readonly string[] }
      | undefined;
    let ok: boolean;
    if (req === undefined) ok = true;
    else if (Array.isArray(req)) ok = req.every((s: string) => referenceCovers(scopes, s, h));
    else {
      const r = req as { allOf?: readonly string[]; anyOf?: readonly string[] };
      ok = r.allOf
        ? r.allOf.every((s) => referenceCovers(scopes, s, h))
        : (r.anyOf ?? []).some((s) => referenceCovers(scopes, s, h));
    }
    if (ok) allowed = true;
  }
  return allowed;
}
