/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

/** True for a string RFC 6749 §3.3 accepts as one scope token. */
export function isValidScopeToken(scope: unknown): scope is string {
  return typeof scope === 'string' && SCOPE_TOKEN.test(scope);
}

/**
 * True when `granted` covers `required`: an exact, case-sensitive match, or a granted scope
 * ending in `:*` whose prefix (up to and including the `:`) starts `required` and is followed by
 * at least one character (`mcp:tools:*` covers `mcp:tools:read`, not `mcp:tools`).
 */
export function scopeCovers(granted: readonly string[], required: string): boolean {
  for (let i = 0; i < granted.length; i++) {
    const g = granted[i]!;
    if (g === required) return true;
    const n = g.length;
    if (
      n >= 2 &&
      g.charCodeAt(n - 1) === 42 /* * */ &&
      g.charCodeAt(n - 2) === 58 /* : */ &&
      required.length >= n &&
      required.startsWith(g.slice(0, n - 1))
    )
      return true;
  }
  return false;
}
