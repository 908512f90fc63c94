import type { PolicyDocument } from '@mcp-auth/core';
import { type PolicyRuleJson, ScopeHierarchy } from '@mcp-auth/core/policy';
import {
  compilePatternAutomaton,
  examplePatternMatch,
  isPatternCoveredBy,
  type PatternAutomaton,
  PatternSyntaxError,
  patternMatchesEveryName,
} from '@mcp-auth/core/internal';

/** How bad a lint finding is: `error` makes `policy lint` exit 1. */
export type LintSeverity = 'error' | 'warn' | 'info';

/** One finding of {@link lintPolicy}. */
export interface LintFinding {
  readonly severity: LintSeverity;
  /**
   * Stable code: `rule-never-matches`, `pattern-never-matches`, `allow-shadowed-by-deny`,
   * `allow-redundant`, `deny-redundant`, `allow-everything`, `allow-all-tools-on-conditions`,
   * `allow-without-scopes`, `allow-all-tools`, `wildcard-scope-required`, `glob-like-pattern`,
   * `dot-matches-any`, `no-rules`, `pattern-not-analyzed`.
   */
  readonly code: string;
  /** The rule concerned, if any. */
  readonly ruleId?: string;
  /** JSON pointer (RFC 6901) into the policy document. */
  readonly pointer: string;
  readonly message: string;
}

type Req =
  | { readonly mode: 'none' }
  | { readonly mode: 'all' | 'any'; readonly scopes: readonly string[] };

function requirement(rule: PolicyRuleJson): Req {
  const s = rule.scopes;
  if (s === undefined) return { mode: 'none' };
  if ('allOf' in s)
    return s.allOf.length === 0 ? { mode: 'none' } : { mode: 'all', scopes: s.allOf };
  return s.anyOf.length === 0 ? { mode: 'none' } : { mode: 'any', scopes: s.anyOf };
}

/**
 * True when every grant satisfying `b` also satisfies `a`, with core's coverage rule (exact,
 * `:*` wildcard, scope hierarchy — coverage is transitive, so a scope `b` needs that covers a
 * scope `a` needs is enough). Conservative: false when unsure.
 */
function isWeakerOrEqual(a: Req, b: Req, h: ScopeHierarchy): boolean {
  if (a.mode === 'none') return true;
  if (b.mode === 'none') return false;
  const covers = (t: string, s: string) => h.covers([t], s);
  if (a.mode === 'all' && b.mode === 'all')
    return a.scopes.every((s) => b.scopes.some((t) => covers(t, s)));
  if (a.mode === 'any' && b.mode === 'all')
    return a.scopes.some((s) => b.scopes.some((t) => covers(t, s)));
  // b any-of: each alternative of b must cover one of a (a any-of) or all of a (a all-of).
  if (a.mode === 'any') return b.scopes.every((t) => a.scopes.some((s) => covers(t, s)));
  return b.scopes.every((alt) => a.scopes.every((s) => covers(alt, s)));
}

/** The document's scope hierarchy; an invalid one (not from `toJSON()`) is left out. */
function hierarchyOf(doc: PolicyDocument): ScopeHierarchy {
  if (doc.scopeHierarchy === undefined) return ScopeHierarchy.EMPTY;
  try {
    return ScopeHierarchy.from(doc.scopeHierarchy);
  } catch {
    return ScopeHierarchy.EMPTY;
  }
}

function describeReq(r: Req): string {
  if (r.mode === 'none') return 'no scopes';
  return r.mode === 'all' ? r.scopes.join(' + ') : `one of ${r.scopes.join(' | ')}`;
}

const hasConditions = (r: PolicyRuleJson) => r.when !== undefined || r.args !== undefined;

/** A literal `_`, `-` or `.`-free letter followed by `*`: `read_*` is `read` + any `_`s. */
function looksLikeGlob(pattern: string): boolean {
  return (
    /(^|[^\\])[A-Za-z0-9_-]\*/.test(pattern) && !/\.\*/.test(pattern) && /[_-]\*/.test(pattern)
  );
}

/** An unescaped `.` between two literals, used as a separator (`github.create`). */
function dotAsSeparator(pattern: string): boolean {
  return /(^|[^\\])[A-Za-z0-9_-]\.[A-Za-z0-9_-]/.test(pattern);
}

/** Per rule: the union automaton of its reachable patterns (undefined if not analyzable). */
interface RuleAutomata {
  readonly automata: readonly (PatternAutomaton | undefined)[];
  /** Whether each rule has at least one pattern that matches some valid tool name. */
  readonly reachable: readonly boolean[];
}

/** Compiles every rule's patterns with core's parser; reports patterns and rules that never match. */
function analyzePatterns(rules: readonly PolicyRuleJson[], findings: LintFinding[]): RuleAutomata {
  const automata: (PatternAutomaton | undefined)[] = [];
  const reachable: boolean[] = [];
  rules.forEach((rule, i) => {
    const live: string[] = [];
    let unknown = false;
    rule.tools.forEach((pattern, j) => {
      const pointer = `/rules/${i}/tools/${j}`;
      let a: PatternAutomaton;
      try {
        a = compilePatternAutomaton([pattern]);
      } catch (err) {
        if (!(err instanceof PatternSyntaxError)) throw err;
        unknown = true;
        findings.push({
          severity: 'info',
          code: 'pattern-not-analyzed',
          ruleId: rule.id,
          pointer,
          message: `pattern ${JSON.stringify(pattern)} was not analyzed (${err.message})`,
        });
        return;
      }
      const example = examplePatternMatch(a);
      if (example === null) {
        if (rule.tools.length > 1) {
          findings.push({
            severity: 'warn',
            code: 'pattern-never-matches',
            ruleId: rule.id,
            pointer,
            message: `pattern ${JSON.stringify(pattern)} matches no valid tool name ([A-Za-z0-9_.-]{1,128})`,
          });
        }
        return;
      }
      if (example === undefined) unknown = true;
      live.push(pattern);
      if (looksLikeGlob(pattern)) {
        findings.push({
          severity: 'warn',
          code: 'glob-like-pattern',
          ruleId: rule.id,
          pointer,
          message: `${JSON.stringify(pattern)} is a regular expression, not a glob: "*" repeats the character before it (it matches e.g. "${example ?? ''}"). Did you mean ${JSON.stringify(pattern.replace(/([_-])\*/g, '$1.*'))}?`,
        });
      } else if (dotAsSeparator(pattern)) {
        findings.push({
          severity: 'info',
          code: 'dot-matches-any',
          ruleId: rule.id,
          pointer,
          message: `"." in ${JSON.stringify(pattern)} matches any character; write "\\." for a literal dot`,
        });
      }
    });
    if (live.length === 0 && !unknown) {
      findings.push({
        severity: 'error',
        code: 'rule-never-matches',
        ruleId: rule.id,
        pointer: `/rules/${i}/tools`,
        message: `rule "${rule.id}" matches no valid tool name ([A-Za-z0-9_.-]{1,128}): it never applies`,
      });
    }
    reachable.push(live.length > 0);
    automata.push(!unknown && live.length > 0 ? compilePatternAutomaton(live) : undefined);
  });

  return { automata, reachable };
}

/** Dangerous grants: allow rules without scopes, allowing every tool, wildcard scopes. */
function lintGrants(
  rules: readonly PolicyRuleJson[],
  ra: RuleAutomata,
  findings: LintFinding[],
): void {
  const { automata, reachable } = ra;
  rules.forEach((rule, i) => {
    if (!reachable[i]) return;
    const a = automata[i];
    const req = requirement(rule);
    const everything = a === undefined ? false : patternMatchesEveryName(a) === true;
    if (rule.effect === 'allow' && req.mode === 'none') {
      if (everything && !hasConditions(rule)) {
        findings.push({
          severity: 'error',
          code: 'allow-everything',
          ruleId: rule.id,
          pointer: `/rules/${i}`,
          message: `rule "${rule.id}" allows every tool to any authenticated caller, with no scope and no condition`,
        });
      } else if (everything) {
        findings.push({
          severity: 'warn',
          code: 'allow-all-tools-on-conditions',
          ruleId: rule.id,
          pointer: `/rules/${i}`,
          message: `rule "${rule.id}" allows every tool without any scope, on claim/argument conditions only`,
        });
      } else if (rule.when === undefined) {
        findings.push({
          severity: 'warn',
          code: 'allow-without-scopes',
          ruleId: rule.id,
          pointer: `/rules/${i}`,
          message: `rule "${rule.id}" requires no scope: any authenticated caller may call ${rule.tools.map((t) => JSON.stringify(t)).join(', ')}`,
        });
      }
    } else if (rule.effect === 'allow' && everything) {
      findings.push({
        severity: 'info',
        code: 'allow-all-tools',
        ruleId: rule.id,
        pointer: `/rules/${i}`,
        message: `rule "${rule.id}" allows every tool to holders of ${describeReq(req)}`,
      });
    }
    if (req.mode !== 'none' && rule.scopes !== undefined) {
      const key = 'allOf' in rule.scopes ? 'allOf' : 'anyOf';
      req.scopes.forEach((scope, j) => {
        if (scope !== '*' && !scope.endsWith(':*')) return;
        findings.push({
          severity: scope === '*' ? 'warn' : 'info',
          code: 'wildcard-scope-required',
          ruleId: rule.id,
          pointer: `/rules/${i}/scopes/${key}/${j}`,
          message:
            scope === '*'
              ? `rule "${rule.id}" requires the scope "*": only an all-powerful grant passes; name a specific scope`
              : `rule "${rule.id}" requires the wildcard scope "${scope}": clients must ask for the whole "${scope.slice(0, -1)}" family`,
        });
      });
    }
  });
}

/**
 * Shadowing: deny overrides allow whatever the order, so an allow rule whose every tool is
 * matched by unconditional deny rules never allows anything. Returns the shadowed rules.
 */
function lintShadowing(
  rules: readonly PolicyRuleJson[],
  automata: RuleAutomata['automata'],
  findings: LintFinding[],
): Set<number> {
  const denyIdx = rules
    .map((_r, i) => i)
    .filter(
      (i) => rules[i]!.effect === 'deny' && !hasConditions(rules[i]!) && automata[i] !== undefined,
    );
  const shadowed = new Set<number>();
  if (denyIdx.length > 0) {
    const denyPatterns = denyIdx.flatMap((i) => rules[i]!.tools);
    let allDeny: PatternAutomaton | undefined;
    try {
      allDeny = compilePatternAutomaton(denyPatterns);
    } catch {
      allDeny = undefined;
    }
    rules.forEach((rule, i) => {
      const a = automata[i];
      if (rule.effect !== 'allow' || a === undefined || allDeny === undefined) return;
      if (isPatternCoveredBy(a, allDeny) !== true) return;
      shadowed.add(i);
      const single = denyIdx.find((d) => isPatternCoveredBy(a, automata[d]!) === true);
      const by =
        single !== undefined
          ? `deny rule "${rules[single]!.id}"`
          : `deny rules ${denyIdx.map((d) => `"${rules[d]!.id}"`).join(', ')} together`;
      findings.push({
        severity: 'error',
        code: 'allow-shadowed-by-deny',
        ruleId: rule.id,
        pointer: `/rules/${i}`,
        message: `allow rule "${rule.id}" can never allow anything: every tool it matches is denied by ${by} (deny overrides allow)`,
      });
    });
  }

  return shadowed;
}

/** Redundancy (pairwise; skipped for very large policies). */
function lintRedundancy(
  rules: readonly PolicyRuleJson[],
  automata: RuleAutomata['automata'],
  shadowed: ReadonlySet<number>,
  h: ScopeHierarchy,
  findings: LintFinding[],
): void {
  if (rules.length <= 300) {
    rules.forEach((r2, j) => {
      const a2 = automata[j];
      if (a2 === undefined || shadowed.has(j)) return;
      for (let i = 0; i < rules.length; i++) {
        const r1 = rules[i]!;
        const a1 = automata[i];
        if (i === j || a1 === undefined || r1.effect !== r2.effect || hasConditions(r1)) continue;
        if (r2.effect === 'allow' && !isWeakerOrEqual(requirement(r1), requirement(r2), h))
          continue;
        if (isPatternCoveredBy(a2, a1) !== true) continue;
        // Two equivalent rules: report only the later one.
        const mutual =
          !hasConditions(r2) &&
          (r2.effect === 'deny' || isWeakerOrEqual(requirement(r2), requirement(r1), h)) &&
          isPatternCoveredBy(a1, a2) === true;
        if (mutual && i > j) continue;
        findings.push({
          severity: 'warn',
          code: r2.effect === 'allow' ? 'allow-redundant' : 'deny-redundant',
          ruleId: r2.id,
          pointer: `/rules/${j}`,
          message:
            r2.effect === 'allow'
              ? `allow rule "${r2.id}" never changes a decision: rule "${r1.id}" allows every tool it matches with ${describeReq(requirement(r1))}`
              : `deny rule "${r2.id}" is redundant: deny rule "${r1.id}" already denies every tool it matches`,
        });
        break;
      }
    });
  }
}

/**
 * Static analysis of a policy document (as `PolicyEngine.toJSON()` returns it): rules and
 * patterns that can never match a valid tool name, allow rules fully overridden by deny
 * rules, redundant rules, and dangerous grants. Exact for patterns (core's own parser and
 * automaton over the tool-name alphabet, names of 1–128 characters); scope comparisons use core's coverage rule
 * (wildcards and the document's `scopeHierarchy`) and are conservative; conditions (`when`,
 * `args`) are treated as opaque.
 */
export function lintPolicy(doc: PolicyDocument): LintFinding[] {
  const findings: LintFinding[] = [];
  const rules = doc.rules;
  const h = hierarchyOf(doc);
  if (rules.length === 0) {
    findings.push({
      severity: 'warn',
      code: 'no-rules',
      pointer: '/rules',
      message: 'the policy has no rules: every tool call is denied',
    });
    return findings;
  }

  const ra = analyzePatterns(rules, findings);
  lintGrants(rules, ra, findings);
  const shadowed = lintShadowing(rules, ra.automata, findings);
  lintRedundancy(rules, ra.automata, shadowed, h, findings);
  const order: Record<LintSeverity, number> = { error: 0, warn: 1, info: 2 };
  return findings
    .map((f, n) => ({ f, n }))
    .sort((x, y) => order[x.f.severity] - order[y.f.severity] || x.n - y.n)
    .map((x) => x.f);
}
