import {
  InsufficientScopeError,
  isOAuthError,
  type OAuthError,
  ServerError,
} from '../errors/oauth-error.js';
import type { PolicyEngine } from '../policy/engine.js';
import { scopeCovers } from '../policy/scopes.js';
import type { PolicyDecision, PolicySubject } from '../policy/types.js';
import { errorResponse } from '../server/responses.js';
import type { AuthContext } from './auth-context.js';
import { extractBearerToken } from './bearer.js';
import { McpAuthMiddleware, type McpAuthMiddlewareOptions } from './middleware.js';

/**
 * The MCP SDK's `AuthInfo` shape (`@modelcontextprotocol/sdk/server/auth/types.js`), declared
 * structurally so core does not depend on the SDK. `extra.auth` holds the {@link AuthContext}.
 */
export interface McpAuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  expiresAt?: number;
  resource?: URL;
  extra?: Record<string, unknown>;
}

/**
 * Builds the SDK's `AuthInfo` for a verified request: `{ token, clientId, scopes, expiresAt,
 * resource, extra: { auth: ctx } }`. The token is there because the SDK's type requires it;
 * never forward it to an upstream API (SECURITY-CASES 40).
 */
export function toAuthInfo(ctx: AuthContext, token: string): McpAuthInfo {
  const info: McpAuthInfo = {
    token,
    clientId: ctx.clientId,
    scopes: [...ctx.scopes],
    extra: { auth: ctx },
  };
  if (ctx.expiresAt !== undefined) info.expiresAt = ctx.expiresAt;
  if (ctx.resource !== undefined) {
    const resource = parseUrl(ctx.resource);
    if (resource !== undefined) info.resource = resource;
  }
  return info;
}

/** `new URL(value)`, or undefined when it does not parse (one parse, no `URL.canParse` first). */
function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The {@link AuthContext} inside an SDK `AuthInfo` built by {@link toAuthInfo}, if any. */
export function authContextFromAuthInfo(authInfo: unknown): AuthContext | undefined {
  if (typeof authInfo !== 'object' || authInfo === null) return undefined;
  const extra = (authInfo as { extra?: unknown }).extra;
  if (typeof extra !== 'object' || extra === null) return undefined;
  const auth = (extra as { auth?: unknown }).auth;
  if (
    typeof auth === 'object' &&
    auth !== null &&
    typeof (auth as AuthContext).userId === 'string' &&
    Array.isArray((auth as AuthContext).scopes)
  )
    return auth as AuthContext;
  return undefined;
}

/** What the HTTP edge passes to {@link McpGuard.check}. There is no URL: tokens in the query
 * string are never looked at (SECURITY-CASES 37). */
export interface McpGuardRequest {
  /** The `Authorization` header value. */
  readonly authorizationHeader: string | undefined;
  /** The parsed JSON-RPC body: one message or a batch (anything else is just authenticated). */
  readonly body: unknown;
}

/** A refusal: write `status`, `headers` and `body` (a JSON string) as they are. */
export interface McpGuardRejection {
  readonly kind: 'unauthenticated' | 'insufficient_scope' | 'unavailable' | 'error';
  readonly status: number;
  /** Lower-case names: `www-authenticate`, `content-type`, `cache-control`, `retry-after`… */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The error behind it (its message never contains a token). */
  readonly error: OAuthError;
}

/**
 * The guard's answer:
 * - `ok`: authenticated, and no `tools/call` in the body was refused for missing scopes. The
 *   MCP layer must still authorize each call ({@link authorizeMcpToolCall}): denials that
 *   scopes cannot fix (conditions, deny rules, unknown tools) pass here on purpose, to be
 *   answered inside MCP with the policy's reason.
 * - `unauthenticated` (401), `insufficient_scope` (403 step-up), `unavailable` (503, store
 *   down — fail closed), `error` (500).
 */
export type McpGuardDecision =
  | {
      readonly kind: 'ok';
      readonly auth: AuthContext;
      /** The SDK `AuthInfo` to attach to the request (`req.auth`). */
      readonly authInfo: McpAuthInfo;
    }
  | McpGuardRejection;

/** The request guard every adapter runs at the HTTP edge of the MCP endpoint. */
export interface McpGuard {
  readonly middleware: McpAuthMiddleware;
  check(request: McpGuardRequest): Promise<McpGuardDecision>;
}

interface ToolCall {
  readonly name: string;
  readonly args: Record<string, unknown> | undefined;
}

/** The `tools/call` requests in a JSON-RPC message or batch. */
export function findToolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  if (Array.isArray(body)) for (const message of body) addToolCall(message, calls);
  else addToolCall(body, calls);
  return calls;
}

function addToolCall(message: unknown, calls: ToolCall[]): void {
  if (typeof message !== 'object' || message === null) return;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return;
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string') return;
  calls.push({
    name,
    args:
      typeof args === 'object' && args !== null && !Array.isArray(args)
        ? (args as Record<string, unknown>)
        : undefined,
  });
}

function rejection(kind: McpGuardRejection['kind'], error: OAuthError): McpGuardRejection {
  const response = errorResponse(error);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers))
    headers[name] = typeof value === 'string' ? value : value.join(', ');
  return { kind, status: response.status, headers, body: response.body ?? '', error };
}

function rejectionFor(error: unknown): McpGuardRejection {
  if (!isOAuthError(error)) return rejection('error', new ServerError());
  if (error.status === 401) return rejection('unauthenticated', error);
  if (error.status === 503) return rejection('unavailable', error);
  if (error.status >= 500) return rejection('error', error);
  return rejection(error.status === 403 ? 'insufficient_scope' : 'error', error);
}

/**
 * Creates the MCP request guard from middleware options (or an existing
 * {@link McpAuthMiddleware}). Adapters call `check({ authorizationHeader, body })` for every
 * request to the MCP endpoint and only translate the result.
 *
 * For a `tools/call` whose denial scopes could fix, the answer is a 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="<granted ∪ missing>",
 * resource_metadata="…"` (MCP step-up). A 401 advertises `challengeScopes` plus, for a
 * `tools/call`, the scopes the tool's first allow rule requires.
 */
export function createMcpGuard(
  options: McpAuthMiddlewareOptions | McpAuthMiddleware,
  guardOptions: McpGuardOptions = {},
): McpGuard {
  const middleware =
    options instanceof McpAuthMiddleware ? options : new McpAuthMiddleware(options);
  const policy = middleware.policy;
  const requiredScopes = [...(guardOptions.requiredScopes ?? [])];
  if (!requiredScopes.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new TypeError('createMcpGuard: requiredScopes must be an array of scope strings');
  }
  /** `challengeScopes` plus the scopes each called tool's first allow rule requires. */
  const challengeScopeFor = (calls: readonly ToolCall[]): readonly string[] => {
    const extra = calls.flatMap((c) => policy.requiredScopesFor(c.name));
    return extra.length > 0
      ? [...new Set([...middleware.challengeScopes, ...extra])]
      : middleware.challengeScopes;
  };
  return {
    middleware,
    async check(request: McpGuardRequest): Promise<McpGuardDecision> {
      const calls = findToolCalls(request.body);
      let auth: AuthContext;
      try {
        // The 401 challenge's scopes are only computed when a 401 is built.
        auth = await middleware.authenticateRequest(
          request.authorizationHeader,
          calls.length > 0 ? () => challengeScopeFor(calls) : undefined,
        );
      } catch (error) {
        return rejectionFor(error);
      }
      // Scopes every request to this endpoint needs, whatever it calls.
      const missing = requiredScopes.filter((scope) => !scopeCovers(auth.scopes, scope));
      let firstReason: string | undefined =
        missing.length > 0 ? 'The access token lacks a scope this endpoint requires' : undefined;
      let firstDenied: ToolCall | undefined;
      for (const call of calls) {
        const decision = policy.evaluate({
          tool: call.name,
          scopes: auth.scopes,
          claims: auth.claims,
          args: call.args,
          subject: auth.userId,
          clientId: auth.clientId,
          audit: false,
        });
        if (!decision.allowed && decision.missingScopes.length > 0) {
          missing.push(...decision.missingScopes);
          firstReason ??= decision.reason;
          firstDenied ??= call;
        }
      }
      if (missing.length > 0) {
        // Record the refusal once in the audit log (the MCP layer never sees this call).
        if (firstDenied) middleware.authorizeToolCall(firstDenied.name, auth, firstDenied.args);
        const scope = [...new Set([...auth.scopes, ...missing])];
        const reason = firstReason ?? 'insufficient scope';
        return rejection(
          'insufficient_scope',
          new InsufficientScopeError(scope, reason, {
            headers: { 'WWW-Authenticate': middleware.insufficientScopeChallenge(scope, reason) },
          }),
        );
      }
      // The token is only needed for the SDK's AuthInfo; it was valid a moment ago.
      const token = extractBearerToken(request.authorizationHeader);
      return { kind: 'ok', auth, authInfo: toAuthInfo(auth, token) };
    },
  };
}

/** Options of {@link createMcpGuard} beyond the middleware's. */
export interface McpGuardOptions {
  /**
   * Scopes every request to the MCP endpoint needs, whatever it calls: a token without them
   * gets a 403 `insufficient_scope` step-up challenge. Default: none (the policy decides).
   */
  readonly requiredScopes?: readonly string[];
}

/** MCP `CallToolResult` for a refused call: `isError: true` and the reason as text. */
export interface DeniedToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError: true;
}

/**
 * The one denied result every adapter returns for a refused `tools/call` inside MCP:
 * `{ content: [{ type: 'text', text: 'Access denied (<code>): <reason>' }], isError: true }`.
 */
export function createDeniedToolResult(
  decision: Pick<PolicyDecision, 'code' | 'reason'>,
): DeniedToolResult {
  return {
    content: [{ type: 'text', text: `Access denied (${decision.code}): ${decision.reason}` }],
    isError: true,
  };
}

/** Outcome of {@link authorizeMcpToolCall}. */
export type McpToolCallAuthorization =
  | { readonly allowed: true; readonly auth: AuthContext; readonly decision: PolicyDecision }
  | {
      readonly allowed: false;
      /** The decision, or undefined when there was no authenticated caller. */
      readonly decision: PolicyDecision | undefined;
      /** Return this as the tool's result. */
      readonly result: DeniedToolResult;
    };

/**
 * Authorizes a `tools/call` inside the MCP layer (the SDK's `extra.authInfo`, fastmcp's
 * session…). Without a caller it is refused with code `unauthenticated`. Emits the audit event.
 */
export function authorizeMcpToolCall(
  policy: PolicyEngine,
  auth: AuthContext | undefined,
  tool: string,
  args?: unknown,
): McpToolCallAuthorization {
  if (auth === undefined || auth === null)
    return {
      allowed: false,
      decision: undefined,
      result: {
        content: [
          { type: 'text', text: 'Access denied (unauthenticated): no authenticated caller' },
        ],
        isError: true,
      },
    };
  const decision = policy.evaluate({
    tool,
    scopes: auth.scopes,
    claims: auth.claims,
    args:
      typeof args === 'object' && args !== null && !Array.isArray(args)
        ? (args as Record<string, unknown>)
        : undefined,
    subject: auth.userId,
    clientId: auth.clientId,
  });
  if (decision.allowed) return { allowed: true, auth, decision };
  return { allowed: false, decision, result: createDeniedToolResult(decision) };
}

/**
 * `tools/list` filtering: keeps the tools this caller may call (argument conditions are assumed
 * to pass; the call itself is checked with its arguments). No caller → no tools.
 */
export function filterToolList<T extends { readonly name: string }>(
  tools: readonly T[],
  auth: PolicySubject | undefined,
  policy: PolicyEngine,
): T[] {
  if (auth === undefined || auth === null) return [];
  return tools.filter((tool) => policy.isVisible(tool.name, auth));
}
