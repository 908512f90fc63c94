import type { PolicyProblem } from './types.js';

/**
 * A policy (rule added in code, or a JSON document) is invalid. It is a `TypeError` — a
 * configuration mistake, raised when the rule is added or the document loaded, never per
 * request — and lists every problem with a JSON pointer to where it is.
 */
export class PolicyValidationError extends TypeError {
  /** Stable code. */
  readonly code = 'ERR_POLICY_INVALID' as const;
  /** Every problem found, in document order. */
  readonly problems: readonly PolicyProblem[];

  constructor(problems: readonly PolicyProblem[], context = 'Invalid policy') {
    const lines = problems.map((p) => `  ${p.pointer || '(document)'}: ${p.message}`);
    super(
      `${context} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'PolicyValidationError';
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}

/** RFC 6901 escaping of one reference token. */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}
