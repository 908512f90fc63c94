// Rate limits declared in the policy: which tools, counted per what, how many per window. The
// declarations and the matching live here; the counting (a store, the clock) is the guard's
// (resource/rate-limit.ts).

import { PolicyValidationError, pointerToken } from './errors.js';
import {
  compileToolPattern,
  isValidToolName,
  type PatternMatcher,
  PatternSyntaxError,
  parseToolPattern,
} from './pattern.js';
import type { PolicyProblem, RateLimitDimension, RateLimitJson } from './types.js';

export type { RateLimitDimension, RateLimitJson, RateLimitRule } from './types.js';

/** A compiled rate limit: the declaration plus its matchers. @internal */
export interface CompiledRateLimit extends RateLimitJson {
  readonly matchers: readonly PatternMatcher[];
}

const KEYS = new Set(['id', 'tools', 'per', 'limit', 'windowSeconds', 'description']);
const DIMENSIONS: readonly RateLimitDimension[] = ['subject', 'client', 'tool'];
const ID = /^[\x20-\x7e]{1,128}$/;
const MAX_WINDOW_SECONDS = 31 * 24 * 3600;
const MAX_LIMIT = 1_000_000_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileTools(
  tools: unknown,
  at: string,
  problems: PolicyProblem[],
): { sources: string[]; matchers: PatternMatcher[] } {
  const list = typeof tools === 'string' ? [tools] : Array.isArray(tools) ? tools : undefined;
  if (list === undefined || list.length === 0) {
    problems.push({
      pointer: `${at}/tools`,
      message: '"tools" is required: a pattern or a non-empty list of patterns',
    });
    return { sources: [], matchers: [] };
  }
  const sources: string[] = [];
  const matchers: PatternMatcher[] = [];
  list.forEach((source: unknown, i) => {
    const pointer = typeof tools === 'string' ? `${at}/tools` : `${at}/tools/${i}`;
    if (typeof source !== 'string') {
      problems.push({ pointer, message: 'a tool pattern must be a string' });
      return;
    }
    try {
      parseToolPattern(source);
      sources.push(source);
      matchers.push(compileToolPattern(source));
    } catch (error) {
      if (!(error instanceof PatternSyntaxError)) throw error;
      problems.push({
        pointer,
        message: `tool pattern ${JSON.stringify(source.slice(0, 200))} is refused: ${error.message}`,
      });
    }
  });
  return { sources, matchers };
}

function compilePer(per: unknown, at: string, problems: PolicyProblem[]): RateLimitDimension[] {
  const list = typeof per === 'string' ? [per] : Array.isArray(per) ? per : undefined;
  const ok =
    list !== undefined &&
    list.length > 0 &&
    list.every((d) => DIMENSIONS.includes(d as RateLimitDimension)) &&
    new Set(list).size === list.length;
  if (!ok) {
    problems.push({
      pointer: `${at}/per`,
      message: '"per" must be "subject", "client", "tool" or a list of them without repeats',
    });
    return [];
  }
  // One order, so ['tool', 'subject'] and ['subject', 'tool'] share counters.
  return DIMENSIONS.filter((d) => list.includes(d));
}

function positiveInteger(
  value: unknown,
  max: number,
  at: string,
  name: string,
  problems: PolicyProblem[],
): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max) {
    return value;
  }
  problems.push({
    pointer: `${at}/${name}`,
    message: `"${name}" must be an integer from 1 to ${max}`,
  });
  return 0;
}

/**
 * Validates one rate limit declaration; problems go to `problems` (JSON pointers under `at`).
 * @internal
 */
export function compileRateLimit(
  raw: unknown,
  index: number,
  at: string,
  problems: PolicyProblem[],
): CompiledRateLimit | undefined {
  const before = problems.length;
  if (!isPlainObject(raw)) {
    problems.push({ pointer: at, message: 'a rate limit must be an object' });
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (!KEYS.has(key))
      problems.push({
        pointer: `${at}/${pointerToken(key)}`,
        message: `unknown rate limit key "${key}" (expected id, tools, per, limit, windowSeconds, description)`,
      });
  let id = `rate-limit-${index + 1}`;
  if (raw['id'] !== undefined) {
    if (typeof raw['id'] === 'string' && ID.test(raw['id'])) id = raw['id'];
    else
      problems.push({
        pointer: `${at}/id`,
        message: 'id must be 1–128 printable ASCII characters',
      });
  }
  const { sources, matchers } = compileTools(raw['tools'], at, problems);
  const per = compilePer(raw['per'], at, problems);
  const limit = positiveInteger(raw['limit'], MAX_LIMIT, at, 'limit', problems);
  const windowSeconds = positiveInteger(
    raw['windowSeconds'],
    MAX_WINDOW_SECONDS,
    at,
    'windowSeconds',
    problems,
  );
  const description = raw['description'];
  if (description !== undefined && typeof description !== 'string')
    problems.push({ pointer: `${at}/description`, message: 'description must be a string' });
  if (problems.length > before) return undefined;
  return Object.freeze({
    id,
    tools: Object.freeze(sources),
    per: Object.freeze(per),
    limit,
    windowSeconds,
    ...(typeof description === 'string' ? { description } : {}),
    matchers: Object.freeze(matchers),
  });
}

/** The rate limits of one policy, in declaration order. @internal */
export class RateLimitSet {
  readonly #limits: CompiledRateLimit[] = [];
  readonly #ids = new Set<string>();
  // Tool name → the limits matching it (bounded: made-up names cannot grow it for long).
  #cache = new Map<string, readonly CompiledRateLimit[]>();

  get size(): number {
    return this.#limits.length;
  }

  /** Validates and adds `raw`; throws {@link PolicyValidationError} and adds nothing if bad. */
  add(raw: unknown, pointer = ''): string {
    const problems: PolicyProblem[] = [];
    const compiled = compileRateLimit(raw, this.#limits.length, pointer, problems);
    if (compiled && this.#ids.has(compiled.id))
      problems.push({
        pointer: `${pointer}/id`,
        message: `duplicate rate limit id "${compiled.id}"`,
      });
    if (!compiled || problems.length > 0)
      throw new PolicyValidationError(problems, 'Invalid rate limit');
    this.#install(compiled);
    return compiled.id;
  }

  /** Installs limits already validated together (a JSON document). */
  install(limits: readonly CompiledRateLimit[]): void {
    for (const limit of limits) this.#install(limit);
  }

  #install(limit: CompiledRateLimit): void {
    this.#limits.push(limit);
    this.#ids.add(limit.id);
    this.#cache = new Map();
  }

  /** The limits that apply to `tool` (none for an invalid name, which the policy refuses). */
  for(tool: string): readonly CompiledRateLimit[] {
    if (this.#limits.length === 0 || !isValidToolName(tool)) return [];
    const cached = this.#cache.get(tool);
    if (cached !== undefined) return cached;
    const found = this.#limits.filter((l) => l.matchers.some((m) => m.test(tool)));
    if (this.#cache.size >= 10_000) this.#cache = new Map();
    this.#cache.set(tool, found);
    return found;
  }

  /** The declarations, normalized (fresh copies). */
  toJSON(): RateLimitJson[] {
    return this.#limits.map((l) => ({
      id: l.id,
      tools: [...l.tools],
      per: [...l.per],
      limit: l.limit,
      windowSeconds: l.windowSeconds,
      ...(l.description !== undefined ? { description: l.description } : {}),
    }));
  }
}

/** The JSON Schema of one rate limit in a policy document. */
export const rateLimitJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tools', 'per', 'limit', 'windowSeconds'],
  properties: {
    id: { type: 'string', pattern: '^[\\x20-\\x7e]{1,128}$' },
    description: { type: 'string' },
    tools: {
      oneOf: [
        { $ref: '#/$defs/pattern' },
        { type: 'array', minItems: 1, items: { $ref: '#/$defs/pattern' } },
      ],
    },
    per: {
      oneOf: [
        { enum: ['subject', 'client', 'tool'] },
        {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: ['subject', 'client', 'tool'] },
        },
      ],
    },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    windowSeconds: { type: 'integer', minimum: 1, maximum: MAX_WINDOW_SECONDS },
  },
} as const;
