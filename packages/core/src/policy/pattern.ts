/**
 * Tool-name patterns: a small, safe subset of JavaScript regular expressions, parsed here and
 * matched by a position automaton (Glushkov NFA simulated with bit sets) — never by a
 * backtracking engine — so matching time is O(name length × pattern size) for every accepted
 * pattern, whatever the name.
 *
 * The accepted language is documented on {@link ToolPattern}.
 */

/** Longest tool name accepted (MCP names are short; longer ones are denied unmatched). */
export const MAX_TOOL_NAME_LENGTH = 128;
/** Longest pattern source accepted. */
export const MAX_PATTERN_LENGTH = 1024;
/** Most automaton positions a pattern may expand to (after `{n,m}` expansion). */
export const MAX_PATTERN_POSITIONS = 1024;

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** True when `name` is a tool name the policy engine will consider: `[A-Za-z0-9_.-]{1,128}`. */
export function isValidToolName(name: unknown): name is string {
  return typeof name === 'string' && TOOL_NAME.test(name);
}

// The 65 characters a tool name may contain, indexed 0..64 by char code.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';
const ALPHA_SIZE = ALPHABET.length;
const ALPHA_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHA_SIZE; i++) ALPHA_INDEX[ALPHABET.charCodeAt(i)] = i;

/** Characters that must be escaped to be literal. */
const META = '\\^$.|?*+()[]{}/';

/** A set of name characters, as a 65-entry membership table. */
type CharSet = Uint8Array;

type Node =
  | { readonly t: 'char'; readonly set: CharSet; readonly literal: string | undefined }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

/** Why a pattern was refused; `offset` is the 0-based position in the source. */
export class PatternSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'PatternSyntaxError';
    this.offset = offset;
  }
}

function charSetOf(predicate: (ch: string) => boolean): CharSet {
  const set = new Uint8Array(ALPHA_SIZE);
  for (let i = 0; i < ALPHA_SIZE; i++) if (predicate(ALPHABET[i]!)) set[i] = 1;
  return set;
}
const DIGIT = charSetOf((c) => c >= '0' && c <= '9');
const WORD = charSetOf((c) => /\w/.test(c));
const ANY = charSetOf(() => true);
const negate = (set: CharSet): CharSet => set.map((v) => 1 - v);
const NOT_DIGIT = negate(DIGIT);
const NOT_WORD = negate(WORD);

const LITERALS = new Map<string, Node>();
function literalNode(ch: string): Node {
  let node = LITERALS.get(ch);
  if (node === undefined) {
    const set = new Uint8Array(ALPHA_SIZE);
    const index = ALPHA_INDEX[ch.charCodeAt(0)] ?? -1;
    if (index >= 0) set[index] = 1;
    node = { t: 'char', set, literal: ch };
    LITERALS.set(ch, node);
  }
  return node;
}

const PLAIN_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** The parsed form of one pattern. */
export interface ParsedPattern {
  /** The pattern as written. */
  readonly source: string;
  /** The tool name, when the pattern matches exactly one name (no metacharacter in effect). */
  readonly exact: string | undefined;
  /**
   * Literal prefixes: every matching name starts with one of them. `''` is among them when
   * nothing useful is known.
   */
  readonly prefixes: readonly string[];
  /** True when `prefixes` is exactly the (finite) set of strings the pattern matches. */
  readonly complete: boolean;
  /** Literal suffixes: every matching name ends with one of them (`''` among them if unknown). */
  readonly suffixes: readonly string[];
  /** A literal every matching name contains (`''` when none is known): a cheap pre-filter. */
  readonly required: string;
}

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    throw new PatternSyntaxError(`${message} (at offset ${at})`, at);
  }

  parse(): Node {
    const node = this.alternation(0);
    if (this.pos < this.src.length) {
      if (this.src[this.pos] === ')') this.fail('unbalanced ")"');
      this.fail(`unexpected "${this.src[this.pos]}"`);
    }
    return node;
  }

  alternation(depth: number): Node {
    const alts: Node[] = [this.sequence(depth)];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.sequence(depth));
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  sequence(depth: number): Node {
    const items: Node[] = [];
    const src = this.src;
    while (this.pos < src.length) {
      const ch = src[this.pos]!;
      if (ch === '|' || ch === ')') break;
      if (ch === '^') {
        if (this.pos !== 0) this.fail('"^" is only allowed at the very start of a pattern');
        this.pos++;
        continue;
      }
      if (ch === '$') {
        if (this.pos !== src.length - 1)
          this.fail('"$" is only allowed at the very end of a pattern');
        this.pos++;
        continue;
      }
      const start = this.pos;
      const atom = this.atom(depth);
      items.push(this.quantified(atom, start));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  atom(depth: number): Node {
    const src = this.src;
    const ch = src[this.pos]!;
    if (ch === '(') return this.group(depth);
    if (ch === '[') return this.charClass();
    if (ch === '.') {
      this.pos++;
      return { t: 'char', set: ANY, literal: undefined };
    }
    if (ch === '\\') return this.escape();
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{')
      this.fail(`quantifier "${ch}" has nothing to repeat`);
    if (ch === ']' || ch === '}') this.fail(`unescaped "${ch}"`);
    if (ALPHA_INDEX[ch.charCodeAt(0)] === undefined || ALPHA_INDEX[ch.charCodeAt(0)]! < 0)
      this.fail(
        `character "${printable(ch)}" can never occur in a tool name ([A-Za-z0-9_.-]); remove it`,
      );
    this.pos++;
    return literalNode(ch);
  }

  group(depth: number): Node {
    const src = this.src;
    const open = this.pos;
    this.pos++;
    if (src[this.pos] === '?') {
      const next = src[this.pos + 1];
      const after = src[this.pos + 2];
      if (next === ':') {
        this.pos += 2;
      } else if (next === '=' || next === '!') {
        this.fail('lookahead "(?=…)" / "(?!…)" is not supported (lookaround is refused)', open);
      } else if (next === '<' && (after === '=' || after === '!')) {
        this.fail('lookbehind "(?<=…)" / "(?<!…)" is not supported (lookaround is refused)', open);
      } else if (next === '<') {
        this.fail('named groups are not supported; use "(?:…)"', open);
      } else {
        this.fail('inline flags and other "(?…)" groups are not supported', open);
      }
    }
    if (depth >= 16) this.fail('groups are nested too deeply (max 16)', open);
    const inner = this.alternation(depth + 1);
    if (src[this.pos] !== ')') this.fail('unterminated group: missing ")"', open);
    this.pos++;
    return inner;
  }

  escape(): Node {
    const src = this.src;
    const at = this.pos;
    const next = src[this.pos + 1];
    if (next === undefined) this.fail('pattern ends with a lone "\\"', at);
    this.pos += 2;
    if (next === 'd') return { t: 'char', set: DIGIT, literal: undefined };
    if (next === 'D') return { t: 'char', set: NOT_DIGIT, literal: undefined };
    if (next === 'w') return { t: 'char', set: WORD, literal: undefined };
    if (next === 'W') return { t: 'char', set: NOT_WORD, literal: undefined };
    if (next >= '1' && next <= '9')
      this.fail('backreferences ("\\1") are refused: they can backtrack catastrophically', at);
    if (next === 'k') this.fail('named backreferences ("\\k<…>") are refused', at);
    if (next === 'b' || next === 'B')
      this.fail('word-boundary assertions ("\\b", "\\B") are not supported', at);
    if (next === '-' || next === '_') return literalNode(next);
    if (META.includes(next)) return literalNode(next);
    this.fail(`escape "\\${printable(next)}" is not supported`, at);
  }

  charClass(): Node {
    const src = this.src;
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const set = new Uint8Array(ALPHA_SIZE);
    let count = 0;
    while (this.pos < src.length && src[this.pos] !== ']') {
      const from = this.classChar(set);
      count++;
      if (from === undefined) continue; // a \d / \w shorthand was added
      if (src[this.pos] === '-' && src[this.pos + 1] !== ']' && this.pos + 1 < src.length) {
        this.pos++;
        const to = this.classChar(set);
        if (to === undefined) this.fail('a range cannot end with a shorthand class', this.pos - 2);
        if (to < from) this.fail(`range "${from}-${to}" is out of order`, this.pos - 1);
        for (let code = from.charCodeAt(0); code <= to.charCodeAt(0); code++) {
          const index = code < 128 ? ALPHA_INDEX[code]! : -1;
          if (index >= 0) set[index] = 1;
        }
      } else {
        const index = ALPHA_INDEX[from.charCodeAt(0)] ?? -1;
        if (index >= 0) set[index] = 1;
      }
    }
    if (src[this.pos] !== ']') this.fail('unterminated character class: missing "]"', open);
    if (count === 0) this.fail('empty character class "[]"', open);
    this.pos++;
    const final = negated ? negate(set) : set;
    let members = 0;
    let only = -1;
    for (let i = 0; i < ALPHA_SIZE; i++)
      if (final[i]) {
        members++;
        only = i;
      }
    return { t: 'char', set: final, literal: members === 1 ? ALPHABET[only] : undefined };
  }

  /** Reads one class member; adds shorthands to `set` directly and returns undefined for them. */
  classChar(set: CharSet): string | undefined {
    const src = this.src;
    const ch = src[this.pos]!;
    if (ch === '\\') {
      const next = src[this.pos + 1];
      if (next === undefined) this.fail('pattern ends with a lone "\\"');
      this.pos += 2;
      const shorthand =
        next === 'd'
          ? DIGIT
          : next === 'D'
            ? NOT_DIGIT
            : next === 'w'
              ? WORD
              : next === 'W'
                ? NOT_WORD
                : undefined;
      if (shorthand) {
        for (let i = 0; i < ALPHA_SIZE; i++) if (shorthand[i]) set[i] = 1;
        return undefined;
      }
      if (next >= '1' && next <= '9') this.fail('backreferences are refused', this.pos - 2);
      if (META.includes(next) || next === '-' || next === '_') return next;
      this.fail(`escape "\\${printable(next)}" is not supported in a class`, this.pos - 2);
    }
    if (ch === '[') this.fail('"[" inside a class must be escaped');
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) this.fail(`character "${printable(ch)}" is not allowed`);
    this.pos++;
    return ch;
  }

  quantified(atom: Node, start: number): Node {
    const src = this.src;
    const ch = src[this.pos];
    let min: number;
    let max: number;
    if (ch === '*') {
      min = 0;
      max = Number.POSITIVE_INFINITY;
      this.pos++;
    } else if (ch === '+') {
      min = 1;
      max = Number.POSITIVE_INFINITY;
      this.pos++;
    } else if (ch === '?') {
      min = 0;
      max = 1;
      this.pos++;
    } else if (ch === '{') {
      const match = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(src.slice(this.pos));
      if (!match) this.fail('malformed "{n,m}" quantifier (bounds are at most 3 digits)');
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] ? Number(match[3]) : Number.POSITIVE_INFINITY;
      if (max < min) this.fail(`quantifier {${min},${max}} is out of order`);
      if (min > MAX_TOOL_NAME_LENGTH || (Number.isFinite(max) && max > MAX_TOOL_NAME_LENGTH))
        this.fail(`quantifier bounds above ${MAX_TOOL_NAME_LENGTH} can never be needed`);
      this.pos += match[0].length;
    } else {
      return atom;
    }
    if (src[this.pos] === '?') this.pos++; // lazy: same language
    const next = src[this.pos];
    if (next === '*' || next === '+' || next === '?' || next === '{')
      this.fail('a quantifier cannot follow another quantifier (nested quantifier)', this.pos);
    if (max > 1 && atom.t !== 'char') {
      // (a+)+, (a|a)*, (ab?)*: the shapes that backtrack catastrophically in regex engines.
      if (containsQuantifier(atom))
        this.fail(
          `nested quantifier: "${src.slice(start, this.pos)}" repeats a group that itself contains a quantifier; this can backtrack catastrophically`,
          start,
        );
      if (containsAlternation(atom))
        this.fail(
          `"${src.slice(start, this.pos)}" repeats a group that contains "|"; alternation under repetition can backtrack catastrophically`,
          start,
        );
    }
    if (min === 1 && max === 1) return atom;
    return { t: 'rep', node: atom, min, max };
  }
}

function containsQuantifier(node: Node): boolean {
  switch (node.t) {
    case 'char':
      return false;
    case 'rep':
      return true;
    case 'seq':
      return node.items.some(containsQuantifier);
    case 'alt':
      return node.alts.some(containsQuantifier);
  }
}

function containsAlternation(node: Node): boolean {
  switch (node.t) {
    case 'char':
      return false;
    case 'rep':
      return containsAlternation(node.node);
    case 'seq':
      return node.items.some(containsAlternation);
    case 'alt':
      return true;
  }
}

function printable(ch: string): string {
  const code = ch.charCodeAt(0);
  return code >= 0x20 && code <= 0x7e ? ch : `\\u${code.toString(16).padStart(4, '0').slice(0, 4)}`;
}

/** `{strings, complete}`: every match starts with one of `strings`; `complete` = equals one. */
interface PrefixInfo {
  strings: string[];
  complete: boolean;
}
const MAX_PREFIXES = 16;

function prefixesOf(node: Node, reverse = false): PrefixInfo {
  switch (node.t) {
    case 'char':
      return node.literal === undefined
        ? { strings: [''], complete: false }
        : { strings: [node.literal], complete: true };
    case 'rep': {
      if (node.min === 0) return { strings: [''], complete: false };
      const inner = prefixesOf(node.node, reverse);
      return { strings: inner.strings, complete: false };
    }
    case 'alt': {
      const strings = new Set<string>();
      let complete = true;
      for (const alt of node.alts) {
        const p = prefixesOf(alt, reverse);
        for (const s of p.strings) strings.add(s);
        complete &&= p.complete;
      }
      if (strings.size > MAX_PREFIXES) return { strings: [''], complete: false };
      return { strings: [...strings], complete };
    }
    case 'seq': {
      let acc: string[] = [''];
      const items = node.items;
      for (let n = 0; n < items.length; n++) {
        const item = items[reverse ? items.length - 1 - n : n]!;
        const p = prefixesOf(item, reverse);
        if (acc.length * p.strings.length > MAX_PREFIXES) return { strings: acc, complete: false };
        const next: string[] = [];
        for (const a of acc) for (const b of p.strings) next.push(reverse ? b + a : a + b);
        acc = [...new Set(next)];
        if (!p.complete) return { strings: acc, complete: false };
      }
      return { strings: acc, complete: true };
    }
  }
}

/** Automaton positions after expanding counted repetitions (what `compileToolPattern` builds). */
function countPositions(node: Node): number {
  switch (node.t) {
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((n, item) => n + countPositions(item), 0);
    case 'alt':
      return node.alts.reduce((n, alt) => n + countPositions(alt), 0);
    case 'rep':
      return (
        countPositions(node.node) *
        (Number.isFinite(node.max) ? Math.max(node.max, 1) : node.min + 1)
      );
  }
}

/** The longest run of literal characters in the top-level sequence (every match contains it). */
function requiredLiteral(root: Node): string {
  const items = root.t === 'seq' ? root.items : [root];
  let best = '';
  let run = '';
  for (const item of items) {
    if (item.t === 'char' && item.literal !== undefined) {
      run += item.literal;
      if (run.length > best.length) best = run;
    } else run = '';
  }
  return best;
}

/** The checks on a pattern's source that come before parsing it. */
function checkSource(source: string): void {
  if (typeof source !== 'string') throw new PatternSyntaxError('a pattern must be a string', 0);
  if (source.length === 0) throw new PatternSyntaxError('the pattern is empty', 0);
  if (source.length > MAX_PATTERN_LENGTH)
    throw new PatternSyntaxError(`the pattern is longer than ${MAX_PATTERN_LENGTH} characters`, 0);
}

/** Parses a pattern that has metacharacters and refuses one that expands too far. */
function parseChecked(source: string): Node {
  const root = new Parser(source).parse();
  const positions = countPositions(root);
  if (positions > MAX_PATTERN_POSITIONS)
    throw new PatternSyntaxError(
      `the pattern expands to ${positions} positions (max ${MAX_PATTERN_POSITIONS}); use fewer or smaller {n,m} repetitions`,
      0,
    );
  return root;
}

/** The tree of a pattern without metacharacters: a sequence of literals. */
const plainTree = (source: string): Node => ({ t: 'seq', items: Array.from(source, literalNode) });

/**
 * Parses and checks a pattern. Throws {@link PatternSyntaxError} saying what is wrong.
 *
 * @see ToolPattern for the accepted language.
 */
export function parseToolPattern(source: string): ParsedPattern {
  checkSource(source);
  if (PLAIN_NAME.test(source)) {
    // Fast path: no metacharacter at all, an exact name.
    const only = [source];
    return {
      source,
      exact: source,
      prefixes: only,
      complete: true,
      suffixes: only,
      required: source,
    };
  }
  const root = parseChecked(source);
  const info = prefixesOf(root);
  const exact =
    info.complete && info.strings.length === 1 && isValidToolName(info.strings[0])
      ? info.strings[0]
      : undefined;
  // A "complete" set of several names, e.g. `(get|list)_user`, is indexed by those names.
  return {
    source,
    exact,
    prefixes: info.strings,
    complete: info.complete,
    suffixes: info.complete ? info.strings : prefixesOf(root, true).strings,
    required: requiredLiteral(root),
  };
}

/** A compiled matcher: `test(name)` for a name already known to be a valid tool name. */
export interface PatternMatcher {
  test(name: string): boolean;
}

interface Fragment {
  nullable: boolean;
  first: number[];
  last: number[];
}

/**
 * Compiles a parsed pattern into a position automaton (Glushkov). Matching a name of length n
 * costs O(n × positions / 32) word operations; no backtracking.
 */
export function compileToolPattern(source: string): PatternMatcher {
  const tree = PLAIN_NAME.test(source) ? plainTree(source) : new Parser(source).parse();
  return compileAffix(tree) ?? compileAutomaton(tree);
}

const isAnyStar = (node: Node | undefined): boolean =>
  node !== undefined &&
  node.t === 'rep' &&
  node.min === 0 &&
  node.max === Number.POSITIVE_INFINITY &&
  node.node.t === 'char' &&
  node.node.set === ANY;

/**
 * Fast path for the most common shapes: a finite set of literal prefixes then `.*`
 * (`read_.*`, `(get|list)_.*`), or `.*` then a finite set of literal suffixes (`.*_admin`).
 */
function compileAffix(tree: Node): PatternMatcher | undefined {
  if (tree.t !== 'seq' || tree.items.length < 2) return undefined;
  const items = tree.items;
  const headStar = isAnyStar(items[0]);
  const tailStar = isAnyStar(items[items.length - 1]);
  if (headStar === tailStar) return undefined;
  const rest = headStar ? items.slice(1) : items.slice(0, -1);
  if (rest.some((item) => isAnyStar(item))) return undefined;
  const info = prefixesOf(rest.length === 1 ? rest[0]! : { t: 'seq', items: rest });
  if (!info.complete) return undefined;
  const affixes = info.strings;
  if (affixes.length === 1) {
    const affix = affixes[0]!;
    return headStar
      ? { test: (name) => name.endsWith(affix) }
      : { test: (name) => name.startsWith(affix) };
  }
  return headStar
    ? { test: (name) => affixes.some((a) => name.endsWith(a)) }
    : { test: (name) => affixes.some((a) => name.startsWith(a)) };
}

/** The Glushkov construction: positions with their character sets, follow lists, first/last. */
interface Glushkov {
  readonly sets: CharSet[];
  readonly follow: number[][];
  readonly root: Fragment;
}

/** Builds the position automaton of a tree, refusing more than `maxPositions` positions. */
function glushkov(tree: Node, maxPositions: number): Glushkov {
  const sets: CharSet[] = [];
  const follow: number[][] = [];
  const add = (set: CharSet): number => {
    if (sets.length >= maxPositions)
      throw new PatternSyntaxError(
        `the pattern expands to more than ${maxPositions} positions; use fewer or smaller {n,m} repetitions`,
        0,
      );
    sets.push(set);
    follow.push([]);
    return sets.length - 1;
  };
  const link = (from: readonly number[], to: readonly number[]) => {
    for (const f of from) follow[f]!.push(...to);
  };
  const concat = (a: Fragment, b: Fragment): Fragment => {
    link(a.last, b.first);
    return {
      nullable: a.nullable && b.nullable,
      first: a.nullable ? [...a.first, ...b.first] : a.first,
      last: b.nullable ? [...a.last, ...b.last] : b.last,
    };
  };
  const build = (node: Node): Fragment => {
    switch (node.t) {
      case 'char': {
        const p = add(node.set);
        return { nullable: false, first: [p], last: [p] };
      }
      case 'seq': {
        let acc: Fragment = { nullable: true, first: [], last: [] };
        for (const item of node.items) acc = concat(acc, build(item));
        return acc;
      }
      case 'alt': {
        const parts = node.alts.map(build);
        return {
          nullable: parts.some((p) => p.nullable),
          first: parts.flatMap((p) => p.first),
          last: parts.flatMap((p) => p.last),
        };
      }
      case 'rep': {
        let acc: Fragment = { nullable: true, first: [], last: [] };
        for (let i = 0; i < node.min; i++) acc = concat(acc, build(node.node));
        if (node.max === Number.POSITIVE_INFINITY) {
          const loop = build(node.node);
          link(loop.last, loop.first);
          acc = concat(acc, { nullable: true, first: loop.first, last: loop.last });
        } else {
          for (let i = node.min; i < node.max; i++) {
            const opt = build(node.node);
            acc = concat(acc, { nullable: true, first: opt.first, last: opt.last });
          }
        }
        return acc;
      }
    }
  };
  return { sets, follow, root: build(tree) };
}

function compileAutomaton(tree: Node): PatternMatcher {
  const { sets, follow, root } = glushkov(tree, MAX_PATTERN_POSITIONS);
  const positions = sets.length;
  const words = Math.max(1, Math.ceil(positions / 32));
  const toBits = (list: readonly number[], out: Int32Array, offset: number) => {
    for (const p of list) out[offset + (p >>> 5)]! |= 1 << (p & 31);
  };
  const followBits = new Int32Array(positions * words);
  for (let p = 0; p < positions; p++) toBits(follow[p]!, followBits, p * words);
  const maskBits = new Int32Array(ALPHA_SIZE * words);
  for (let p = 0; p < positions; p++) {
    const set = sets[p]!;
    for (let a = 0; a < ALPHA_SIZE; a++)
      if (set[a]) maskBits[a * words + (p >>> 5)]! |= 1 << (p & 31);
  }
  const firstBits = new Int32Array(words);
  toBits(root.first, firstBits, 0);
  const lastBits = new Int32Array(words);
  toBits(root.last, lastBits, 0);
  const nullable = root.nullable;

  if (words === 1) {
    const first = firstBits[0]!;
    const last = lastBits[0]!;
    return {
      test(name: string): boolean {
        const n = name.length;
        if (n === 0) return nullable;
        let cur = first & maskBits[ALPHA_INDEX[name.charCodeAt(0)]!]!;
        for (let i = 1; i < n && cur !== 0; i++) {
          let next = 0;
          let bits = cur;
          while (bits !== 0) {
            const low = bits & -bits;
            next |= followBits[31 - Math.clz32(low)]!;
            bits ^= low;
          }
          cur = next & maskBits[ALPHA_INDEX[name.charCodeAt(i)]!]!;
        }
        return (cur & last) !== 0;
      },
    };
  }

  return {
    test(name: string): boolean {
      const n = name.length;
      if (n === 0) return nullable;
      let cur = new Int32Array(words);
      let next = new Int32Array(words);
      let alive = false;
      let mask = ALPHA_INDEX[name.charCodeAt(0)]! * words;
      for (let w = 0; w < words; w++) {
        cur[w] = firstBits[w]! & maskBits[mask + w]!;
        if (cur[w] !== 0) alive = true;
      }
      for (let i = 1; i < n && alive; i++) {
        next.fill(0);
        for (let w = 0; w < words; w++) {
          let bits = cur[w]!;
          while (bits !== 0) {
            const low = bits & -bits;
            const p = (w << 5) + 31 - Math.clz32(low);
            const base = p * words;
            for (let v = 0; v < words; v++) next[v]! |= followBits[base + v]!;
            bits ^= low;
          }
        }
        mask = ALPHA_INDEX[name.charCodeAt(i)]! * words;
        alive = false;
        for (let w = 0; w < words; w++) {
          next[w]! &= maskBits[mask + w]!;
          if (next[w] !== 0) alive = true;
        }
        const swap = cur;
        cur = next;
        next = swap;
      }
      if (!alive) return false;
      for (let w = 0; w < words; w++) if ((cur[w]! & lastBits[w]!) !== 0) return true;
      return false;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Static analysis (what `mcp-auth policy lint` asks; matching never uses it). The same parser,
// limits and Glushkov construction as matching, so lint and the engine cannot disagree on what
// a pattern means. Questions are answered exactly over names of 1–128 characters.

/** Most (state, state) pairs one analysis question may visit before answering "unknown". */
const MAX_ANALYSIS_PAIRS = 50_000;

/**
 * A pattern, or the union of several, as a position automaton (Glushkov NFA) over the 65
 * tool-name characters, for static analysis. Built by {@link compilePatternAutomaton}.
 */
export interface PatternAutomaton {
  /** Per position, which of the 65 name characters it reads (a membership table). */
  readonly sets: readonly Uint8Array[];
  /** Per position, the positions that may come next. */
  readonly follow: readonly (readonly number[])[];
  /** Positions that may read the first character. */
  readonly first: readonly number[];
  /** Positions that may read the last character. */
  readonly last: ReadonlySet<number>;
  /** Whether the empty string matches. */
  readonly nullable: boolean;
}

/**
 * Compiles the union of `sources` for analysis. Each pattern is parsed and checked exactly as
 * {@link parseToolPattern} does (same language, same limits); throws
 * {@link PatternSyntaxError} for the first one the engine would refuse.
 */
export function compilePatternAutomaton(sources: readonly string[]): PatternAutomaton {
  const trees = sources.map((source): Node => {
    checkSource(source);
    return PLAIN_NAME.test(source) ? plainTree(source) : parseChecked(source);
  });
  // Each pattern is within MAX_PATTERN_POSITIONS already; the union is their sum.
  const { sets, follow, root } = glushkov(
    trees.length === 1 ? trees[0]! : { t: 'alt', alts: trees },
    Number.POSITIVE_INFINITY,
  );
  return {
    sets,
    follow: follow.map((list) => [...new Set(list)].sort((a, b) => a - b)),
    first: [...new Set(root.first)].sort((a, b) => a - b),
    last: new Set(root.last),
    nullable: root.nullable,
  };
}

// An analysis state is a sorted list of positions; -1 stands for "nothing read yet".
type AnalysisState = readonly number[];
const START: AnalysisState = [-1];

function stepState(a: PatternAutomaton, state: AnalysisState, ch: number): AnalysisState {
  const out = new Set<number>();
  for (const s of state) {
    const next = s === -1 ? a.first : a.follow[s]!;
    for (const p of next) if (a.sets[p]![ch]) out.add(p);
  }
  return [...out].sort((x, y) => x - y);
}

function acceptsState(a: PatternAutomaton, state: AnalysisState): boolean {
  for (const s of state) if (s === -1 ? a.nullable : a.last.has(s)) return true;
  return false;
}

/** One representative character (the smallest) per group every position treats alike. */
function characterClasses(automata: readonly PatternAutomaton[]): number[] {
  const seen = new Map<string, number>();
  for (let c = 0; c < ALPHA_SIZE; c++) {
    const signature = automata.map((a) => a.sets.map((s) => s[c]).join('')).join('|');
    if (!seen.has(signature)) seen.set(signature, c);
  }
  return [...seen.values()];
}

/**
 * The shortest (then alphabetically first) tool name of 1–128 characters that `a` matches and
 * `b` does not — or that `a` matches at all when `b` is `undefined`; `null` when there is
 * none; `undefined` when the search grew too large to finish.
 */
export function findPatternDifference(
  a: PatternAutomaton,
  b: PatternAutomaton | undefined,
): string | null | undefined {
  const classes = characterClasses(b === undefined ? [a] : [a, b]);
  const key = (x: AnalysisState, y: AnalysisState) => `${x.join(',')}/${y.join(',')}`;
  type Item = { x: AnalysisState; y: AnalysisState; word: string };
  let frontier: Item[] = [{ x: START, y: START, word: '' }];
  const visited = new Set<string>([key(START, START)]);
  for (let depth = 1; depth <= MAX_TOOL_NAME_LENGTH && frontier.length > 0; depth++) {
    const next: Item[] = [];
    for (const { x, y, word } of frontier) {
      for (const c of classes) {
        const nx = stepState(a, x, c);
        if (nx.length === 0) continue;
        const ny = b === undefined ? [] : stepState(b, y, c);
        const w = word + ALPHABET[c];
        if (acceptsState(a, nx) && (b === undefined || !acceptsState(b, ny))) return w;
        const k = key(nx, ny);
        if (visited.has(k)) continue;
        visited.add(k);
        if (visited.size > MAX_ANALYSIS_PAIRS) return undefined;
        next.push({ x: nx, y: ny, word: w });
      }
    }
    frontier = next;
  }
  return null;
}

/** A tool name the automaton matches, `null` if it matches none, `undefined` if unknown. */
export function examplePatternMatch(a: PatternAutomaton): string | null | undefined {
  return findPatternDifference(a, undefined);
}

/** Whether every tool name `a` matches is also matched by `b` (`undefined`: unknown). */
export function isPatternCoveredBy(a: PatternAutomaton, b: PatternAutomaton): boolean | undefined {
  const difference = findPatternDifference(a, b);
  return difference === undefined ? undefined : difference === null;
}

let allNames: PatternAutomaton | undefined;

/** Whether `a` matches every valid tool name (`undefined`: unknown). */
export function patternMatchesEveryName(a: PatternAutomaton): boolean | undefined {
  allNames ??= compilePatternAutomaton(['.+']);
  return isPatternCoveredBy(allNames, a);
}

/** Whether the automaton matches `name` whole (for tests and tools; the engine matches). */
export function patternAutomatonMatches(a: PatternAutomaton, name: string): boolean {
  let state = START;
  for (let i = 0; i < name.length; i++) {
    const c = ALPHA_INDEX[name.charCodeAt(i)] ?? -1;
    if (c < 0) return false;
    state = stepState(a, state, c);
    if (state.length === 0) return false;
  }
  return acceptsState(a, state);
}
