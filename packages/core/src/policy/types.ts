import type { Store } from '../store/store.js';
/** What a matching rule does: `allow` lets the call through (if its scopes and conditions hold),
 * `deny` refuses it whatever any other rule says. */
export type PolicyEffect = 'allow' | 'deny';

/** A JSON scalar a condition can compare with. */
export type ScalarValue = string | number | boolean | null;

/**
 * Where a value lives: a top-level key (`"department"`, also `"https://ex.com/roles"` — a string
 * is never split on dots), or a list of keys for nested values (`["address", "country"]`).
 */
export type AttributePath = string | readonly string[];

/** A reference to a value of the request instead of a constant. */
export type ValueRef =
  /** A token claim, e.g. `{ claim: "sub" }`. */
  | { readonly claim: AttributePath }
  /** A tool-call argument, e.g. `{ arg: "owner" }` (only inside `args` conditions). */
  | { readonly arg: AttributePath };

/**
 * A comparison on one attribute. Exactly one subject (`claim` or `arg`) and exactly one operator:
 *
 * - `eq`: strictly equal (`===`) to a scalar or to a referenced value;
 * - `in`: equal to one element of a list (or of a referenced array);
 * - `contains`: the subject is an array holding the value, or a string containing it;
 * - `exists`: `true` when the attribute is present and not `null`, `false` for the opposite;
 * - `gt` / `gte` / `lt` / `lte`: both sides are finite numbers and compare so (no coercion).
 *
 * A missing attribute or a value of the wrong type makes the comparison false (never an error).
 */
export interface AttributeCondition {
  readonly claim?: AttributePath;
  readonly arg?: AttributePath;
  readonly eq?: ScalarValue | ValueRef;
  readonly in?: readonly ScalarValue[] | ValueRef;
  readonly contains?: ScalarValue | ValueRef;
  readonly exists?: boolean;
  readonly gt?: number | ValueRef;
  readonly gte?: number | ValueRef;
  readonly lt?: number | ValueRef;
  readonly lte?: number | ValueRef;
}

/** What a predicate condition sees. */
export interface PolicyConditionInput {
  readonly tool: string;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly args: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A condition in code: must return exactly `true` to hold. Throwing, or returning anything but a
 * boolean (a Promise included — predicates are synchronous), denies the call with reason code
 * `condition_error`.
 */
export type PolicyPredicate = (input: PolicyConditionInput) => boolean;

/** A declarative condition, a combination of them, or a predicate function (code only). */
export type PolicyCondition =
  | AttributeCondition
  | { readonly all: readonly PolicyCondition[] }
  | { readonly any: readonly PolicyCondition[] }
  | { readonly not: PolicyCondition }
  | PrincipalCondition
  | PolicyPredicate;

/**
 * Who the caller is: `{ principal: "client" }` holds for a machine client's token (client
 * credentials grant: the token's `mcp_principal` claim is `"client"`, and `sub` is the client
 * id), `{ principal: "user" }` for every other token. The only key of its condition.
 */
export interface PrincipalCondition {
  readonly principal: 'user' | 'client';
}

/**
 * Scopes an allow rule requires. A plain array means all of them. Scope strings compare exactly
 * and case-sensitively, except that a GRANTED scope ending in `:*` covers every scope under that
 * prefix (`mcp:tools:*` covers `mcp:tools:read` and `mcp:tools:admin:users`), and a granted
 * scope covers every scope the engine's scope hierarchy says it implies (see
 * {@link ScopeHierarchyDeclaration}). `offline_access` cannot be required (SEP-2207).
 */
export type ScopeRequirement =
  | readonly string[]
  | { readonly allOf: readonly string[] }
  | { readonly anyOf: readonly string[] };

/**
 * A scope hierarchy as declared: each key is a broader scope, its value the narrower scopes it
 * implies (directly; implication is transitive). MCP 2026-07-28 requires servers to account for
 * scope hierarchies, where a broader scope implies narrower ones, when deciding whether a token
 * is sufficient (authorization, "Step-Up Authorization Flow"; SEP-2350).
 *
 * ```ts
 * { 'mcp:tools:admin': ['mcp:tools:write'], 'mcp:tools:write': ['mcp:tools:read'] }
 * ```
 *
 * Scopes are RFC 6749 scope tokens other than `offline_access`; wildcards (`mcp:*`) may appear
 * on either side; cycles are refused.
 */
export type ScopeHierarchyDeclaration = Readonly<Record<string, readonly string[]>>;

/** One rule, as given to {@link PolicyEngine.addRule} (and, without predicates, in JSON). */
export interface PolicyRule {
  /** Unique id, reported in decisions and audit events. Default: `rule-<n>`. */
  readonly id?: string;
  /**
   * One tool pattern or a list (any matches). A pattern is matched against the whole tool name;
   * see {@link ToolPatternLanguage}. A pattern without metacharacters is an exact name.
   */
  readonly tools: string | readonly string[];
  /** Default `allow`. Deny rules may not require scopes (use `when`). */
  readonly effect?: PolicyEffect;
  /** Scopes an allow rule requires (none when omitted). */
  readonly scopes?: ScopeRequirement;
  /** Conditions on the caller's token claims (may only refer to claims). */
  readonly when?: PolicyCondition;
  /** Conditions on the tool call's arguments (may refer to arguments and claims). */
  readonly args?: PolicyCondition;
  /** Free text for humans (kept by `toJSON()`). */
  readonly description?: string;
}

/**
 * Documentation anchor for the tool-pattern language (type alias of `string`).
 *
 * A pattern matches the WHOLE tool name, as if compiled to `^(?:pattern)$` with no flags.
 * Tool names themselves must be `[A-Za-z0-9_.-]{1,128}`; other names are denied before any
 * pattern runs. Accepted syntax (a safe subset of JavaScript regular expressions):
 *
 * - literals `A-Z a-z 0-9 _ -`; `\.` (and `\*`, `\(`, … any escaped metacharacter) for a literal;
 * - `.` (any name character), `\d`, `\D`, `\w`, `\W`, classes `[a-z_]`, `[^0-9]`;
 * - groups `( … )` and `(?: … )`, alternation `a|b`;
 * - quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 128), optionally lazy (`*?`);
 * - `^` at the very start and `$` at the very end are accepted and redundant.
 *
 * Refused, with an error naming the rule, the pattern and the reason:
 * nested quantifiers (`(a+)+`, `(ab?)*`), alternation inside a repeated group (`(a|b)*`),
 * backreferences (`\1`, `\k<n>`), lookahead / lookbehind, named groups, `\b`, flags, other
 * escapes, characters that cannot occur in a tool name, patterns over 1024 characters.
 *
 * Matching never backtracks: accepted patterns run on a position automaton in time linear in
 * the name's length. Note that `.` is a metacharacter: `github.create` also matches
 * `githubXcreate`; write `github\.create` for the exact name.
 */
export type ToolPatternLanguage = string;

/** Stable reason codes of a {@link PolicyDecision}. */
export type PolicyDecisionCode =
  /** An allow rule matched with its scopes and conditions satisfied, and no deny rule applied. */
  | 'allowed'
  /** The tool name is not `[A-Za-z0-9_.-]{1,128}` (SECURITY-CASES 42). */
  | 'invalid_tool_name'
  /** No rule matches the tool (default deny, SECURITY-CASES 44). */
  | 'no_matching_rule'
  /** A deny rule matched and its conditions held. */
  | 'denied_by_rule'
  /** A condition or predicate threw or returned a non-boolean (SECURITY-CASES 45). */
  | 'condition_error'
  /** An allow rule would apply, but scopes are missing (`missingScopes` says which). */
  | 'insufficient_scope'
  /**
   * An allow rule would apply, but it needs a scope the caller can never be granted
   * (`input.grantableScopes`, the token's `mcp_grantable_scopes`): a step-up cannot fix it, so
   * `missingScopes` is empty and the refusal is answered inside MCP. The reason names the scope
   * and why (the account, the client's registration, a machine client).
   */
  | 'scope_not_grantable'
  /** Allow rules matched the tool, but their conditions did not hold. */
  | 'condition_not_met';

/** The outcome of {@link PolicyEngine.evaluate}. */
export interface PolicyDecision {
  readonly allowed: boolean;
  readonly effect: PolicyEffect;
  /** Stable reason code. */
  readonly code: PolicyDecisionCode;
  /** The rule that decided (the allowing rule, the deny rule, the closest allow rule…). */
  readonly ruleId: string | undefined;
  /** A sentence for humans and logs. Never contains a token. */
  readonly reason: string;
  /** The deciding rule's scopes (for `anyOf` rules: every alternative). */
  readonly requiredScopes: readonly string[];
  /**
   * What the client must add to get through — feeds the 403 step-up challenge. Empty when
   * scopes would not help (denied by rule, conditions, unknown tool). For an `anyOf` rule it
   * holds the first alternative.
   */
  readonly missingScopes: readonly string[];
}

/** Input of {@link PolicyEngine.evaluate}. */
export interface PolicyEvaluationInput {
  /** The tool name as the client sent it (validated first). */
  readonly tool: string;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** Token claims (user attributes). Default `{}`. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
  /** The tool call's arguments, when known. */
  readonly args?: Readonly<Record<string, unknown>> | undefined;
  /** For audit events; default `claims.sub`. */
  readonly subject?: string | undefined;
  /** For audit events; default `claims.client_id`. */
  readonly clientId?: string | undefined;
  /** `false` skips the `onDecision` event (for pre-checks that are decided again later). */
  readonly audit?: boolean | undefined;
  /** For audit events: the W3C trace id of the request being decided. */
  readonly traceId?: string | undefined;
  /**
   * Every scope the caller may ever be granted, when known (the access token's
   * `mcp_grantable_scopes`, set by mcp-auth's authorization server). A scope denial that no
   * grantable scope can fix is `scope_not_grantable` (no `missingScopes`, no step-up) instead of
   * `insufficient_scope`. Absent: every scope denial is `insufficient_scope`.
   */
  readonly grantableScopes?: readonly string[] | undefined;
  /**
   * Who the caller is, for the reason of a `scope_not_grantable` decision: `'client'` for a
   * machine client (no account, never signs in). Default `'user'`.
   */
  readonly principal?: 'user' | 'client' | undefined;
  /**
   * The scopes the client registered for, when its registration limits what it may be granted
   * (the token's `mcp_client_scopes`). A missing scope outside them is worded as the client's
   * limit, not the account's.
   */
  readonly clientScopes?: readonly string[] | undefined;
}

/** An audit event emitted for every decision. Never contains a token. */
export interface PolicyDecisionEvent {
  readonly time: Date;
  /** The tool name (characters outside the tool-name alphabet replaced by `?`, max 128). */
  readonly tool: string;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly decision: PolicyEffect;
  readonly code: PolicyDecisionCode;
  readonly ruleId: string | undefined;
  readonly reason: string;
  readonly missingScopes: readonly string[];
  /** The W3C trace id of the request, when it was traced (`input.traceId`). */
  readonly traceId?: string | undefined;
}

/** Options of {@link PolicyEngine}. */
export interface PolicyEngineOptions {
  /** Called after every `evaluate()`; errors it throws are swallowed. */
  onDecision?: (event: PolicyDecisionEvent) => void;
  /** Tool names whose matching rules are cached (bounded; default 10,000). */
  cacheSize?: number;
  /**
   * Where rate-limit counters live (see `PolicyEngine.rateLimitStore`): a shared store
   * (`RedisStore`) makes the limits hold across instances.
   */
  rateLimitStore?: Store;
}

/** One rule's part in {@link PolicyExplanation}. */
export interface RuleExplanation {
  readonly ruleId: string;
  readonly index: number;
  readonly effect: PolicyEffect;
  /** Whether one of the rule's patterns matched the tool name. */
  readonly matched: boolean;
  /** `n/a` when the rule did not match the tool or has no conditions. */
  readonly conditions: 'met' | 'not_met' | 'error' | 'n/a';
  readonly requiredScopes: readonly string[];
  readonly missingScopes: readonly string[];
  /**
   * For a matching allow rule: each required scope the caller's grant covers, and the granted
   * scope that covers it (itself, a wildcard, or a broader scope of the hierarchy).
   */
  readonly coveredBy: readonly ScopeCoverage[];
  /** What this rule contributed: `allows`, `denies`, or `skipped`. */
  readonly outcome: 'allows' | 'denies' | 'skipped';
  readonly detail: string;
}

/** A required scope and the granted scope that covers it (in {@link RuleExplanation}). */
export interface ScopeCoverage {
  readonly scope: string;
  readonly by: string;
}

/** Output of {@link PolicyEngine.explain}: the decision and every rule considered. */
export interface PolicyExplanation {
  readonly decision: PolicyDecision;
  readonly rules: readonly RuleExplanation[];
}

/** Who asks, for {@link PolicyEngine.visibleTools} (an `AuthContext` fits). */
export interface PolicySubject {
  readonly scopes: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** The JSON policy document (see `policyJsonSchema`). */
export interface PolicyDocument {
  readonly $schema?: string;
  readonly version: 1;
  /** Broader scope → the narrower scopes it implies (omitted when there is none). */
  readonly scopeHierarchy?: ScopeHierarchyDeclaration;
  readonly rules: readonly PolicyRuleJson[];
  /** Rate limits (`policy.addRateLimit`); omitted when there is none. */
  readonly rateLimits?: readonly RateLimitJson[];
}

/** A rule in JSON: normalized, without predicates. */
export interface PolicyRuleJson {
  readonly id: string;
  readonly description?: string;
  readonly tools: readonly string[];
  readonly effect: PolicyEffect;
  readonly scopes?: { readonly allOf: readonly string[] } | { readonly anyOf: readonly string[] };
  readonly when?: PolicyConditionJson;
  readonly args?: PolicyConditionJson;
}

/** A condition in JSON (no predicates). */
export type PolicyConditionJson =
  | AttributeCondition
  | { readonly all: readonly PolicyConditionJson[] }
  | { readonly any: readonly PolicyConditionJson[] }
  | { readonly not: PolicyConditionJson };

/** One problem found in a policy, located by a JSON pointer (RFC 6901). */
export interface PolicyProblem {
  /** e.g. `/rules/3/tools/0`; `''` for the whole document. */
  readonly pointer: string;
  readonly message: string;
}

/** What a rate limit counts by: the user (`sub`), the OAuth client, the tool name. */
export type RateLimitDimension = 'subject' | 'client' | 'tool';

/**
 * A rate limit of the policy (`policy.addRateLimit`, or `rateLimits` in a JSON policy
 * document): at most `limit` calls of the matching tools per `windowSeconds`, counted
 * separately for each value of `per`.
 *
 * ```ts
 * // 5 send_email calls a minute for each user
 * policy.addRateLimit({ id: 'email', tools: 'send_email', per: 'subject', limit: 5, windowSeconds: 60 });
 * // 100 calls of any tool an hour for each (user, tool) pair
 * policy.addRateLimit({ tools: '.*', per: ['subject', 'tool'], limit: 100, windowSeconds: 3600 });
 * ```
 */
export interface RateLimitRule {
  /** Unique id (1–128 printable ASCII). Default `rate-limit-<n>`. Part of the counter key. */
  readonly id?: string;
  /** A tool name pattern or a list of them, matched against the whole name (as in rules). */
  readonly tools: string | readonly string[];
  /**
   * One counter per value of this (or per combination of these). `'subject'`: each user
   * counts alone; `'client'`: each client; `['subject', 'tool']`: each user for each tool.
   */
  readonly per: RateLimitDimension | readonly RateLimitDimension[];
  /** Calls allowed per window (a positive integer). */
  readonly limit: number;
  /** The window length in seconds (a positive integer, at most 31 days). */
  readonly windowSeconds: number;
  /** Free text for humans. */
  readonly description?: string;
}

/** A rate limit as the policy holds it (normalized; `toJSON()` writes this form). */
export interface RateLimitJson {
  readonly id: string;
  readonly tools: readonly string[];
  readonly per: readonly RateLimitDimension[];
  readonly limit: number;
  readonly windowSeconds: number;
  readonly description?: string;
}
