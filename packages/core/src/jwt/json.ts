/**
 * Strict JSON for JOSE (RFC 7515 §5.2 step 4, RFC 7519 §7.2 step 11): a member name may
 * appear once per object. `JSON.parse` silently keeps the last duplicate, so the text is
 * scanned for duplicate names after it parsed.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * True when some object in `text` (already known to be valid JSON) has a member name twice,
 * comparing names after unescaping (`"a"` and `"\u0061"` are the same name).
 */
export function hasDuplicateKeys(text: string): boolean {
  // Names seen per open object (`null` for arrays); small objects use an array, which is
  // cheaper than a Set, until SMALL names. Iterative: no recursion limit.
  const stack: (Names | null)[] = [];
  let top: Names | null = null;
  let expectKey = false;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote natively; a quote preceded by an odd run of `\` is escaped.
      const start = i + 1;
      let end = text.indexOf('"', start);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return false; // unreachable for valid JSON
      i = end;
      if (expectKey && top !== null) {
        const raw = text.slice(start, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (Array.isArray(top)) {
          if (top.includes(name)) return true;
          top.push(name);
          if (top.length > SMALL) top = new Set(top);
        } else {
          if (top.has(name)) return true;
          top.add(name);
        }
        expectKey = false;
      }
    } else if (c === OPEN_BRACE) {
      stack.push(top);
      top = [];
      expectKey = true;
    } else if (c === OPEN_BRACKET) {
      stack.push(top);
      top = null;
      expectKey = false;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      top = stack.pop() ?? null;
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = top !== null;
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  return false;
}

type Names = string[] | Set<string>;
const SMALL = 16;

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let j = quote - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
  return (backslashes & 1) === 1;
}

/**
 * Parses `text` as a JSON object with no duplicate member names. Returns `undefined` for
 * invalid JSON, duplicates, or any top-level value that is not an object (`0`, `[]`, `null`).
 */
export function parseJsonObjectStrict(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (text.includes('\\') ? hasDuplicateKeys(text) : !uniqueByLength(text, value)) {
    return undefined;
  }
  return value as Record<string, unknown>;
}

/**
 * Fastest duplicate check, for text without escapes, by length alone: from the parsed tree,
 * the length `E` of its compact serialization (no whitespace, each number as `String(n)`).
 * The text holds every kept token at least as long as in `E` (strings are verbatim without
 * escapes; numbers are limited to ones with no shorter JSON form, see `integerLength`), plus
 * whitespace, plus every member JSON.parse dropped for a repeated name (at least `"":0,`).
 * So `text.length === E` proves the names unique; otherwise (whitespace, other numbers, or a
 * duplicate) {@link uniqueByCount} decides. No scan of the text at all in the common case.
 */
function uniqueByLength(text: string, value: object): boolean {
  let expected = 0;
  const pending: object[] = [value];
  while (pending.length > 0) {
    if (pending.length > 1024) return !hasDuplicateKeys(text);
    const node = pending.pop() as Record<string, unknown>;
    const isArray = Array.isArray(node);
    let members = 0;
    for (const name in node) {
      members++;
      if (!isArray) expected += name.length + 3; // "name":
      const inner = node[name];
      if (typeof inner === 'string') expected += inner.length + 2;
      else if (typeof inner === 'number') {
        const length = integerLength(inner);
        if (length === 0) return uniqueByCount(text, value);
        expected += length;
      } else if (typeof inner === 'boolean') expected += inner ? 4 : 5;
      else if (inner === null) expected += 4;
      else if (typeof inner === 'object') pending.push(inner);
    }
    expected += members === 0 ? 2 : members + 1; // brackets and members - 1 commas
  }
  return expected === text.length || uniqueByCount(text, value);
}

/**
 * `String(n).length` for a safe integer that no JSON number text writes in fewer
 * characters, else 0. A text parsing to a safe integer must state all its significant
 * digits (one ulp is at most 1); only an exponent can shorten it, which needs at least three
 * trailing zeros (`1e3` vs `1000`; `1e2` ties with `100`).
 */
function integerLength(n: number): number {
  if (!Number.isSafeInteger(n) || (n % 1000 === 0 && n !== 0)) return 0;
  let length = n < 0 ? 2 : 1;
  const magnitude = Math.abs(n);
  for (let power = 10; power <= magnitude; power *= 10) length++;
  return length;
}

/**
 * Fast duplicate check for text without escapes: every `"` then delimits a string, so the
 * text holds S = quotes / 2 strings = member names + string values. JSON.parse keeps one
 * member per name, so the parsed tree has K names and V string values with S - V === K
 * exactly when no name was repeated (a repeat leaves S - V > K). Falls back to the scan
 * for very deep values.
 */
function uniqueByCount(text: string, value: object): boolean {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) quotes++;
  let names = 0;
  let strings = 0;
  const pending: object[] = [value];
  while (pending.length > 0) {
    if (pending.length > 1024) return !hasDuplicateKeys(text);
    const node = pending.pop() as Record<string, unknown>;
    const isArray = Array.isArray(node);
    for (const name in node) {
      if (!isArray) names++;
      const inner = node[name];
      if (typeof inner === 'string') strings++;
      else if (typeof inner === 'object' && inner !== null) pending.push(inner);
    }
  }
  return quotes / 2 - strings === names;
}
