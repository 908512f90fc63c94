import {
  type CompiledCondition,
  cloneCondition,
  compileCondition,
  hasPredicate,
} from './conditions.js';
import { pointerToken } from './errors.js';
import { type ParsedPattern, PatternSyntaxError, parseToolPattern } from './pattern.js';
import { isValidScopeToken } from './scopes.js';
import type { PolicyEffect, PolicyProblem, PolicyRuleJson } from './types.js';

/** A validated, compiled rule. */
export interface CompiledRule {
  readonly id: string;
  readonly index: number;
  readonly effect: PolicyEffect;
  /** `all`: every scope; `any`: one of them; `none`: no scope needed. */
  readonly mode: 'all' | 'any' | 'none';
  readonly scopes: readonly string[];
  /** Private copies of the validated conditions; compiled into `whenFn`/`argsFn` on first use. */
  readonly whenSrc: unknown;
  readonly argsSrc: unknown;
  whenFn: CompiledCondition | undefined;
  argsFn: CompiledCondition | undefined;
  readonly patterns: readonly ParsedPattern[];
  /** The normalized JSON form (shares `whenSrc`/`argsSrc`: copy before handing out). */
  readonly json: PolicyRuleJson | undefined;
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
 * Validates one rule and compiles it. Problems go to `problems` (with pointers under
 * `pointer`); returns undefined when there was any.
 */
export function compileRule(
  raw: unknown,
  index: number,
  pointer: string,
  problems: PolicyProblem[],
  json: boolean,
): CompiledRule | undefined {
  const before = problems.length;
  const problem = (at: string, message: string) => {
    problems.push({ pointer: at, message });
  };
  if (!isPlainObject(raw)) {
    problem(pointer, 'a rule must be an object');
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (!RULE_KEYS.has(key))
      problem(
        `${pointer}/${pointerToken(key)}`,
        `unknown rule key "${key}" (expected id, tools, effect, scopes, when, args, description)`,
      );

  // id
  let id = `rule-${index + 1}`;
  if (raw.id !== undefined) {
    if (typeof raw.id !== 'string' || !RULE_ID.test(raw.id))
      problem(`${pointer}/id`, 'id must be 1–128 printable ASCII characters');
    else id = raw.id;
  }
  const label = `rule "${id}"`;

  // tools
  const patterns: ParsedPattern[] = [];
  const toolList: string[] = [];
  const tools = raw.tools;
  const checkPattern = (source: unknown, at: string) => {
    if (typeof source !== 'string') {
      problem(at, 'a tool pattern must be a string');
      return;
    }
    try {
      patterns.push(parseToolPattern(source));
      toolList.push(source);
    } catch (error) {
      if (!(error instanceof PatternSyntaxError)) throw error;
      problem(
        at,
        `${label}: tool pattern ${JSON.stringify(source.slice(0, 200))} is refused: ${error.message}`,
      );
    }
  };
  if (typeof tools === 'string') checkPattern(tools, `${pointer}/tools`);
  else if (Array.isArray(tools)) {
    if (tools.length === 0) problem(`${pointer}/tools`, '"tools" must not be empty');
    tools.forEach((t, j) => {
      checkPattern(t, `${pointer}/tools/${j}`);
    });
  } else
    problem(`${pointer}/tools`, '"tools" is required: a pattern or a non-empty list of patterns');

  // effect
  let effect: PolicyEffect = 'allow';
  if (raw.effect !== undefined) {
    if (raw.effect === 'allow' || raw.effect === 'deny') effect = raw.effect;
    else problem(`${pointer}/effect`, 'effect must be "allow" or "deny"');
  }

  // scopes
  let mode: CompiledRule['mode'] = 'none';
  let scopes: readonly string[] = EMPTY;
  let scopesJson: PolicyRuleJson['scopes'];
  if (raw.scopes !== undefined) {
    let list: unknown;
    let listPointer = `${pointer}/scopes`;
    let kind: 'allOf' | 'anyOf' = 'allOf';
    if (Array.isArray(raw.scopes)) list = raw.scopes;
    else if (isPlainObject(raw.scopes)) {
      const keys = Object.keys(raw.scopes);
      if (keys.length === 1 && (keys[0] === 'allOf' || keys[0] === 'anyOf')) {
        kind = keys[0];
        list = raw.scopes[kind];
        listPointer = `${pointer}/scopes/${kind}`;
      }
    }
    if (!Array.isArray(list)) {
      problem(
        `${pointer}/scopes`,
        'scopes must be an array, { "allOf": [...] } or { "anyOf": [...] }',
      );
    } else {
      let ok = true;
      list.forEach((s, j) => {
        if (!isValidScopeToken(s)) {
          problem(
            `${listPointer}/${j}`,
            'a scope must be a non-empty RFC 6749 scope token (no spaces, quotes or backslashes)',
          );
          ok = false;
        }
      });
      if (kind === 'anyOf' && list.length === 0) {
        problem(listPointer, '"anyOf" must not be empty (no scope could ever satisfy it)');
        ok = false;
      }
      if (ok) {
        scopes = Object.freeze([...new Set(list as string[])]);
        mode = scopes.length === 0 ? 'none' : kind === 'allOf' ? 'all' : 'any';
        scopesJson = kind === 'allOf' ? { allOf: [...scopes] } : { anyOf: [...scopes] };
      }
      if (effect === 'deny' && list.length > 0)
        problem(
          `${pointer}/scopes`,
          'a deny rule cannot require scopes; express who is denied with "when"',
        );
    }
  }

  // conditions (validated now, compiled on first use)
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
    problem(`${pointer}/description`, 'description must be a string');

  if (problems.length > before) return undefined;

  const whenSrc = raw.when === undefined ? undefined : cloneCondition(raw.when);
  const argsSrc = raw.args === undefined ? undefined : cloneCondition(raw.args);
  let ruleJson: PolicyRuleJson | undefined;
  if (!hasPredicate(whenSrc) && !hasPredicate(argsSrc)) {
    const out: { -readonly [K in keyof PolicyRuleJson]: PolicyRuleJson[K] } = {
      id,
      tools: toolList,
      effect,
    };
    if (typeof raw.description === 'string') out.description = raw.description;
    if (scopesJson && scopes.length > 0) out.scopes = scopesJson;
    if (whenSrc !== undefined) out.when = whenSrc as PolicyRuleJson['when'];
    if (argsSrc !== undefined) out.args = argsSrc as PolicyRuleJson['args'];
    ruleJson = out;
  }

  return {
    id,
    index,
    effect,
    mode,
    scopes,
    whenSrc,
    argsSrc,
    whenFn: undefined,
    argsFn: undefined,
    patterns,
    json: ruleJson,
  };
}
