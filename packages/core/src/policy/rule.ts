import {
  type CompiledCondition,
  cloneCondition,
  compileCondition,
  hasPredicate,
} from './conditions.js';
import { pointerToken } from './errors.js';
import { type ParsedPattern, PatternSyntaxError, parseToolPattern } from './pattern.js';
import { isValidScopeToken, OFFLINE_ACCESS } from './scopes.js';
import type { PolicyDecision, PolicyEffect, PolicyProblem, PolicyRuleJson } from './types.js';

/**
 * A validated rule. Kept small: an engine holds one per rule (10,000s of them), so the JSON
 * form is rebuilt on demand and conditions are compiled on first use.
 */
export interface CompiledRule {
  readonly id: string;
  readonly index: number;
  readonly effect: PolicyEffect;
  /** `all`: every scope; `any`: one of them; `none`: no scope needed. */
  readonly mode: 'all' | 'any' | 'none';
  readonly scopes: readonly string[];
  /** The tool patterns as written. */
  readonly tools: readonly string[];
  readonly description: string | undefined;
  /** Private copies of the validated conditions; compiled into `whenFn`/`argsFn` on first use. */
  readonly whenSrc: unknown;
  readonly argsSrc: unknown;
  whenFn: CompiledCondition | undefined;
  argsFn: CompiledCondition | undefined;
  /** The decision this rule allows with (the same frozen object every time), made on first use. */
  allowDecision: PolicyDecision | undefined;
}

/** A compiled rule with its parsed patterns (only needed while installing it). */
export interface RuleWithPatterns {
  readonly rule: CompiledRule;
  readonly patterns: readonly ParsedPattern[];
}

const RULE_KEYS = new Set(['id', 'tools', 'effect', 'scopes', 'when', 'args', 'description']);
const RULE_ID = /^[\x20-\x7e]{1,128}$/;
const EMPTY: readonly string[] = Object.freeze([]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Human label of a rule for error messages, even before its id is validated. */
export function ruleLabel(raw: unknown, index: number): string {
  const id = isPlainObject(raw) ? raw.id : undefined;
  return typeof id === 'string' && RULE_ID.test(id) ? `rule "${id}"` : `rule #${index + 1}`;
}

/**
 * Shares identical scope lists and identical declarative conditions between the rules of one
 * engine (real policies repeat them): less memory, and each shared condition compiles once.
 */
export type ScopeInterner = Map<string, unknown>;

function internCondition(raw: unknown, interner: ScopeInterner | undefined): unknown {
  if (raw === undefined) return undefined;
  if (interner === undefined || hasPredicate(raw)) return cloneCondition(raw);
  const key = `c ${JSON.stringify(raw)}`;
  const shared = interner.get(key);
  if (shared !== undefined) return shared;
  const copy = cloneCondition(raw);
  interner.set(key, copy);
  return copy;
}

function parsePattern(
  source: unknown,
  at: string,
  label: string,
  problems: PolicyProblem[],
): ParsedPattern | undefined {
  if (typeof source !== 'string') {
    problems.push({ pointer: at, message: 'a tool pattern must be a string' });
    return undefined;
  }
  try {
    return parseToolPattern(source);
  } catch (error) {
    if (!(error instanceof PatternSyntaxError)) throw error;
    problems.push({
      pointer: at,
      message: `${label}: tool pattern ${JSON.stringify(source.slice(0, 200))} is refused: ${error.message}`,
    });
    return undefined;
  }
}

/** A rule's `tools`: one pattern or a non-empty list of them, parsed. */
function ruleTools(
  tools: unknown,
  pointer: string,
  label: string,
  problems: PolicyProblem[],
): ParsedPattern[] {
  const patterns: ParsedPattern[] = [];
  if (typeof tools === 'string') {
    const parsed = parsePattern(tools, `${pointer}/tools`, label, problems);
    if (parsed) patterns.push(parsed);
  } else if (Array.isArray(tools)) {
    if (tools.length === 0)
      problems.push({ pointer: `${pointer}/tools`, message: '"tools" must not be empty' });
    for (let j = 0; j < tools.length; j++) {
      const parsed = parsePattern(tools[j], `${pointer}/tools/${j}`, label, problems);
      if (parsed) patterns.push(parsed);
    }
  } else
    problems.push({
      pointer: `${pointer}/tools`,
      message: '"tools" is required: a pattern or a non-empty list of patterns',
    });
  return patterns;
}

/** What a rule requires of the token's scopes. */
interface RuleScopes {
  readonly mode: CompiledRule['mode'];
  readonly scopes: readonly string[];
}

const NO_SCOPES: RuleScopes = { mode: 'none', scopes: EMPTY };

/** A rule's `scopes` (a list, `{ allOf }` or `{ anyOf }`), validated and interned. */
function ruleScopes(
  value: unknown,
  effect: PolicyEffect,
  pointer: string,
  problems: PolicyProblem[],
  interner: ScopeInterner | undefined,
): RuleScopes {
  let list: unknown;
  let listPointer = `${pointer}/scopes`;
  let kind: 'allOf' | 'anyOf' = 'allOf';
  if (Array.isArray(value)) list = value;
  else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'allOf' || keys[0] === 'anyOf')) {
      kind = keys[0];
      list = value[kind];
      listPointer = `${pointer}/scopes/${kind}`;
    }
  }
  if (!Array.isArray(list)) {
    problems.push({
      pointer: `${pointer}/scopes`,
      message: 'scopes must be an array, { "allOf": [...] } or { "anyOf": [...] }',
    });
    return NO_SCOPES;
  }
  let ok = true;
  for (let j = 0; j < list.length; j++)
    if (!isValidScopeToken(list[j])) {
      problems.push({
        pointer: `${listPointer}/${j}`,
        message:
          'a scope must be a non-empty RFC 6749 scope token (no spaces, quotes or backslashes)',
      });
      ok = false;
    } else if (list[j] === OFFLINE_ACCESS) {
      problems.push({
        pointer: `${listPointer}/${j}`,
        message:
          '"offline_access" asks the authorization server for a refresh token; it is not a resource scope a rule can require (MCP 2026-07-28, SEP-2207)',
      });
      ok = false;
    }
  if (kind === 'anyOf' && list.length === 0) {
    problems.push({
      pointer: listPointer,
      message: '"anyOf" must not be empty (no scope could ever satisfy it)',
    });
    ok = false;
  }
  if (effect === 'deny' && list.length > 0) {
    problems.push({
      pointer: `${pointer}/scopes`,
      message: 'a deny rule cannot require scopes; express who is denied with "when"',
    });
    return NO_SCOPES;
  }
  if (!ok || list.length === 0) return NO_SCOPES;
  const unique = list.length === 1 ? (list as string[]) : [...new Set(list as string[])];
  const key = `s ${kind} ${unique.join(' ')}`;
  let scopes = interner?.get(key) as readonly string[] | undefined;
  if (scopes === undefined) {
    scopes = Object.freeze([...unique]);
    interner?.set(key, scopes);
  }
  return { mode: kind === 'allOf' ? 'all' : 'any', scopes };
}

/**
 * Validates one rule and compiles it. Problems go to `problems` (with pointers under
 * `pointer`); returns undefined when there was any.
 */
export function compileRule(
  raw: unknown,
  index: number,
  pointer: string,
  problems: PolicyProblem[],
  json: boolean,
  interner?: ScopeInterner,
): RuleWithPatterns | undefined {
  const before = problems.length;
  if (!isPlainObject(raw)) {
    problems.push({ pointer, message: 'a rule must be an object' });
    return undefined;
  }
  for (const key in raw)
    if (!RULE_KEYS.has(key))
      problems.push({
        pointer: `${pointer}/${pointerToken(key)}`,
        message: `unknown rule key "${key}" (expected id, tools, effect, scopes, when, args, description)`,
      });

  // id
  let id = `rule-${index + 1}`;
  if (raw.id !== undefined) {
    if (typeof raw.id !== 'string' || !RULE_ID.test(raw.id))
      problems.push({
        pointer: `${pointer}/id`,
        message: 'id must be 1–128 printable ASCII characters',
      });
    else id = raw.id;
  }
  const label = `rule "${id}"`;
  const patterns = ruleTools(raw.tools, pointer, label, problems);

  let effect: PolicyEffect = 'allow';
  if (raw.effect !== undefined) {
    if (raw.effect === 'allow' || raw.effect === 'deny') effect = raw.effect;
    else
      problems.push({ pointer: `${pointer}/effect`, message: 'effect must be "allow" or "deny"' });
  }

  const { mode, scopes } =
    raw.scopes === undefined
      ? NO_SCOPES
      : ruleScopes(raw.scopes, effect, pointer, problems, interner);

  // conditions: validated now, compiled on first use
  if (raw.when !== undefined)
    compileCondition(raw.when, `${pointer}/when`, problems, {
      allowArgs: false,
      json,
      build: false,
    });
  if (raw.args !== undefined)
    compileCondition(raw.args, `${pointer}/args`, problems, {
      allowArgs: true,
      json,
      build: false,
    });

  if (raw.description !== undefined && typeof raw.description !== 'string')
    problems.push({ pointer: `${pointer}/description`, message: 'description must be a string' });

  if (problems.length > before) return undefined;

  const rule: CompiledRule = {
    id,
    index,
    effect,
    mode,
    scopes,
    tools: patterns.length === 1 ? [patterns[0]!.source] : patterns.map((p) => p.source),
    description: typeof raw.description === 'string' ? raw.description : undefined,
    whenSrc: internCondition(raw.when, interner),
    argsSrc: internCondition(raw.args, interner),
    whenFn: undefined,
    argsFn: undefined,
    allowDecision: undefined,
  };
  return { rule, patterns };
}

/** The normalized JSON form of a rule (a fresh copy), or undefined when it holds a predicate. */
export function ruleToJson(rule: CompiledRule): PolicyRuleJson | undefined {
  if (hasPredicate(rule.whenSrc) || hasPredicate(rule.argsSrc)) return undefined;
  const out: { -readonly [K in keyof PolicyRuleJson]: PolicyRuleJson[K] } =
    rule.description === undefined
      ? { id: rule.id, tools: [...rule.tools], effect: rule.effect }
      : { id: rule.id, description: rule.description, tools: [...rule.tools], effect: rule.effect };
  if (rule.mode === 'all') out.scopes = { allOf: [...rule.scopes] };
  else if (rule.mode === 'any') out.scopes = { anyOf: [...rule.scopes] };
  if (rule.whenSrc !== undefined) out.when = cloneCondition(rule.whenSrc) as PolicyRuleJson['when'];
  if (rule.argsSrc !== undefined) out.args = cloneCondition(rule.argsSrc) as PolicyRuleJson['args'];
  return out;
}
