import { PolicyValidationError, pointerToken } from './errors.js';
import type { PolicyProblem, ScopeHierarchyDeclaration } from './types.js';

/**
 * The longest scope token mcp-auth accepts, everywhere (options, environment, policies,
 * authorization and token requests). RFC 6749 §3.3 sets no cap; one cap keeps every scope a
 * policy can name grantable, and `policy/schema.ts` publishes the same bound.
 */
export const MAX_SCOPE_TOKEN_LENGTH = 256;

/** RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), at most 256 characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

/**
 * The OpenID Connect scope that asks the authorization server for a refresh token. It is not a
 * resource scope: MCP 2026-07-28 (SEP-2207, "Refresh Tokens") says a protected resource SHOULD
 * NOT put it in `WWW-Authenticate` `scope` or in its protected resource metadata
 * `scopes_supported`. mcp-auth never does: rules and hierarchies cannot name it, and
 * {@link resourceScopes} drops it from any list bound for a challenge or for metadata.
 */
export const OFFLINE_ACCESS = 'offline_access';

/** True for a string RFC 6749 §3.3 accepts as one scope token. */
export function isValidScopeToken(scope: unknown): scope is string {
  return typeof scope === 'string' && SCOPE_TOKEN.test(scope);
}

/**
 * True for a `scope` parameter as RFC 6749 §3.3 writes it: scope tokens separated by single
 * spaces (no leading, trailing or doubled space).
 */
export function isValidScopeParameter(text: string): boolean {
  return text.split(' ').every(isValidScopeToken);
}

/**
 * Option check for a list of scopes: the scopes without repeats, in order. A programmer's
 * mistake (not an array, or an element that is not a scope token) is a `TypeError` that starts
 * with `where` (e.g. `createAuthorizationServer: scopesSupported`).
 */
export function checkScopes(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every(isValidScopeToken)) {
    throw new TypeError(
      `${where} must be an array of RFC 6749 scope tokens such as ["mcp:tools:read"] (no spaces, quotes or backslashes; at most ${MAX_SCOPE_TOKEN_LENGTH} characters)`,
    );
  }
  return [...new Set(value)];
}

/**
 * `scopes` without `offline_access` (SEP-2207) and without duplicates, in order: what a
 * protected resource may advertise in `scopes_supported` or ask for in a challenge's `scope`.
 */
export function resourceScopes(scopes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const s of scopes) if (s !== OFFLINE_ACCESS) out.add(s);
  return [...out];
}

/** `:*` at the end of a scope of at least two characters: a wildcard grant. */
function isWildcard(scope: string): boolean {
  const n = scope.length;
  return n >= 2 && scope.charCodeAt(n - 1) === 42 /* * */ && scope.charCodeAt(n - 2) === 58; /* : */
}

/**
 * `g` covers `s` on its own: equal, or `g` ends in `:*` and its prefix (up to and including the
 * `:`) starts `s`, followed by at least one character (`mcp:tools:*` covers `mcp:tools:read`
 * and `mcp:tools:*x`, not `mcp:tools` nor `mcp:tools:`).
 */
function directlyCovers(g: string, s: string): boolean {
  if (g === s) return true;
  const n = g.length;
  return isWildcard(g) && s.length >= n && s.startsWith(g.slice(0, n - 1));
}

interface Implied {
  /** Every scope the parent implies, transitively (not the parent itself), in order. */
  readonly list: readonly string[];
  readonly set: ReadonlySet<string>;
  /** The wildcards among `list` (they cover more than themselves). */
  readonly wildcards: readonly string[];
}

function impliedCovers(implied: Implied, s: string): boolean {
  if (implied.set.has(s)) return true;
  for (const w of implied.wildcards) if (directlyCovers(w, s)) return true;
  return false;
}

const HIERARCHY_CYCLE = 'the scope hierarchy has a cycle';

/**
 * A validated, transitive, acyclic scope hierarchy: which granted scope implies which narrower
 * ones (MCP 2026-07-28 authorization, "Step-Up Authorization Flow": servers **MUST** account
 * for scope hierarchies, where a broader scope implies narrower ones, when deciding whether a
 * token is sufficient — SEP-2350). Immutable; build one with {@link ScopeHierarchy.from} or
 * let {@link PolicyEngine.addScopeHierarchy} hold it.
 *
 * Coverage is one relation, the reflexive-transitive closure of two steps: a declared edge
 * (`mcp:tools:admin` → `mcp:tools:write`), and a granted wildcard covering every scope under
 * its prefix (`mcp:tools:*` → `mcp:tools:read`). So with `{ 'mcp:tools:admin':
 * ['mcp:tools:write'], 'mcp:tools:write': ['mcp:tools:read'] }`, a granted `mcp:tools:admin`
 * covers `mcp:tools:read`, and a granted `mcp:*` covers whatever `mcp:tools:admin` implies.
 * Cycles — including through a wildcard (`a:x` → `a:*`, which covers `a:x`) — are refused.
 */
export class ScopeHierarchy {
  /** The hierarchy without edges: coverage is exact match or wildcard only. */
  static readonly EMPTY: ScopeHierarchy = new ScopeHierarchy(new Map(), new Map());

  /** Declared parent → direct children, in declaration order (the JSON form). */
  readonly #edges: ReadonlyMap<string, readonly string[]>;
  /** Every scope that implies something (the parents, plus nodes reached by wildcard). */
  readonly #implied: ReadonlyMap<string, Implied>;
  /** The keys of `#implied`, for wildcard grants (checked against each). */
  readonly #parents: readonly string[];

  private constructor(
    edges: ReadonlyMap<string, readonly string[]>,
    implied: ReadonlyMap<string, Implied>,
  ) {
    this.#edges = edges;
    this.#implied = implied;
    this.#parents = [...implied.keys()];
  }

  /**
   * Validates `declaration` (parent scope → the narrower scopes it implies) and builds the
   * hierarchy. Throws {@link PolicyValidationError} (a `TypeError`) listing every problem:
   * a key or child that is not an RFC 6749 scope token, `offline_access` (SEP-2207), a
   * value that is not an array, a cycle (named as `a → b → a`).
   */
  static from(declaration: ScopeHierarchyDeclaration): ScopeHierarchy {
    return ScopeHierarchy.EMPTY.with(declaration);
  }

  /** This hierarchy plus the edges of `declaration` (merged per parent); throws as `from`. */
  with(declaration: ScopeHierarchyDeclaration): ScopeHierarchy {
    const problems: PolicyProblem[] = [];
    const merged = this.compile(declaration, '', problems);
    if (merged === undefined) throw new PolicyValidationError(problems, 'Invalid scope hierarchy');
    return merged;
  }

  /**
   * `with`, collecting problems (pointers under `pointer`) instead of throwing; undefined when
   * there was any. For document loaders.
   */
  compile(raw: unknown, pointer: string, problems: PolicyProblem[]): ScopeHierarchy | undefined {
    const before = problems.length;
    const proto = raw !== null && typeof raw === 'object' ? Object.getPrototypeOf(raw) : undefined;
    if (Array.isArray(raw) || (proto !== Object.prototype && proto !== null)) {
      problems.push({
        pointer,
        message: 'a scope hierarchy must be an object: { "<broader scope>": ["<narrower>", …] }',
      });
      return undefined;
    }
    const edges = new Map<string, string[]>();
    for (const [parent, children] of this.#edges) edges.set(parent, [...children]);
    for (const key of Object.keys(raw as object)) {
      const at = `${pointer}/${pointerToken(key)}`;
      const value = (raw as Record<string, unknown>)[key];
      let ok = checkScope(key, at, problems);
      if (!Array.isArray(value)) {
        problems.push({ pointer: at, message: `the scopes "${key}" implies must be an array` });
        continue;
      }
      value.forEach((child, j) => {
        if (!checkScope(child, `${at}/${j}`, problems)) ok = false;
      });
      if (!ok) continue;
      const list = edges.get(key) ?? [];
      for (const child of value as string[]) if (!list.includes(child)) list.push(child);
      edges.set(key, list);
    }
    if (problems.length > before) return undefined;
    const cycle = findCycle(edges);
    if (cycle !== undefined) {
      problems.push({
        pointer: `${pointer}/${pointerToken(cycle[0]!)}`,
        message: `${HIERARCHY_CYCLE}: ${cycle.join(' → ')} (a scope cannot imply itself)`,
      });
      return undefined;
    }
    return new ScopeHierarchy(edges, closure(edges));
  }

  /** Number of declared parent scopes. */
  get size(): number {
    return this.#edges.size;
  }

  /**
   * The granted scope that covers `required` (the first one, in `granted` order), or
   * undefined. See {@link coveringScope}.
   */
  covering(granted: readonly string[], required: string): string | undefined {
    for (let i = 0; i < granted.length; i++) {
      const g = granted[i]!;
      if (typeof g === 'string' && directlyCovers(g, required)) return g;
    }
    if (this.#implied.size === 0) return undefined;
    for (let i = 0; i < granted.length; i++) {
      const g = granted[i]!;
      if (typeof g !== 'string') continue;
      const implied = this.#implied.get(g);
      if (implied !== undefined && impliedCovers(implied, required)) return g;
      if (isWildcard(g))
        for (const parent of this.#parents)
          if (directlyCovers(g, parent) && impliedCovers(this.#implied.get(parent)!, required))
            return g;
    }
    return undefined;
  }

  /** Whether `granted` covers `required` (exact, wildcard, or through the hierarchy). */
  covers(granted: readonly string[], required: string): boolean {
    return this.covering(granted, required) !== undefined;
  }

  /** Every scope `scope` implies through the hierarchy, transitively (not `scope` itself). */
  implied(scope: string): readonly string[] {
    return this.#implied.get(scope)?.list ?? [];
  }

  /**
   * `granted` plus every scope it implies through the hierarchy (a wildcard grant adds what
   * the declared scopes under it imply; the wildcard itself stays, as it covers scopes no list
   * can enumerate). Without duplicates, granted scopes first. For consent screens and for
   * comparing grants.
   */
  expand(granted: readonly string[]): string[] {
    const out = new Set<string>();
    for (const g of granted) if (typeof g === 'string') out.add(g);
    for (const g of [...out]) {
      for (const s of this.implied(g)) out.add(s);
      if (isWildcard(g))
        for (const parent of this.#parents)
          if (directlyCovers(g, parent)) {
            out.add(parent);
            for (const s of this.implied(parent)) out.add(s);
          }
    }
    return [...out];
  }

  /**
   * `scopes` without duplicates and without any scope another one in the list covers: the
   * least a client must ask for to hold all of them (`[write, read]` → `[write]` when write
   * implies read). Order kept.
   */
  minimize(scopes: readonly string[]): string[] {
    const unique = [...new Set(scopes)];
    if (unique.length < 2) return unique;
    return unique.filter((s) => !unique.some((m) => m !== s && this.covers([m], s)));
  }

  /** Every scope the hierarchy names (parents and children), in declaration order. */
  scopes(): string[] {
    const out = new Set<string>();
    for (const [parent, children] of this.#edges) {
      out.add(parent);
      for (const c of children) out.add(c);
    }
    return [...out];
  }

  /** The declaration (parent → direct children), a fresh copy; `{}` when empty. */
  toJSON(): Record<string, string[]> {
    // `Object.fromEntries` defines own properties, so a scope named `__proto__` stays data.
    return Object.fromEntries([...this.#edges].map(([p, c]) => [p, [...c]]));
  }
}

function checkScope(scope: unknown, pointer: string, problems: PolicyProblem[]): boolean {
  if (!isValidScopeToken(scope)) {
    problems.push({
      pointer,
      message:
        'a scope must be a non-empty RFC 6749 scope token (no spaces, quotes or backslashes)',
    });
    return false;
  }
  if (scope === OFFLINE_ACCESS) {
    problems.push({
      pointer,
      message:
        '"offline_access" asks the authorization server for a refresh token; it is not a resource scope (MCP 2026-07-28, SEP-2207)',
    });
    return false;
  }
  return true;
}

/** Successors of `node`: its declared children, and (for a wildcard) the nodes it covers. */
function successors(
  node: string,
  edges: ReadonlyMap<string, readonly string[]>,
  nodes: readonly string[],
): string[] {
  const out = [...(edges.get(node) ?? [])];
  if (isWildcard(node))
    for (const n of nodes) if (n !== node && directlyCovers(node, n)) out.push(n);
  return out;
}

function allNodes(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const [p, children] of edges) {
    out.add(p);
    for (const c of children) out.add(c);
  }
  return [...out];
}

/** A cycle as a path `[a, b, …, a]`, or undefined. Iterative DFS (no recursion limit). */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const nodes = allNodes(edges);
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  for (const root of nodes) {
    if (state.has(root)) continue;
    const stack: { node: string; next: string[]; i: number }[] = [
      { node: root, next: successors(root, edges, nodes), i: 0 },
    ];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i === top.next.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const n = top.next[top.i++]!;
      const s = state.get(n);
      if (s === 1) {
        const from = stack.findIndex((f) => f.node === n);
        return [...stack.slice(from).map((f) => f.node), n];
      }
      if (s === undefined) {
        state.set(n, 1);
        stack.push({ node: n, next: successors(n, edges, nodes), i: 0 });
      }
    }
  }
  return undefined;
}

/** For every node with successors: everything reachable from it (acyclic graph). */
function closure(edges: ReadonlyMap<string, readonly string[]>): Map<string, Implied> {
  const nodes = allNodes(edges);
  const out = new Map<string, Implied>();
  for (const node of nodes) {
    const first = successors(node, edges, nodes);
    if (first.length === 0) continue;
    const seen = new Set<string>();
    const queue = [...first];
    while (queue.length > 0) {
      const n = queue.shift()!;
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(...successors(n, edges, nodes));
    }
    const list = [...seen];
    out.set(node, { list, set: seen, wildcards: list.filter(isWildcard) });
  }
  return out;
}

/**
 * THE coverage rule of mcp-auth — decisions, challenges, `tools/list` filtering and consent all
 * use it: the scope in `granted` that covers `required`, or undefined. A granted scope covers
 * `required` when it is equal (exact, case-sensitive); when it ends in `:*` and its prefix (up
 * to and including the `:`) starts `required`, followed by at least one character
 * (`mcp:tools:*` covers `mcp:tools:read`, not `mcp:tools`); or when `hierarchy` says it implies,
 * transitively, a scope that covers `required` (SEP-2350: a broader scope satisfies a narrower
 * one). Wildcards work on the granted side only: a required `mcp:tools:*` is covered by a
 * granted `mcp:tools:*` or `mcp:*`, not by `mcp:tools:read`.
 */
export function coveringScope(
  granted: readonly string[],
  required: string,
  hierarchy: ScopeHierarchy = ScopeHierarchy.EMPTY,
): string | undefined {
  return hierarchy.covering(granted, required);
}

/** Whether `granted` covers `required`; see {@link coveringScope}. */
export function scopeCovers(
  granted: readonly string[],
  required: string,
  hierarchy: ScopeHierarchy = ScopeHierarchy.EMPTY,
): boolean {
  return hierarchy.covering(granted, required) !== undefined;
}
