/**
 * A small automaton view of policy tool patterns, for static analysis only (the engine does
 * the matching). Patterns are read in the engine's documented language (a safe subset of
 * regular expressions, matched whole) over the 65 characters a tool name may contain, and
 * compiled to a Glushkov NFA. Questions answered exactly, within the 1–128 length limit of
 * tool names: does a pattern match any name, does one set of patterns cover another, does a
 * pattern match every name.
 */

/** The characters a tool name may contain (`[A-Za-z0-9_.-]`). */
export const NAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';
const SIZE = NAME_ALPHABET.length;
/** Longest tool name. */
export const MAX_NAME = 128;
const MAX_POSITIONS = 4096;
const MAX_PAIRS = 50_000;

type CharSet = Uint8Array;
type Node =
  | { readonly t: 'char'; readonly set: CharSet }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

/** The pattern uses syntax this analyzer does not model. */
export class UnsupportedPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPatternError';
  }
}

const setOf = (pred: (c: string) => boolean): CharSet => {
  const s = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) if (pred(NAME_ALPHABET[i] as string)) s[i] = 1;
  return s;
};
const ANY = setOf(() => true);
const DIGIT = setOf((c) => c >= '0' && c <= '9');
const WORD = setOf((c) => /\w/.test(c));
const not = (s: CharSet): CharSet => s.map((v) => 1 - v);
const single = (ch: string): CharSet => setOf((c) => c === ch);

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    if (this.src.startsWith('^')) this.i = 1;
    const node = this.alt();
    if (this.i < this.src.length)
      throw new UnsupportedPatternError(`unexpected "${this.src[this.i]}"`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alt(): Node {
    const alts = [this.seq()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.seq());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  }

  private seq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '$' && this.i === this.src.length - 1) {
        this.i++;
        break;
      }
      items.push(this.quantified(this.atom()));
    }
    return { t: 'seq', items };
  }

  private quantified(node: Node): Node {
    let out = node;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (m === null) throw new UnsupportedPatternError('bad {n,m}');
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
        this.i += m[0].length - 1;
      } else return out;
      this.i++;
      if (this.peek() === '?') this.i++; // lazy: same language
      out = {
        t: 'rep',
        node: out,
        min: Math.min(min, MAX_NAME + 1),
        max: Math.min(max, Number.POSITIVE_INFINITY),
      };
    }
  }

  private escape(inClass: boolean): CharSet {
    const c = this.src[this.i++];
    if (c === undefined) throw new UnsupportedPatternError('dangling \\');
    if (c === 'd') return DIGIT;
    if (c === 'D') return not(DIGIT);
    if (c === 'w') return WORD;
    if (c === 'W') return not(WORD);
    if (inClass && c === 'b') return new Uint8Array(SIZE); // backspace: never in a name
    if (/[A-Za-z0-9]/.test(c)) throw new UnsupportedPatternError(`escape \\${c}`);
    return single(c);
  }

  private atom(): Node {
    const c = this.src[this.i++];
    if (c === '(') {
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.peek() === '?') throw new UnsupportedPatternError('lookaround or named group');
      const inner = this.alt();
      if (this.src[this.i++] !== ')') throw new UnsupportedPatternError('unclosed group');
      return inner;
    }
    if (c === '.') return { t: 'char', set: ANY };
    if (c === '\\') return { t: 'char', set: this.escape(false) };
    if (c === '[') return { t: 'char', set: this.charClass() };
    if (c === undefined || '*+?{'.includes(c))
      throw new UnsupportedPatternError('quantifier without operand');
    return { t: 'char', set: single(c) };
  }

  private charClass(): CharSet {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const set = new Uint8Array(SIZE);
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) throw new UnsupportedPatternError('unclosed [');
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      this.i++;
      let lo: string | undefined;
      if (c === '\\') {
        const e = this.escape(true);
        const count = e.reduce((a, b) => a + b, 0);
        if (count !== 1) {
          for (let k = 0; k < SIZE; k++) if (e[k]) set[k] = 1;
          continue;
        }
        lo = NAME_ALPHABET[e.indexOf(1)];
      } else lo = c;
      if (
        this.peek() === '-' &&
        this.src[this.i + 1] !== undefined &&
        this.src[this.i + 1] !== ']'
      ) {
        this.i++;
        let hi = this.src[this.i++] as string;
        if (hi === '\\') hi = this.src[this.i++] ?? '';
        const a = (lo ?? '').charCodeAt(0);
        const b = hi.charCodeAt(0);
        for (let k = 0; k < SIZE; k++) {
          const code = NAME_ALPHABET.charCodeAt(k);
          if (code >= a && code <= b) set[k] = 1;
        }
      } else if (lo !== undefined) {
        const k = NAME_ALPHABET.indexOf(lo);
        if (k >= 0) set[k] = 1;
      }
    }
    return negated ? not(set) : set;
  }
}

/** A compiled pattern (or union of patterns): a Glushkov NFA over the name alphabet. */
export interface PatternAutomaton {
  readonly sets: readonly CharSet[];
  readonly follow: readonly (readonly number[])[];
  readonly first: readonly number[];
  readonly last: ReadonlySet<number>;
  readonly nullable: boolean;
}

interface Fragment {
  nullable: boolean;
  first: number[];
  last: number[];
}

/** Compiles one or more patterns (their union) to an automaton. */
export function compilePatterns(patterns: readonly string[]): PatternAutomaton {
  const sets: CharSet[] = [];
  const follow: number[][] = [];
  const link = (from: readonly number[], to: readonly number[]) => {
    for (const f of from) (follow[f] as number[]).push(...to);
  };
  const build = (node: Node): Fragment => {
    switch (node.t) {
      case 'char': {
        if (sets.length >= MAX_POSITIONS) throw new UnsupportedPatternError('too large to analyze');
        sets.push(node.set);
        follow.push([]);
        const p = sets.length - 1;
        return { nullable: false, first: [p], last: [p] };
      }
      case 'seq': {
        let acc: Fragment = { nullable: true, first: [], last: [] };
        for (const item of node.items) {
          const f = build(item);
          link(acc.last, f.first);
          acc = {
            nullable: acc.nullable && f.nullable,
            first: acc.nullable ? [...acc.first, ...f.first] : acc.first,
            last: f.nullable ? [...acc.last, ...f.last] : f.last,
          };
        }
        return acc;
      }
      case 'alt': {
        const fs = node.alts.map(build);
        return {
          nullable: fs.some((f) => f.nullable),
          first: fs.flatMap((f) => f.first),
          last: fs.flatMap((f) => f.last),
        };
      }
      case 'rep': {
        const parts: Node[] = [];
        for (let k = 0; k < node.min; k++) parts.push(node.node);
        if (node.max === Number.POSITIVE_INFINITY) {
          const star = build(node.node);
          link(star.last, star.first);
          const head = build({ t: 'seq', items: parts });
          link(head.last, star.first);
          return {
            nullable: head.nullable,
            first: head.nullable ? [...head.first, ...star.first] : head.first,
            last: [...head.last, ...star.last],
          };
        }
        // {min,max}: min copies, then (max - min) nested optional copies.
        let optional: Node = { t: 'seq', items: [] };
        for (let k = node.min; k < Math.min(node.max, MAX_NAME + 1); k++) {
          optional = {
            t: 'alt',
            alts: [
              { t: 'seq', items: [] },
              { t: 'seq', items: [node.node, optional] },
            ],
          };
        }
        return build({ t: 'seq', items: [...parts, optional] });
      }
    }
  };
  const roots = patterns.map((p) => new Parser(p).parse());
  const f = build(roots.length === 1 ? (roots[0] as Node) : { t: 'alt', alts: roots });
  return {
    sets,
    follow: follow.map((l) => [...new Set(l)].sort((a, b) => a - b)),
    first: [...new Set(f.first)].sort((a, b) => a - b),
    last: new Set(f.last),
    nullable: f.nullable,
  };
}

// A state is a sorted list of positions; -1 stands for "nothing read yet".
type State = readonly number[];
const START: State = [-1];

function step(a: PatternAutomaton, state: State, ch: number): State {
  const out = new Set<number>();
  for (const s of state) {
    const next = s === -1 ? a.first : (a.follow[s] as readonly number[]);
    for (const p of next) if ((a.sets[p] as CharSet)[ch]) out.add(p);
  }
  return [...out].sort((x, y) => x - y);
}

function accepts(a: PatternAutomaton, state: State): boolean {
  for (const s of state) {
    if (s === -1 ? a.nullable : a.last.has(s)) return true;
  }
  return false;
}

/** Characters grouped by how every position of the automata treats them. */
function charClasses(automata: readonly PatternAutomaton[]): number[] {
  const seen = new Map<string, number>();
  for (let c = 0; c < SIZE; c++) {
    const sig = automata.map((a) => a.sets.map((s) => s[c]).join('')).join('|');
    if (!seen.has(sig)) seen.set(sig, c);
  }
  return [...seen.values()];
}

/**
 * A shortest tool name (1–128 characters) that `a` matches and `b` does not, `null` when
 * there is none, or `undefined` when the search was too large to finish.
 */
export function findDifference(
  a: PatternAutomaton,
  b: PatternAutomaton | undefined,
): string | null | undefined {
  const classes = charClasses(b === undefined ? [a] : [a, b]);
  const key = (x: State, y: State) => `${x.join(',')}/${y.join(',')}`;
  let frontier: { x: State; y: State; word: string }[] = [{ x: START, y: START, word: '' }];
  const visited = new Set<string>([key(START, START)]);
  for (let depth = 1; depth <= MAX_NAME && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const { x, y, word } of frontier) {
      for (const c of classes) {
        const nx = step(a, x, c);
        if (nx.length === 0) continue;
        const ny = b === undefined ? [] : step(b, y, c);
        const w = word + NAME_ALPHABET[c];
        if (accepts(a, nx) && (b === undefined || !accepts(b, ny))) return w;
        const k = key(nx, ny);
        if (visited.has(k)) continue;
        visited.add(k);
        if (visited.size > MAX_PAIRS) return undefined;
        next.push({ x: nx, y: ny, word: w });
      }
    }
    frontier = next;
  }
  return null;
}

/** Every tool name: `[A-Za-z0-9_.-]{1,128}`. */
const ALL_NAMES = compilePatterns(['.+']);

/** A tool name the pattern matches, `null` if it matches none, `undefined` if unknown. */
export function exampleMatch(a: PatternAutomaton): string | null | undefined {
  return findDifference(a, undefined);
}

/** Whether every name `a` matches is also matched by `b` (`undefined`: unknown). */
export function isCoveredBy(a: PatternAutomaton, b: PatternAutomaton): boolean | undefined {
  const d = findDifference(a, b);
  return d === undefined ? undefined : d === null;
}

/** Whether `a` matches every valid tool name (`undefined`: unknown). */
export function matchesEveryName(a: PatternAutomaton): boolean | undefined {
  return isCoveredBy(ALL_NAMES, a);
}

/** Whether the automaton matches `name` whole (for tests and tools; the engine does matching). */
export function matchesName(a: PatternAutomaton, name: string): boolean {
  let state: State = START;
  for (const ch of name) {
    const c = NAME_ALPHABET.indexOf(ch);
    if (c < 0) return false;
    state = step(a, state, c);
    if (state.length === 0) return false;
  }
  return accepts(a, state);
}
