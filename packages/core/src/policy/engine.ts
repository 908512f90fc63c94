import { type CompiledCondition, compileCondition } from './conditions.js';
import { PolicyValidationError } from './errors.js';
import { compileToolPattern, isValidToolName, type PatternMatcher } from './pattern.js';
import {
  type CompiledRule,
  compileRule,
  ruleLabel,
  ruleToJson,
  type ScopeInterner,
} from './rule.js';
import type { ParsedPattern } from './pattern.js';
import { OFFLINE_ACCESS, ScopeHierarchy } from './scopes.js';
import { type CompiledRateLimit, compileRateLimit, RateLimitSet } from './rate-limits.js';
import type { Store } from '../store/store.js';
import type {
  PolicyConditionInput,
  PolicyDecision,
  PolicyDecisionCode,
  PolicyDecisionEvent,
  PolicyDocument,
  PolicyEngineOptions,
  PolicyEvaluationInput,
  PolicyExplanation,
  PolicyProblem,
  PolicyRule,
  PolicySubject,
  RateLimitJson,
  RateLimitRule,
  RuleExplanation,
  ScopeCoverage,
  ScopeHierarchyDeclaration,
  ScopeRequirement,
} from './types.js';

const EMPTY: readonly string[] = Object.freeze([]);
const EMPTY_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_RULES: readonly number[] = Object.freeze([]);
const NO_COVERAGE: readonly ScopeCoverage[] = Object.freeze([]);
const DOC_KEYS = new Set(['$schema', 'version', 'scopeHierarchy', 'rules', 'rateLimits']);
const INVALID_NAME_REASON =
  'the tool name is not a valid tool name ([A-Za-z0-9_.-]{1,128}); denied without matching';

interface PatternEntry {
  readonly rule: number;
  readonly source: string;
  readonly required: string;
  matcher: PatternMatcher | undefined;
}

/** A bounded map: two generations of at most `size / 2` entries; old entries age out. */
class BoundedCache<V> {
  #current = new Map<string, V>();
  #previous = new Map<string, V>();
  readonly #half: number;
  constructor(size: number) {
    this.#half = Math.max(1, Math.floor(size / 2));
  }
  get(key: string): V | undefined {
    const hit = this.#current.get(key);
    if (hit !== undefined) return hit;
    const old = this.#previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }
  set(key: string, value: V): void {
    if (this.#current.size >= this.#half) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }
  clear(): void {
    this.#current = new Map();
    this.#previous = new Map();
  }
  get size(): number {
    return this.#current.size + this.#previous.size;
  }
}

function auditToolName(tool: unknown): string {
  if (typeof tool !== 'string') return '?';
  return tool.slice(0, 128).replace(/[^A-Za-z0-9_.-]/g, '?');
}

/**
 * What `granted` lacks for `rule`, minimized: no scope the grant already covers, and none that
 * another missing one covers (with admin ⊇ write ⊇ read, a rule needing write and read asks
 * a scope-less caller for write only). For `anyOf`, the first alternative.
 */
function missingFor(
  rule: CompiledRule,
  granted: readonly string[],
  h: ScopeHierarchy,
): readonly string[] {
  if (rule.mode === 'all') {
    const missing = rule.scopes.filter((s) => !h.covers(granted, s));
    return missing.length === 0 ? EMPTY : missing.length === 1 ? missing : h.minimize(missing);
  }
  if (rule.mode === 'any') {
    for (const s of rule.scopes) if (h.covers(granted, s)) return EMPTY;
    return [rule.scopes[0]!];
  }
  return EMPTY;
}

const hasWildcard = (scopes: readonly string[]) => scopes.some((s) => s.endsWith(':*'));

/**
 * Least privilege for step-up: a missing set without `:*` wildcards beats one with them; then
 * a set the other one covers (through the hierarchy: `[read]` beats `[admin]`) beats it; then
 * the smaller set wins; on a tie the earlier rule stays.
 */
function isNarrower(
  candidate: readonly string[],
  best: readonly string[],
  h: ScopeHierarchy,
): boolean {
  const a = hasWildcard(candidate);
  const b = hasWildcard(best);
  if (a !== b) return b;
  if (h.size > 0) {
    const bestCoversCandidate = candidate.every((s) => h.covers(best, s));
    const candidateCoversBest = best.every((s) => h.covers(candidate, s));
    if (bestCoversCandidate !== candidateCoversBest) return bestCoversCandidate;
  }
  return candidate.length < best.length;
}

function scopesSatisfied(
  rule: CompiledRule,
  granted: readonly string[],
  h: ScopeHierarchy,
): boolean {
  const scopes = rule.scopes;
  if (rule.mode === 'all') {
    for (let i = 0; i < scopes.length; i++) if (!h.covers(granted, scopes[i]!)) return false;
    return true;
  }
  if (rule.mode === 'any') {
    for (let i = 0; i < scopes.length; i++) if (h.covers(granted, scopes[i]!)) return true;
    return false;
  }
  return true;
}

// Compiled conditions by (interned, private) source object: rules sharing one compile once.
const compiledWhen = new WeakMap<object, CompiledCondition>();
const compiledArgs = new WeakMap<object, CompiledCondition>();

function conditionOf(source: unknown, allowArgs: boolean): CompiledCondition {
  const cache = allowArgs ? compiledArgs : compiledWhen;
  const key = source as object;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const compiled = compileCondition(source, '', [], { allowArgs, json: false, build: true });
  /* c8 ignore next: the source was validated when the rule was added */
  if (compiled === undefined) throw new Error('invalid condition');
  cache.set(key, compiled);
  return compiled;
}

/** `true`, `false`, or `'error'` when a condition threw. `skipArgs` ignores `args` conditions. */
function checkConditions(
  rule: CompiledRule,
  input: PolicyConditionInput,
  skipArgs: boolean,
): boolean | 'error' {
  try {
    if (rule.whenSrc !== undefined) {
      let when = rule.whenFn;
      if (when === undefined) {
        when = conditionOf(rule.whenSrc, false);
        rule.whenFn = when;
      }
      if (!when(input)) return false;
    }
    if (rule.argsSrc !== undefined && !skipArgs) {
      let args = rule.argsFn;
      if (args === undefined) {
        args = conditionOf(rule.argsSrc, true);
        rule.argsFn = args;
      }
      if (!args(input)) return false;
    }
    return true;
  } catch {
    return 'error';
  }
}

/**
 * What to ask for so `rule` allows, within `grantable`: `missing` when every scope of it can be
 * granted; for an `anyOf` rule, else the first grantable alternative; undefined when no step-up
 * can satisfy the rule.
 */
function grantableMissing(
  rule: CompiledRule,
  missing: readonly string[],
  grantable: readonly string[],
  h: ScopeHierarchy,
): readonly string[] | undefined {
  if (missing.every((s) => h.covers(grantable, s))) return missing;
  if (rule.mode === 'any') for (const s of rule.scopes) if (h.covers(grantable, s)) return [s];
  return undefined;
}

/**
 * The `scope_not_grantable` denial: the rule's missing scope the caller can never get, worded
 * by cause — a machine client, the client's registration, or the account. Scope names only.
 */
function notGrantableDecision(
  input: PolicyEvaluationInput,
  rule: CompiledRule,
  missing: readonly string[],
  grantable: readonly string[],
  h: ScopeHierarchy,
): PolicyDecision {
  const scope = missing.find((s) => !h.covers(grantable, s)) ?? missing[0] ?? '';
  const registered = Array.isArray(input.clientScopes) ? input.clientScopes : undefined;
  const why =
    input.principal === 'client'
      ? `this client cannot be granted ${scope}, so a new token would not help`
      : registered !== undefined && !registered.includes(scope)
        ? `this client is not registered for ${scope}, so signing in again would not help`
        : `this account cannot be granted ${scope}, so signing in again would not help`;
  return makeDecision(
    false,
    'scope_not_grantable',
    rule.id,
    `rule "${rule.id}" requires scope ${missing.join(' ')}; ${why}`,
    rule.scopes,
    EMPTY,
  );
}

function makeDecision(
  allowed: boolean,
  code: PolicyDecisionCode,
  ruleId: string | undefined,
  reason: string,
  requiredScopes: readonly string[],
  missingScopes: readonly string[],
): PolicyDecision {
  return {
    allowed,
    effect: allowed ? 'allow' : 'deny',
    code,
    ruleId,
    reason,
    requiredScopes,
    missingScopes,
  };
}

/** The `rateLimits` of a JSON policy document, validated (problems under `/rateLimits`). */
function compileDocumentRateLimits(raw: unknown, problems: PolicyProblem[]): CompiledRateLimit[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push({ pointer: '/rateLimits', message: '"rateLimits" must be an array' });
    return [];
  }
  const out: CompiledRateLimit[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const limit = compileRateLimit(item, i, `/rateLimits/${i}`, problems);
    if (limit === undefined) return;
    if (seen.has(limit.id))
      problems.push({
        pointer: `/rateLimits/${i}/id`,
        message: `duplicate rate limit id "${limit.id}"`,
      });
    seen.add(limit.id);
    out.push(limit);
  });
  return out;
}

/**
 * Tool-level authorization: rules map tool names (exact names or safe patterns) to required
 * scopes and conditions. **Deny overrides allow; no matching rule means deny.**
 *
 * ```ts
 * const policy = new PolicyEngine();
 * policy.addToolScopePolicy('read_.*', ['mcp:tools:read']);
 * policy.addRule({ id: 'own-docs', tools: 'delete_doc', scopes: ['mcp:tools:write'],
 *   args: { arg: 'owner', eq: { claim: 'sub' } } });
 * policy.addRule({ id: 'no-contractors', tools: '.*', effect: 'deny',
 *   when: { claim: 'employment', eq: 'contractor' } });
 * policy.evaluate({ tool: 'read_file', scopes: ['mcp:tools:read'], claims }).allowed;
 * ```
 *
 * Decision procedure for a tool call: (1) a name outside `[A-Za-z0-9_.-]{1,128}` is denied
 * (`invalid_tool_name`) before any pattern runs; (2) every rule whose pattern matches the whole
 * name is considered; (3) a condition that throws denies (`condition_error`); a deny rule whose
 * conditions hold denies (`denied_by_rule`); (4) otherwise an allow rule whose conditions and
 * scopes hold allows; (5) otherwise the call is denied with `insufficient_scope` (and the
 * `missingScopes` of the closest allow rule), `condition_not_met` or `no_matching_rule`; with
 * `input.grantableScopes`, a scope denial no grantable scope can fix is `scope_not_grantable`
 * (no `missingScopes`: a step-up cannot help).
 *
 * Exact names resolve through a hash map; the rules matching a name are cached per name in a
 * bounded cache (so made-up names cannot grow memory), making repeat decisions independent of
 * the number of rules. Patterns are indexed by their literal prefixes and run on a
 * non-backtracking automaton, compiled on first use.
 */
export class PolicyEngine {
  readonly #rules: CompiledRule[] = [];
  readonly #ids = new Set<string>();
  readonly #exact = new Map<string, number | number[]>();
  readonly #interner: ScopeInterner = new Map();
  readonly #byPrefix = new Map<string, PatternEntry[]>();
  readonly #bySuffix = new Map<string, PatternEntry[]>();
  #maxSuffix = 0;
  readonly #unprefixed: PatternEntry[] = [];
  #maxPrefix = 0;
  #dirty = false;
  readonly #cache: BoundedCache<readonly number[]>;
  #listeners: ((event: PolicyDecisionEvent) => void)[] = [];
  #hierarchy: ScopeHierarchy = ScopeHierarchy.EMPTY;
  readonly #rateLimits = new RateLimitSet();
  #rateLimitStore: Store | undefined;

  constructor(options: PolicyEngineOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('PolicyEngine: options must be an object');
    const size = options.cacheSize ?? 10_000;
    if (!Number.isInteger(size) || size < 2 || size > 10_000_000)
      throw new TypeError('PolicyEngine: cacheSize must be an integer between 2 and 10,000,000');
    this.#cache = new BoundedCache(size);
    if (options.onDecision !== undefined) {
      if (typeof options.onDecision !== 'function')
        throw new TypeError('PolicyEngine: onDecision must be a function');
      this.#listeners.push(options.onDecision);
    }
    if (options.rateLimitStore !== undefined) this.useRateLimitStore(options.rateLimitStore);
  }

  /**
   * Loads a JSON policy document (see `policyJsonSchema`). Throws {@link PolicyValidationError}
   * listing every problem with its JSON pointer.
   */
  static fromJSON(document: unknown, options: PolicyEngineOptions = {}): PolicyEngine {
    const engine = new PolicyEngine(options);
    const problems: PolicyProblem[] = [];
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new PolicyValidationError([
        { pointer: '', message: 'a policy document must be a JSON object' },
      ]);
    }
    const doc = document as Record<string, unknown>;
    for (const key of Object.keys(doc))
      if (!DOC_KEYS.has(key))
        problems.push({
          pointer: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          message: `unknown key "${key}"`,
        });
    if (doc.version !== 1) problems.push({ pointer: '/version', message: '"version" must be 1' });
    if (doc.$schema !== undefined && typeof doc.$schema !== 'string')
      problems.push({ pointer: '/$schema', message: '"$schema" must be a string' });
    let hierarchy: ScopeHierarchy | undefined;
    if (doc.scopeHierarchy !== undefined)
      hierarchy = ScopeHierarchy.EMPTY.compile(doc.scopeHierarchy, '/scopeHierarchy', problems);
    const compiled: { rule: CompiledRule; patterns: readonly ParsedPattern[] }[] = [];
    if (!Array.isArray(doc.rules)) {
      problems.push({ pointer: '/rules', message: '"rules" must be an array' });
    } else {
      const seen = new Set<string>();
      doc.rules.forEach((raw, i) => {
        const rule = compileRule(raw, i, `/rules/${i}`, problems, true, engine.#interner);
        const rawId = (raw as { id?: unknown } | null)?.id;
        const id = rule?.rule.id ?? (typeof rawId === 'string' ? rawId : undefined);
        if (id !== undefined) {
          if (seen.has(id))
            problems.push({ pointer: `/rules/${i}/id`, message: `duplicate rule id "${id}"` });
          seen.add(id);
        }
        if (rule) compiled.push(rule);
      });
    }
    const limits = compileDocumentRateLimits(doc.rateLimits, problems);
    if (problems.length > 0) throw new PolicyValidationError(problems, 'Invalid policy document');
    if (hierarchy !== undefined) engine.#hierarchy = hierarchy;
    engine.#rateLimits.install(limits);
    for (const c of compiled) engine.#install(c.rule, c.patterns);
    return engine;
  }

  /**
   * The normalized JSON document; `PolicyEngine.fromJSON(engine.toJSON())` is equivalent.
   * `scopeHierarchy` is present when the engine has one.
   */
  toJSON(): PolicyDocument {
    return {
      version: 1,
      ...(this.#hierarchy.size > 0 ? { scopeHierarchy: this.#hierarchy.toJSON() } : {}),
      rules: this.#rules.map((rule) => {
        const json = ruleToJson(rule);
        if (!json)
          throw new TypeError(
            `PolicyEngine.toJSON: rule "${rule.id}" uses a predicate function, which JSON cannot hold`,
          );
        return json;
      }),
      ...(this.#rateLimits.size > 0 ? { rateLimits: this.#rateLimits.toJSON() } : {}),
    };
  }

  /**
   * Declares a rate limit: at most `limit` calls of the matching tools per `windowSeconds`,
   * counted per subject, client and/or tool (see {@link RateLimitRule}). Enforced by the MCP
   * guard after authentication and authorization, before the tool runs; a limited call is
   * answered as a tool error with `Retry-After` (docs/rate-limits.md). Counters live in
   * {@link PolicyEngine.rateLimitStore}. Throws {@link PolicyValidationError} (a `TypeError`)
   * and adds nothing when the declaration is invalid. Returns the limit's id.
   */
  addRateLimit(limit: RateLimitRule): string {
    return this.#rateLimits.add(limit);
  }

  /** The rate limits that apply to a call of `tool` (empty for most policies). */
  rateLimitsFor(tool: string): readonly RateLimitJson[] {
    return this.#rateLimits.for(tool);
  }

  /** Every declared rate limit, normalized (fresh copies). */
  rateLimits(): RateLimitJson[] {
    return this.#rateLimits.toJSON();
  }

  /**
   * Where rate-limit counters are kept: shared by every instance when it is a shared store
   * (`RedisStore`). Set with the `rateLimitStore` option or {@link useRateLimitStore}; an
   * `AuthorizationServer` created with this policy sets its own store when none was set.
   * Without one the guard counts in a process-local `MemoryStore` (one instance only).
   */
  get rateLimitStore(): Store | undefined {
    return this.#rateLimitStore;
  }

  /** Sets {@link rateLimitStore}. Throws a `TypeError` unless `store` implements the Store port. */
  useRateLimitStore(store: Store): void {
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function'
    )
      throw new TypeError('PolicyEngine: rateLimitStore must implement the Store port');
    this.#rateLimitStore = store;
  }

  /** The familiar shorthand: tools matching `pattern` need all of `scopes`. Returns the rule id. */
  addToolScopePolicy(pattern: string | readonly string[], scopes: ScopeRequirement): string {
    return this.addRule({ tools: pattern, scopes });
  }

  /**
   * Adds a rule. Throws {@link PolicyValidationError} (a `TypeError`) naming the rule and saying
   * what is wrong — e.g. a pattern that could backtrack catastrophically. Returns the rule id.
   */
  addRule(rule: PolicyRule): string {
    const problems: PolicyProblem[] = [];
    const index = this.#rules.length;
    const compiled = compileRule(rule, index, '', problems, false, this.#interner);
    if (compiled && this.#ids.has(compiled.rule.id))
      problems.push({ pointer: '/id', message: `duplicate rule id "${compiled.rule.id}"` });
    if (!compiled || problems.length > 0)
      throw new PolicyValidationError(problems, `Invalid ${ruleLabel(rule, index)}`);
    this.#install(compiled.rule, compiled.patterns);
    return compiled.rule.id;
  }

  /** Adds several rules; all are validated first and none is added if one is invalid. */
  addRules(rules: readonly PolicyRule[]): string[] {
    const problems: PolicyProblem[] = [];
    const compiled: { rule: CompiledRule; patterns: readonly ParsedPattern[] }[] = [];
    const ids = new Set<string>();
    rules.forEach((rule, i) => {
      const c = compileRule(rule, this.#rules.length + i, `/${i}`, problems, false, this.#interner);
      if (!c) return;
      if (ids.has(c.rule.id) || this.#ids.has(c.rule.id))
        problems.push({ pointer: `/${i}/id`, message: `duplicate rule id "${c.rule.id}"` });
      ids.add(c.rule.id);
      compiled.push(c);
    });
    if (problems.length > 0) throw new PolicyValidationError(problems, 'Invalid rules');
    for (const c of compiled) this.#install(c.rule, c.patterns);
    return compiled.map((c) => c.rule.id);
  }

  /**
   * Declares that broader scopes imply narrower ones (MCP 2026-07-28 authorization, "Step-Up
   * Authorization Flow": servers MUST account for scope hierarchies — SEP-2350). Transitive;
   * merged with what was declared before (children are added per parent). Used by every
   * decision, by `missingScopes` (the 403 step-up), `requiredScopesFor` (the 401),
   * `visibleTools`/`isVisible`, `coversScope`/`expandScopes` (consent) and `explain`.
   *
   * ```ts
   * policy.addScopeHierarchy({
   *   'mcp:tools:admin': ['mcp:tools:write'],
   *   'mcp:tools:write': ['mcp:tools:read'],
   * });
   * policy.coversScope(['mcp:tools:admin'], 'mcp:tools:read'); // true
   * ```
   *
   * Throws {@link PolicyValidationError} (a `TypeError`) and changes nothing when a scope is not
   * an RFC 6749 scope token, is `offline_access` (SEP-2207), or the result has a cycle (the
   * message names it: `a → b → a`). `:*` wildcard grants keep working and compose with the
   * hierarchy: a granted `mcp:*` covers what `mcp:tools:admin` implies.
   */
  addScopeHierarchy(hierarchy: ScopeHierarchyDeclaration): void {
    this.#hierarchy = this.#hierarchy.with(hierarchy);
  }

  /** The engine's scope hierarchy (immutable; {@link ScopeHierarchy.EMPTY} when none). */
  get scopeHierarchy(): ScopeHierarchy {
    return this.#hierarchy;
  }

  /**
   * Whether `granted` covers `scope`: exactly, by a `:*` wildcard, or through the scope
   * hierarchy — the rule every decision uses. For an authorization server's consent and scope
   * narrowing (e.g. a user who may be granted `mcp:tools:admin` may be granted
   * `mcp:tools:read`).
   */
  coversScope(granted: readonly string[], scope: string): boolean {
    return this.#hierarchy.covers(granted, scope);
  }

  /**
   * `granted` plus every scope it implies through the hierarchy, without duplicates (see
   * {@link ScopeHierarchy.expand}) — e.g. for a consent screen ("admin includes write, read").
   */
  expandScopes(granted: readonly string[]): string[] {
    return this.#hierarchy.expand(granted);
  }

  /** Subscribes an audit listener; returns a function that unsubscribes it. */
  onDecision(listener: (event: PolicyDecisionEvent) => void): () => void {
    if (typeof listener !== 'function')
      throw new TypeError('onDecision: listener must be a function');
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Number of rules. */
  get size(): number {
    return this.#rules.length;
  }

  #install(rule: CompiledRule, patterns: readonly ParsedPattern[]): void {
    this.#rules.push(rule);
    this.#ids.add(rule.id);
    const index = rule.index;
    for (const parsed of patterns) {
      // A pattern matching a finite set of names (`send_email`, `(get|list)_user`) is exact.
      const exactNames = parsed.complete ? parsed.prefixes.filter(isValidToolName) : undefined;
      if (exactNames) {
        for (const name of exactNames) {
          const known = this.#exact.get(name);
          if (known === undefined) this.#exact.set(name, index);
          else if (typeof known === 'number') {
            if (known !== index) this.#exact.set(name, [known, index]);
          } else if (known[known.length - 1] !== index) known.push(index);
        }
        continue;
      }
      const entry: PatternEntry = {
        rule: index,
        source: parsed.source,
        required: parsed.required,
        matcher: undefined,
      };
      // Index by literal prefixes, else by literal suffixes; only the rest is tried for every name.
      if (!parsed.prefixes.includes(''))
        for (const p of parsed.prefixes) {
          const list = this.#byPrefix.get(p);
          if (list === undefined) this.#byPrefix.set(p, [entry]);
          else list.push(entry);
          if (p.length > this.#maxPrefix) this.#maxPrefix = p.length;
        }
      else if (!parsed.suffixes.includes(''))
        for (const p of parsed.suffixes) {
          const list = this.#bySuffix.get(p);
          if (list === undefined) this.#bySuffix.set(p, [entry]);
          else list.push(entry);
          if (p.length > this.#maxSuffix) this.#maxSuffix = p.length;
        }
      else this.#unprefixed.push(entry);
    }
    this.#dirty = true;
  }

  /** Indices of the rules whose patterns match `name` (a valid tool name), ascending. */
  #matching(name: string): readonly number[] {
    if (this.#dirty) {
      this.#cache.clear();
      this.#dirty = false;
    }
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const found = new Set<number>();
    const exact = this.#exact.get(name);
    if (typeof exact === 'number') found.add(exact);
    else if (exact !== undefined) for (const i of exact) found.add(i);
    const test = (entry: PatternEntry) => {
      if (found.has(entry.rule)) return;
      if (entry.required.length > 0 && !name.includes(entry.required)) return;
      let matcher = entry.matcher;
      if (matcher === undefined) {
        matcher = compileToolPattern(entry.source);
        entry.matcher = matcher;
      }
      if (matcher.test(name)) found.add(entry.rule);
    };
    if (this.#byPrefix.size > 0) {
      const limit = Math.min(this.#maxPrefix, name.length);
      for (let k = 1; k <= limit; k++) {
        const list = this.#byPrefix.get(name.slice(0, k));
        if (list !== undefined) for (const entry of list) test(entry);
      }
    }
    if (this.#bySuffix.size > 0) {
      const limit = Math.min(this.#maxSuffix, name.length);
      for (let k = 1; k <= limit; k++) {
        const list = this.#bySuffix.get(name.slice(name.length - k));
        if (list !== undefined) for (const entry of list) test(entry);
      }
    }
    for (const entry of this.#unprefixed) test(entry);
    const result =
      found.size === 0
        ? NO_RULES
        : found.size === 1
          ? [found.values().next().value as number]
          : [...found].sort((a, b) => a - b);
    this.#cache.set(name, result);
    return result;
  }

  /** Decides one tool call. Never throws for any input; emits an audit event. */
  evaluate(input: PolicyEvaluationInput): PolicyDecision {
    const decision = this.#safeDecide(input, false);
    if (this.#listeners.length > 0 && input.audit !== false) this.#emit(input, decision);
    return decision;
  }

  #safeDecide(input: PolicyEvaluationInput, skipArgs: boolean): PolicyDecision {
    try {
      return this.#decide(input, skipArgs);
    } catch {
      // Unreachable by design (conditions are guarded); fail closed all the same.
      return makeDecision(
        false,
        'condition_error',
        undefined,
        'an internal error occurred while evaluating the policy; denied (fail closed)',
        EMPTY,
        EMPTY,
      );
    }
  }

  #decide(input: PolicyEvaluationInput, skipArgs: boolean): PolicyDecision {
    const tool = input.tool;
    if (!isValidToolName(tool))
      return makeDecision(false, 'invalid_tool_name', undefined, INVALID_NAME_REASON, EMPTY, EMPTY);
    const indices = this.#matching(tool);
    if (indices.length === 0)
      return makeDecision(
        false,
        'no_matching_rule',
        undefined,
        `no rule matches tool "${tool}" (default deny)`,
        EMPTY,
        EMPTY,
      );
    const granted: readonly string[] = Array.isArray(input.scopes) ? input.scopes : EMPTY;
    const conditionInput: PolicyConditionInput = {
      tool,
      scopes: granted,
      claims: input.claims ?? EMPTY_CLAIMS,
      args: input.args,
    };
    const rules = this.#rules;
    const hierarchy = this.#hierarchy;
    let deny: CompiledRule | undefined;
    let error: CompiledRule | undefined;
    let allow: CompiledRule | undefined;
    let closest: CompiledRule | undefined;
    let closestMissing: readonly string[] = EMPTY;
    let unmet: CompiledRule | undefined;
    const grantable = Array.isArray(input.grantableScopes) ? input.grantableScopes : undefined;
    let reachable: CompiledRule | undefined;
    let reachableMissing: readonly string[] = EMPTY;
    for (let n = 0; n < indices.length; n++) {
      const rule = rules[indices[n]!]!;
      const deniesOnArgs = skipArgs && rule.effect === 'deny' && rule.argsSrc !== undefined;
      const ok =
        rule.whenSrc === undefined && rule.argsSrc === undefined
          ? true
          : checkConditions(rule, conditionInput, skipArgs);
      if (ok === 'error') {
        if (error === undefined) error = rule;
        continue;
      }
      if (rule.effect === 'deny') {
        // Listing tools (args unknown): a deny that depends on arguments might not apply.
        if (ok && !deniesOnArgs && deny === undefined) deny = rule;
        continue;
      }
      if (!ok) {
        if (unmet === undefined) unmet = rule;
        continue;
      }
      if (allow !== undefined) continue;
      if (scopesSatisfied(rule, granted, hierarchy)) {
        allow = rule;
        continue;
      }
      const missing = missingFor(rule, granted, hierarchy);
      if (closest === undefined || isNarrower(missing, closestMissing, hierarchy)) {
        closest = rule;
        closestMissing = missing;
      }
      if (grantable === undefined) continue;
      // With grantable scopes known, the step-up asks only for what can be granted.
      const fixable = grantableMissing(rule, missing, grantable, hierarchy);
      if (
        fixable !== undefined &&
        (reachable === undefined || isNarrower(fixable, reachableMissing, hierarchy))
      ) {
        reachable = rule;
        reachableMissing = fixable;
      }
    }
    if (deny !== undefined)
      return makeDecision(
        false,
        'denied_by_rule',
        deny.id,
        `denied by rule "${deny.id}"`,
        EMPTY,
        EMPTY,
      );
    if (error !== undefined)
      return makeDecision(
        false,
        'condition_error',
        error.id,
        `a condition of rule "${error.id}" threw or returned a non-boolean; denied (fail closed)`,
        error.scopes,
        EMPTY,
      );
    // An allow depends on the rule alone: one frozen decision per rule, not one per call.
    if (allow !== undefined) {
      allow.allowDecision ??= Object.freeze(
        makeDecision(
          true,
          'allowed',
          allow.id,
          `allowed by rule "${allow.id}"`,
          allow.scopes,
          EMPTY,
        ),
      );
      return allow.allowDecision;
    }
    if (reachable !== undefined)
      return makeDecision(
        false,
        'insufficient_scope',
        reachable.id,
        `rule "${reachable.id}" requires scope ${reachableMissing.join(' ')}`,
        reachable.scopes,
        reachableMissing,
      );
    if (closest !== undefined)
      return grantable === undefined
        ? makeDecision(
            false,
            'insufficient_scope',
            closest.id,
            `rule "${closest.id}" requires scope ${closestMissing.join(' ')}`,
            closest.scopes,
            closestMissing,
          )
        : notGrantableDecision(input, closest, closestMissing, grantable, hierarchy);
    if (unmet !== undefined)
      return makeDecision(
        false,
        'condition_not_met',
        unmet.id,
        `the conditions of rule "${unmet.id}" are not met`,
        unmet.scopes,
        EMPTY,
      );
    /* c8 ignore next */
    return makeDecision(
      false,
      'no_matching_rule',
      undefined,
      `no rule allows tool "${tool}"`,
      EMPTY,
      EMPTY,
    );
  }

  #emit(input: PolicyEvaluationInput, decision: PolicyDecision): void {
    const claims = input.claims ?? EMPTY_CLAIMS;
    const sub = input.subject ?? claims.sub;
    const client = input.clientId ?? claims.client_id;
    const event: PolicyDecisionEvent = Object.freeze({
      time: new Date(),
      tool: auditToolName(input.tool),
      subject: typeof sub === 'string' ? sub : undefined,
      clientId: typeof client === 'string' ? client : undefined,
      decision: decision.effect,
      code: decision.code,
      ruleId: decision.ruleId,
      reason: decision.reason,
      missingScopes: decision.missingScopes,
      ...(input.traceId !== undefined ? { traceId: input.traceId } : {}),
    });
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An audit sink failing must not change or break the decision.
      }
    }
  }

  /**
   * Every rule considered for this call, whether it matched and why, plus the decision (the
   * same as {@link PolicyEngine.evaluate}, without an audit event). For the CLI and for humans.
   */
  explain(input: PolicyEvaluationInput): PolicyExplanation {
    const decision = this.#safeDecide(input, false);
    const valid = isValidToolName(input.tool);
    const matching = new Set(valid ? this.#matching(input.tool) : []);
    const granted: readonly string[] = Array.isArray(input.scopes) ? input.scopes : EMPTY;
    const conditionInput: PolicyConditionInput = {
      tool: valid ? input.tool : '',
      scopes: granted,
      claims: input.claims ?? EMPTY_CLAIMS,
      args: input.args,
    };
    const h = this.#hierarchy;
    const rules: RuleExplanation[] = this.#rules.map((rule) => {
      const base = {
        ruleId: rule.id,
        index: rule.index,
        effect: rule.effect,
        requiredScopes: rule.scopes,
        coveredBy: NO_COVERAGE,
      };
      if (!matching.has(rule.index))
        return {
          ...base,
          matched: false,
          conditions: 'n/a',
          missingScopes: EMPTY,
          outcome: 'skipped',
          detail: valid
            ? `no pattern of ${rule.tools.map((p) => JSON.stringify(p)).join(', ')} matches the whole name`
            : 'the tool name is invalid',
        } satisfies RuleExplanation;
      const hasConditions = rule.whenSrc !== undefined || rule.argsSrc !== undefined;
      const ok = hasConditions ? checkConditions(rule, conditionInput, false) : true;
      const conditions = !hasConditions ? 'n/a' : ok === 'error' ? 'error' : ok ? 'met' : 'not_met';
      if (ok === 'error')
        return {
          ...base,
          matched: true,
          conditions,
          missingScopes: EMPTY,
          outcome: 'denies',
          detail: 'a condition threw or returned a non-boolean: deny (fail closed)',
        } satisfies RuleExplanation;
      if (rule.effect === 'deny')
        return {
          ...base,
          matched: true,
          conditions,
          missingScopes: EMPTY,
          outcome: ok ? 'denies' : 'skipped',
          detail: ok ? 'deny rule applies: deny overrides allow' : 'deny rule conditions not met',
        } satisfies RuleExplanation;
      const missing = missingFor(rule, granted, h);
      const coveredBy: ScopeCoverage[] = [];
      for (const scope of rule.scopes) {
        const by = h.covering(granted, scope);
        if (by !== undefined) coveredBy.push({ scope, by });
      }
      const via = coveredBy.filter((c) => c.by !== c.scope);
      return {
        ...base,
        coveredBy,
        matched: true,
        conditions,
        missingScopes: ok ? missing : EMPTY,
        outcome: ok && missing.length === 0 ? 'allows' : 'skipped',
        detail: !ok
          ? 'conditions not met'
          : missing.length === 0
            ? `scopes and conditions satisfied${via.length === 0 ? '' : ` (${via.map((c) => `${c.scope} by ${c.by}`).join(', ')})`}`
            : `missing scope ${missing.join(' ')}`,
      } satisfies RuleExplanation;
    });
    return { decision, rules };
  }

  /**
   * The tools this caller may call, for `tools/list` filtering: a tool is listed when the
   * decision without arguments allows it (`args` conditions are assumed to pass on allow
   * rules and not to apply on deny rules — the call itself is still checked with its
   * arguments).
   */
  visibleTools(toolNames: Iterable<string>, subject: PolicySubject): string[] {
    const out: string[] = [];
    for (const tool of toolNames) {
      if (this.#safeDecide({ tool, scopes: subject.scopes, claims: subject.claims }, true).allowed)
        out.push(tool);
    }
    return out;
  }

  /**
   * Whether a rule matching `tool` has an `args` condition: then a decision on other arguments
   * (those sent, against those the tool's input schema produced) may differ. An invalid name
   * matches no rule (false). Lets an in-server check skip deciding again what the edge guard
   * already allowed when arguments cannot change the answer.
   */
  hasArgumentConditions(tool: string): boolean {
    if (!isValidToolName(tool)) return false;
    const rules = this.#rules;
    for (const i of this.#matching(tool)) if (rules[i]!.argsSrc !== undefined) return true;
    return false;
  }

  /** Whether this caller could call `tool`, ignoring argument conditions (see `visibleTools`). */
  isVisible(tool: string, subject: PolicySubject): boolean {
    return this.#safeDecide({ tool, scopes: subject.scopes, claims: subject.claims }, true).allowed;
  }

  /**
   * Every scope an allow rule can require, in rule order, then the scopes the scope hierarchy
   * names (a broader scope is a scope a client may ask for), without duplicates — for
   * `scopes_supported` and the authorization server's scope vocabulary. Never `offline_access`
   * (SEP-2207: not a resource scope; rules and hierarchies cannot name it anyway). A `:*`
   * wildcard a rule requires (the defaults' `mcp:tools:*`) is listed: the tools behind it can
   * only be reached with it, and a challenge for them names it.
   */
  scopesSupported(): string[] {
    const out = new Set<string>();
    for (const rule of this.#rules)
      if (rule.effect === 'allow') for (const s of rule.scopes) out.add(s);
    for (const s of this.#hierarchy.scopes()) out.add(s);
    out.delete(OFFLINE_ACCESS);
    return [...out];
  }

  /**
   * The scopes the first allow rule matching `tool` requires (the first alternative of an
   * `anyOf` rule), ignoring conditions — what a 401 challenge can advertise for this call.
   * Minimized through the scope hierarchy: a scope another listed one implies is left out.
   */
  requiredScopesFor(tool: string): readonly string[] {
    if (!isValidToolName(tool)) return EMPTY;
    for (const i of this.#matching(tool)) {
      const rule = this.#rules[i]!;
      if (rule.effect !== 'allow') continue;
      if (rule.mode === 'all')
        return rule.scopes.length < 2 ? rule.scopes : this.#hierarchy.minimize(rule.scopes);
      if (rule.mode === 'any') return [rule.scopes[0]!];
      return EMPTY;
    }
    return EMPTY;
  }

  /** How many tool names the per-name cache holds now (bounded by `cacheSize`). */
  get cachedToolNames(): number {
    return this.#cache.size;
  }

  /** Ids of the rules, in order. */
  ruleIds(): string[] {
    return this.#rules.map((r) => r.id);
  }
}
