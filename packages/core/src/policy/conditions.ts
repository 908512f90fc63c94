import { pointerToken } from './errors.js';
import type { PolicyConditionInput, PolicyProblem } from './types.js';

/** A compiled condition. May throw (predicates); the engine turns a throw into a denial. */
export type CompiledCondition = (input: PolicyConditionInput) => boolean;

// The access-token claim marking a machine client (`PRINCIPAL_CLAIM` of tokens/claims.ts, a
// floor above: spelled here).
const PRINCIPAL_CLAIM = 'mcp_principal';

const OPERATORS = ['eq', 'in', 'contains', 'exists', 'gt', 'gte', 'lt', 'lte'] as const;
type Operator = (typeof OPERATORS)[number];
const SUBJECTS = ['claim', 'arg'] as const;
type Source = 'claim' | 'arg';

/** Where a condition sits, which decides what it may refer to. */
export interface ConditionScope {
  /** `when` conditions may only refer to claims. */
  readonly allowArgs: boolean;
  /** JSON documents cannot hold predicate functions. */
  readonly json: boolean;
  /** False: only validate (the returned function is a placeholder). */
  readonly build?: boolean;
}

const PLACEHOLDER: CompiledCondition = () => {
  throw new Error('condition used before it was compiled');
};

/** A predicate's result that is not a boolean: the engine reports it as a condition error. */
export class PredicateResultError extends Error {
  constructor() {
    super(
      'a predicate returned a non-boolean value (predicates must synchronously return true or false)',
    );
    this.name = 'PredicateResultError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

const own = Object.prototype.hasOwnProperty;

function lookupPath(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!own.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

type Getter = (input: PolicyConditionInput) => unknown;
const NO_GETTER: Getter = () => undefined;

function makeGetter(source: Source, path: readonly string[]): Getter {
  if (path.length === 1) {
    const key = path[0]!;
    return source === 'claim'
      ? (input) => {
          const claims = input.claims;
          return own.call(claims, key) ? claims[key] : undefined;
        }
      : (input) => {
          const args = input.args;
          return args !== undefined && args !== null && own.call(args, key) ? args[key] : undefined;
        };
  }
  return source === 'claim'
    ? (input) => lookupPath(input.claims, path)
    : (input) => lookupPath(input.args, path);
}

/** What each operator's compiler gets: the subject's getter and the operand as written. */
interface Operation {
  readonly subject: Getter;
  readonly operand: unknown;
  /** The operand's JSON pointer. */
  readonly pointer: string;
  /** False: only validate. */
  readonly build: boolean;
}

class Validator {
  constructor(
    readonly problems: PolicyProblem[],
    readonly scope: ConditionScope,
  ) {}

  problem(pointer: string, message: string): undefined {
    this.problems.push({ pointer, message });
    return undefined;
  }

  path(value: unknown, pointer: string): readonly string[] | undefined {
    if (typeof value === 'string') {
      if (value.length === 0) return this.problem(pointer, 'a path must not be empty');
      return [value];
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return this.problem(pointer, 'a path must not be empty');
      if (value.length > 16) return this.problem(pointer, 'a path has at most 16 keys');
      let ok = true;
      value.forEach((key, i) => {
        if (typeof key !== 'string' || key.length === 0) {
          this.problem(`${pointer}/${i}`, 'a path key must be a non-empty string');
          ok = false;
        }
      });
      return ok ? (value as string[]) : undefined;
    }
    return this.problem(pointer, 'a path must be a string or a non-empty array of strings');
  }

  /** A `{claim}` / `{arg}` reference, or undefined when `value` is not one. */
  ref(value: unknown, pointer: string): Getter | null | undefined {
    if (!isPlainObject(value)) return null;
    const keys = Object.keys(value);
    if (keys.length !== 1 || (keys[0] !== 'claim' && keys[0] !== 'arg')) {
      this.problem(pointer, 'a reference must be exactly { "claim": path } or { "arg": path }');
      return undefined;
    }
    const source = keys[0] as Source;
    if (source === 'arg' && !this.scope.allowArgs) {
      this.problem(
        `${pointer}/arg`,
        '`when` conditions may only refer to claims; put argument conditions in `args`',
      );
      return undefined;
    }
    const path = this.path(value[source], `${pointer}/${source}`);
    if (!path) return undefined;
    return this.scope.build === false ? NO_GETTER : makeGetter(source, path);
  }

  condition(value: unknown, pointer: string, depth = 0): CompiledCondition | undefined {
    if (depth > 32) return this.problem(pointer, 'conditions are nested too deeply (max 32)');
    if (typeof value === 'function') {
      if (this.scope.json)
        return this.problem(pointer, 'predicate functions cannot appear in a JSON policy');
      if (this.scope.build === false) return PLACEHOLDER;
      const predicate = value as (input: PolicyConditionInput) => unknown;
      return (input) => {
        const result = predicate(input);
        if (typeof result !== 'boolean') throw new PredicateResultError();
        return result;
      };
    }
    if (!isPlainObject(value))
      return this.problem(pointer, 'a condition must be an object (or a predicate function)');
    const keys = Object.keys(value);
    if (keys.includes('all') || keys.includes('any')) {
      const kind = keys.includes('all') ? 'all' : 'any';
      if (keys.length !== 1)
        return this.problem(pointer, `"${kind}" must be the only key of its condition`);
      const list = value[kind];
      if (!Array.isArray(list) || list.length === 0)
        return this.problem(
          `${pointer}/${kind}`,
          `"${kind}" must be a non-empty array of conditions`,
        );
      const parts = list.map((c, i) => this.condition(c, `${pointer}/${kind}/${i}`, depth + 1));
      if (parts.some((p) => p === undefined)) return undefined;
      if (this.scope.build === false) return PLACEHOLDER;
      const compiled = parts as CompiledCondition[];
      if (compiled.length === 1) return compiled[0];
      if (compiled.length === 2) {
        const [a, b] = compiled as [CompiledCondition, CompiledCondition];
        return kind === 'all' ? (i) => a(i) && b(i) : (i) => a(i) || b(i);
      }
      return kind === 'all'
        ? (i) => compiled.every((c) => c(i))
        : (i) => compiled.some((c) => c(i));
    }
    if (keys.includes('not')) {
      if (keys.length !== 1)
        return this.problem(pointer, '"not" must be the only key of its condition');
      const inner = this.condition(value.not, `${pointer}/not`, depth + 1);
      if (inner === undefined || this.scope.build === false) return inner;
      return (i) => !inner(i);
    }
    if (keys.includes('principal')) return this.principal(value, keys, pointer);
    const compiled = this.comparison(value, keys, pointer);
    return compiled !== undefined && this.scope.build === false ? PLACEHOLDER : compiled;
  }

  /** `{ principal: 'user' | 'client' }`: the token's `mcp_principal` claim (tokens/claims.ts). */
  principal(
    value: Record<string, unknown>,
    keys: string[],
    pointer: string,
  ): CompiledCondition | undefined {
    if (keys.length !== 1)
      return this.problem(pointer, '"principal" must be the only key of its condition');
    const kind = value['principal'];
    if (kind !== 'user' && kind !== 'client')
      return this.problem(`${pointer}/principal`, '"principal" must be "user" or "client"');
    if (this.scope.build === false) return PLACEHOLDER;
    const isClient = (i: PolicyConditionInput) =>
      own.call(i.claims, PRINCIPAL_CLAIM) && i.claims[PRINCIPAL_CLAIM] === 'client';
    return kind === 'client' ? isClient : (i) => !isClient(i);
  }

  comparison(
    value: Record<string, unknown>,
    keys: string[],
    pointer: string,
  ): CompiledCondition | undefined {
    const subjects = keys.filter((k) => (SUBJECTS as readonly string[]).includes(k));
    const operators = keys.filter((k) => (OPERATORS as readonly string[]).includes(k));
    const unknown = keys.filter(
      (k) =>
        !(SUBJECTS as readonly string[]).includes(k) &&
        !(OPERATORS as readonly string[]).includes(k),
    );
    let ok = true;
    for (const k of unknown) {
      this.problem(
        `${pointer}/${pointerToken(k)}`,
        `unknown key "${k}"; a condition is { claim|arg, eq|in|contains|exists|gt|gte|lt|lte } or all/any/not`,
      );
      ok = false;
    }
    if (subjects.length !== 1) {
      this.problem(pointer, 'a comparison needs exactly one subject: "claim" or "arg"');
      return undefined;
    }
    if (operators.length !== 1) {
      this.problem(
        pointer,
        'a comparison needs exactly one operator: eq, in, contains, exists, gt, gte, lt or lte',
      );
      return undefined;
    }
    const source = subjects[0] as Source;
    if (source === 'arg' && !this.scope.allowArgs) {
      this.problem(
        `${pointer}/arg`,
        '`when` conditions may only refer to claims; put argument conditions in `args`',
      );
      return undefined;
    }
    const path = this.path(value[source], `${pointer}/${source}`);
    const op = operators[0] as Operator;
    const operandPointer = `${pointer}/${op}`;
    if (!path || !ok) return undefined;
    const build = this.scope.build !== false;
    const subject = build ? makeGetter(source, path) : NO_GETTER;
    const operation: Operation = { subject, operand: value[op], pointer: operandPointer, build };
    switch (op) {
      case 'exists':
        return this.exists(operation);
      case 'eq':
        return this.eq(operation);
      case 'in':
        return this.inList(operation);
      case 'contains':
        return this.contains(operation);
      default:
        return this.ordered(op, operation);
    }
  }

  /** `exists`: the subject is (not) present and not null. */
  exists({ subject, operand, pointer, build }: Operation): CompiledCondition | undefined {
    if (typeof operand !== 'boolean') return this.problem(pointer, '"exists" takes true or false');
    if (!build) return PLACEHOLDER;
    return operand
      ? (i) => {
          const v = subject(i);
          return v !== undefined && v !== null;
        }
      : (i) => {
          const v = subject(i);
          return v === undefined || v === null;
        };
  }

  /** `eq`: the subject equals a scalar or a referenced scalar. */
  eq({ subject, operand, pointer, build }: Operation): CompiledCondition | undefined {
    const ref = this.ref(operand, pointer);
    if (ref === undefined) return undefined;
    if (ref === null) {
      if (!isScalar(operand))
        return this.problem(pointer, '"eq" takes a string, number, boolean, null or a reference');
      if (!build) return PLACEHOLDER;
      return (i) => subject(i) === operand;
    }
    if (!build) return PLACEHOLDER;
    return (i) => {
      const v = subject(i);
      return isScalar(v) && v === ref(i);
    };
  }

  /** `in`: the subject is a scalar of a literal list or of a referenced array. */
  inList({ subject, operand, pointer, build }: Operation): CompiledCondition | undefined {
    if (Array.isArray(operand)) {
      let good = true;
      operand.forEach((item, n) => {
        if (!isScalar(item)) {
          this.problem(`${pointer}/${n}`, '"in" lists hold only scalars');
          good = false;
        }
      });
      if (!good) return undefined;
      if (!build) return PLACEHOLDER;
      const list = [...operand] as unknown[];
      return (i) => {
        const v = subject(i);
        return isScalar(v) && list.includes(v);
      };
    }
    const ref = this.ref(operand, pointer);
    if (ref === undefined) return undefined;
    if (ref === null) return this.problem(pointer, '"in" takes an array or a reference');
    if (!build) return PLACEHOLDER;
    return (i) => {
      const v = subject(i);
      const list = ref(i);
      return isScalar(v) && Array.isArray(list) && list.includes(v);
    };
  }

  /** `contains`: the subject (an array or a string) holds a scalar or a referenced scalar. */
  contains({ subject, operand, pointer, build }: Operation): CompiledCondition | undefined {
    const ref = this.ref(operand, pointer);
    if (ref === undefined) return undefined;
    if (ref === null && !isScalar(operand))
      return this.problem(pointer, '"contains" takes a scalar or a reference');
    if (!build) return PLACEHOLDER;
    const get: Getter = ref === null ? () => operand : ref;
    return (i) => {
      const v = subject(i);
      const needle = get(i);
      if (!isScalar(needle)) return false;
      if (Array.isArray(v)) return v.includes(needle);
      return typeof v === 'string' && typeof needle === 'string' && v.includes(needle);
    };
  }

  /** `gt`, `gte`, `lt`, `lte`: finite numbers compared with a number or a referenced number. */
  ordered(
    op: 'gt' | 'gte' | 'lt' | 'lte',
    { subject, operand, pointer, build }: Operation,
  ): CompiledCondition | undefined {
    const ref = this.ref(operand, pointer);
    if (ref === undefined) return undefined;
    if (ref === null && (typeof operand !== 'number' || !Number.isFinite(operand)))
      return this.problem(pointer, `"${op}" takes a finite number or a reference`);
    if (!build) return PLACEHOLDER;
    const get: Getter = ref === null ? () => operand : ref;
    const compare =
      op === 'gt'
        ? (a: number, b: number) => a > b
        : op === 'gte'
          ? (a: number, b: number) => a >= b
          : op === 'lt'
            ? (a: number, b: number) => a < b
            : (a: number, b: number) => a <= b;
    if (ref === null) {
      const bound = operand as number;
      return (i) => {
        const v = subject(i);
        return typeof v === 'number' && Number.isFinite(v) && compare(v, bound);
      };
    }
    return (i) => {
      const v = subject(i);
      const b = get(i);
      return (
        typeof v === 'number' &&
        Number.isFinite(v) &&
        typeof b === 'number' &&
        Number.isFinite(b) &&
        compare(v, b)
      );
    };
  }
}

/** Validates and compiles a condition; problems are appended to `problems`. */
export function compileCondition(
  value: unknown,
  pointer: string,
  problems: PolicyProblem[],
  scope: ConditionScope,
): CompiledCondition | undefined {
  return new Validator(problems, scope).condition(value, pointer);
}

/** A deep copy of a (validated) condition; predicate functions are kept as they are. */
export function cloneCondition(value: unknown): unknown {
  if (typeof value === 'function') return value;
  if (Array.isArray(value)) return value.map(cloneCondition);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value))
      out[key] = cloneCondition((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** True when a condition holds a predicate function somewhere. */
export function hasPredicate(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (Array.isArray(value)) return value.some(hasPredicate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasPredicate);
  return false;
}

/** A deep copy of a declarative condition (for `toJSON`); undefined if it holds a function. */
export function cloneConditionJson(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const c = cloneConditionJson(v);
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = cloneConditionJson(v);
      if (c === undefined) return undefined;
      out[k] = c;
    }
    return out;
  }
  return value;
}
