import type { PolicyEngine } from '../policy/engine.js';
import type { PolicyDecision } from '../policy/types.js';
import type { AuthContext } from './auth-context.js';

// What the MCP-level adapters (@mcp-auth/sdk, @mcp-auth/fastmcp) share: turning the SDK's
// AuthInfo back into an AuthContext, one decision per tools/call inside MCP, and tools/list
// filtering. Adapters only translate their framework's objects to these calls.

/** What the MCP adapters need from a policy: a core `PolicyEngine`. */
export type McpToolPolicy = Pick<
  PolicyEngine,
  'evaluate' | 'visibleTools' | 'isVisible' | 'scopesSupported'
>;

/** The MCP `CallToolResult` a refused tool call receives (MCP spec, "Tool execution errors"). */
export interface McpDeniedToolResult {
  [key: string]: unknown;
  readonly content: { type: 'text'; text: string }[];
  readonly isError: true;
  readonly _meta: {
    readonly 'mcp-auth/denied': {
      readonly error: 'access_denied';
      readonly tool: string;
      readonly rule_id: string | null;
      readonly reason: string;
      readonly missing_scopes: readonly string[];
    };
  };
}

/** A JSON-RPC error (code and message) for a request that carries no authentication. */
export interface McpUnauthenticatedError {
  /** JSON-RPC `-32600` (Invalid Request). */
  readonly code: -32600;
  readonly message: string;
}

/** What to do with one `tools/call`, decided by {@link decideMcpToolCall}. */
export type McpToolCallOutcome =
  | { readonly outcome: 'allow'; readonly decision: PolicyDecision }
  | {
      readonly outcome: 'deny';
      readonly decision: PolicyDecision;
      readonly result: McpDeniedToolResult;
    }
  | { readonly outcome: 'unauthenticated'; readonly error: McpUnauthenticatedError };

/** The request of {@link decideMcpToolCall}, as read from an MCP `tools/call`. */
export interface McpToolCallRequest {
  /** The caller, or `undefined` when no authentication ran. */
  readonly auth: AuthContext | undefined;
  /** `params.name` as received (anything that is not a string is refused). */
  readonly tool: unknown;
  /** `params.arguments` as received. */
  readonly args?: unknown;
}

const UNAUTHENTICATED: McpUnauthenticatedError = Object.freeze({
  code: -32600,
  message: 'Authentication required: this MCP server only answers authenticated requests',
});

/**
 * Decides one MCP `tools/call` inside MCP (after the HTTP edge): `allow`, `deny` with the
 * one documented denied `CallToolResult`, or `unauthenticated` with a JSON-RPC error.
 */
export function decideMcpToolCall(
  policy: McpToolPolicy,
  request: McpToolCallRequest,
): McpToolCallOutcome {
  const { auth } = request;
  if (auth === undefined) return { outcome: 'unauthenticated', error: UNAUTHENTICATED };
  // A non-string name becomes '', which the policy refuses as an invalid tool name.
  const tool = typeof request.tool === 'string' ? request.tool : '';
  const decision = policy.evaluate({
    tool,
    scopes: auth.scopes,
    claims: auth.claims,
    // Arguments that are not an object cannot satisfy an `args` condition: passed as none.
    args: isPlainObject(request.args) ? request.args : undefined,
    subject: auth.userId,
    clientId: auth.clientId,
  });
  if (decision.allowed) return { outcome: 'allow', decision };
  return { outcome: 'deny', decision, result: deniedToolResult(tool, decision) };
}

/** The denied `CallToolResult` for `tool`: `isError: true`, the reason as text, the decision in `_meta`. */
export function deniedToolResult(tool: string, decision: PolicyDecision): McpDeniedToolResult {
  return {
    content: [{ type: 'text', text: `Access denied to tool "${tool}": ${decision.reason}` }],
    isError: true,
    _meta: {
      'mcp-auth/denied': {
        error: 'access_denied',
        tool,
        rule_id: decision.ruleId ?? null,
        reason: decision.reason,
        missing_scopes: [...decision.missingScopes],
      },
    },
  };
}

/** True when the caller may see (and, for some arguments, call) `tool`; false without a caller. */
export function canSeeMcpTool(
  policy: McpToolPolicy,
  auth: AuthContext | undefined,
  tool: string,
): boolean {
  if (auth === undefined) return false;
  return policy.isVisible(tool, auth);
}

/**
 * Filters a `tools/list` result (`{ tools: [{ name, … }], … }`) down to the tools the caller
 * may call; other fields (`nextCursor`, `_meta`) are kept. Without a caller, or for a result
 * of an unexpected shape, the list is empty: it fails closed.
 */
export function selectVisibleTools(
  policy: McpToolPolicy,
  auth: AuthContext | undefined,
  result: unknown,
): Record<string, unknown> {
  const base =
    typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  const tools = base.tools;
  if (auth === undefined || !Array.isArray(tools)) return { ...base, tools: [] };
  const names = tools
    .map((tool: unknown) => (tool as { name?: unknown } | null)?.name)
    .filter((name): name is string => typeof name === 'string');
  const visible = new Set(policy.visibleTools(names, auth));
  return {
    ...base,
    tools: tools.filter((tool: unknown) => {
      const name = (tool as { name?: unknown } | null)?.name;
      return typeof name === 'string' && visible.has(name);
    }),
  };
}

/**
 * The {@link AuthContext} of an MCP SDK `AuthInfo` (`extra.authInfo`): the one core put in
 * `extra.auth` (by `toAuthInfo()`), else one built from the standard fields for an `AuthInfo`
 * made by another verifier (`sub` and `jti` read from `extra` when present, every `extra`
 * field as a claim). `undefined` when there is no usable `AuthInfo`.
 */
export function authContextFromAuthInfo(authInfo: unknown): AuthContext | undefined {
  if (typeof authInfo !== 'object' || authInfo === null) return undefined;
  const info = authInfo as {
    clientId?: unknown;
    scopes?: unknown;
    expiresAt?: unknown;
    resource?: unknown;
    extra?: unknown;
  };
  const extra =
    typeof info.extra === 'object' && info.extra !== null
      ? (info.extra as Record<string, unknown>)
      : {};
  if (isAuthContext(extra.auth)) return extra.auth;
  if (typeof info.clientId !== 'string' || !isStringArray(info.scopes)) return undefined;
  return {
    userId: typeof extra.sub === 'string' ? extra.sub : '',
    clientId: info.clientId,
    scopes: [...info.scopes],
    claims: { ...extra },
    expiresAt: typeof info.expiresAt === 'number' ? info.expiresAt : undefined,
    jti: typeof extra.jti === 'string' ? extra.jti : undefined,
    resource:
      info.resource instanceof URL || typeof info.resource === 'string'
        ? String(info.resource)
        : undefined,
    grantId: undefined,
  };
}

function isAuthContext(value: unknown): value is AuthContext {
  if (typeof value !== 'object' || value === null) return false;
  const ctx = value as Record<string, unknown>;
  return (
    typeof ctx.userId === 'string' &&
    typeof ctx.clientId === 'string' &&
    isStringArray(ctx.scopes) &&
    typeof ctx.claims === 'object' &&
    ctx.claims !== null
  );
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
