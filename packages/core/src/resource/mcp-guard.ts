import { InsufficientScopeError, PayloadTooLargeError } from '../errors/oauth-error.js';
import { PolicyEngine } from '../policy/engine.js';
import { checkScopes, resourceScopes } from '../policy/scopes.js';
import { toolCallInput } from './caller-input.js';
import type { PolicyDecision, PolicySubject } from '../policy/types.js';
import { BODYLESS_METHODS, type HttpResponse } from '../http/messages.js';
import { errorResponse } from '../http/responses.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import { checkTokenVerifier } from '../domain/check-token-verifier.js';
import { acceptedCredentials } from './bearer.js';
import type { ResourceDpopOptions } from '../tokens/dpop.js';
import { createOriginPolicy, type McpCorsOptions } from './cors.js';
import {
  DEFAULT_MAX_JSON_DEPTH,
  type DeniedToolResult,
  deniedCallsResponse,
  findToolCalls,
  headerMismatch,
  headerMismatchResponse,
  mcpEra,
  NO_BODY,
  type ParsedBody,
  parseErrorResponse,
  parseJsonBody,
  type ToolCall,
} from './json-rpc.js';
import { countUnauthorized, guardSpan, instrumentVerifier } from './guard-telemetry.js';
import type { AuditRecorder } from '../observability/audit.js';
import {
  ATTRIBUTES,
  COUNTER_NAMES,
  type Instrumentation,
  type InstrumentationSpan,
  NOOP_SPAN,
  SPAN_NAMES,
} from '../observability/instrumentation.js';
import { observePolicyDecisions } from '../policy/observe.js';
import { isValidToolName } from '../policy/pattern.js';
import { McpResourceAuth } from './resource-auth.js';
import { resourceUrl } from './resource-url.js';
import {
  checkToolRateLimit,
  limitToolCalls,
  type RateLimitRefusal,
  rateLimitedResponse,
} from './rate-limit.js';

export type { DeniedToolResult } from './json-rpc.js';

/** Default cap on MCP JSON-RPC bodies: 4 MiB, as the MCP SDK's Streamable HTTP transport. */
export const DEFAULT_MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The MCP SDK's `AuthInfo` shape (v1 `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/server`),
 * declared structurally so core does not depend on the SDK. `extra.auth` holds the {@link AuthContext}.
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
 * never forward it to an upstream API. `resource` is a read-only `URL` shared by every
 * `AuthInfo` of that resource: its setters throw and its `searchParams` is a copy (derive
 * another URL with `new URL(path, resource)`).
 */
export function toAuthInfo(ctx: AuthContext, token: string): McpAuthInfo {
  return buildAuthInfo(ctx, token, { auth: ctx });
}

/**
 * {@link toAuthInfo} with the given `extra`. A verified token has an expiry and a resource, so
 * the usual `AuthInfo` is one object literal of one shape, with nothing added to it afterwards.
 */
function buildAuthInfo(
  ctx: AuthContext,
  token: string,
  extra: Record<string, unknown>,
): McpAuthInfo {
  const { clientId, expiresAt } = ctx;
  const scopes = [...ctx.scopes];
  const resource = ctx.resource === undefined ? undefined : resourceUrl(ctx.resource);
  if (expiresAt !== undefined && resource !== undefined)
    return { token, clientId, scopes, extra, expiresAt, resource };
  const info: McpAuthInfo = { token, clientId, scopes, extra };
  if (expiresAt !== undefined) info.expiresAt = expiresAt;
  if (resource !== undefined) info.resource = resource;
  return info;
}

const DECIDED_AT_EDGE = 'decidedAtEdge';

/** The `extra` of an `AuthInfo` the MCP endpoint guard let through. */
type EdgeExtra = { auth: AuthContext } & Record<typeof DECIDED_AT_EDGE, true>;

/**
 * What the edge guard allowed, on the `AuthInfo` it hands on (a private symbol, so neither tool
 * code reading `extra` nor a serialized `AuthInfo` sees it, and nothing outside this module can
 * make one): the policy, the one tool the request called and the decision. Only a request with
 * exactly one `tools/call` carries it; a batch is decided again inside the server.
 */
const EDGE_ALLOWED: unique symbol = Symbol('@mcp-auth/core edge allowance');

interface EdgeAllowance {
  readonly policy: PolicyEngine;
  readonly tool: string;
  readonly decision: PolicyDecision;
}

type MarkedAuthInfo = McpAuthInfo & { [EDGE_ALLOWED]?: EdgeAllowance };

/**
 * Whether the MCP endpoint guard, with this very `policy`, allowed `tool` for the request that
 * carries `authInfo` (its single `tools/call`, on the arguments as sent). The in-server adapters
 * use it to skip asking the policy again what arguments cannot change; a decision on the
 * schema-parsed arguments is still taken where a rule for `tool` has an `args` condition
 * ({@link authorizeMcpToolCall}).
 */
export function isAllowedAtEdge(authInfo: unknown, policy: PolicyEngine, tool: string): boolean {
  return edgeAllowance(authInfo, policy, tool) !== undefined;
}

function edgeAllowance(
  authInfo: unknown,
  policy: PolicyEngine,
  tool: string,
): EdgeAllowance | undefined {
  if (typeof authInfo !== 'object' || authInfo === null) return undefined;
  const allowance = (authInfo as MarkedAuthInfo)[EDGE_ALLOWED];
  return allowance !== undefined && allowance.policy === policy && allowance.tool === tool
    ? allowance
    : undefined;
}

/**
 * True for an `AuthInfo` the MCP endpoint guard let through: every `tools/call` of its request
 * was already decided (and audited) at the HTTP edge. The in-server adapters pass it to
 * {@link authorizeMcpToolCall} so that an allowed call is recorded once.
 */
export function isDecidedAtEdge(authInfo: unknown): boolean {
  const extra = (authInfo as { extra?: unknown } | null | undefined)?.extra;
  return (
    typeof extra === 'object' &&
    extra !== null &&
    (extra as Record<string, unknown>)[DECIDED_AT_EDGE] === true
  );
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

/**
 * The request headers that carry the credential the guard verifies; a face takes them off a
 * request it lets through unless `forwardAuthorization` is set. Lower-case names.
 * @internal
 */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze(['authorization', 'dpop']);

/** Options of {@link createMcpGuard} (and of the Node and Fetch faces over it). */
export interface McpGuardOptions {
  /** Turns the bearer token into an `AuthContext` (`server.tokenVerifier`, `createAccessTokenVerifier()`). */
  verifier: TokenVerifier;
  /** The tool policy every `tools/call` is decided by. */
  policy: PolicyEngine;
  /** The RFC 9728 protected-resource metadata URL put in every challenge (`resource_metadata`). */
  resourceMetadataUrl: string | URL;
  /** Scopes every request needs (403 step-up without them); also advertised in 401s. */
  requiredScopes?: readonly string[];
  /** Scopes advertised in 401 challenges besides `requiredScopes`. Never `offline_access`. */
  challengeScopes?: readonly string[];
  /** Optional `realm` of the challenges. */
  realm?: string;
  /** Cap on JSON-RPC bodies, in bytes. Default 4 MiB (the MCP SDK's own limit). */
  maxBodyBytes?: number;
  /**
   * Deepest JSON nesting accepted in a body; deeper is a JSON-RPC parse error, found by a linear
   * scan before `JSON.parse` runs. Default {@link DEFAULT_MAX_JSON_DEPTH} (64): MCP messages nest
   * a handful of levels, tool arguments rarely more than ten.
   */
  maxJsonDepth?: number;
  /** Browser access: allowed `Origin`s (CORS) and `Host`s. Safe defaults, see {@link McpCorsOptions}. */
  cors?: McpCorsOptions;
  /**
   * DPoP (RFC 9449): `server.dpop` (`mcpAuth` passes it), or `{ store, … }` for a resource
   * server of its own. Accepts the `DPoP` scheme with a proof, and `required` can demand it.
   * Without it only Bearer is accepted, and a DPoP-bound token is refused. See docs/dpop.md.
   */
  dpop?: ResourceDpopOptions;
  /**
   * Tracing and metrics (`@mcp-auth/otel`): a `mcp_auth.guard` span per request (child of the
   * `traceparent` header), token verification, one `mcp_auth.policy.decision` span per
   * `tools/call` (child of its `params._meta.traceparent`, SEP-414), decision, step-up and 401
   * counters. Default: none.
   */
  instrumentation?: Instrumentation | undefined;
  /** The audit trail: one `decision` event per decision of `policy` (`createAuditTrail()`). */
  audit?: AuditRecorder | undefined;
  /**
   * Leave the verified credential on a request the guard lets through. Default `false`: once
   * the caller is verified, the `Authorization` and `DPoP` headers are taken off the request —
   * on Node, `req.headers` (their values become `undefined`) and `req.rawHeaders`; on a Web
   * `Request`, its `headers` where the runtime lets them change (a Worker's incoming request
   * keeps them) — as Envoy's and Istio's JWT filters do by default. The MCP server gets the
   * caller from the SDK's `AuthInfo` (`req.auth`, `{ authInfo }`, which still carries the token
   * for the SDK's own use); what runs after the guard — the MCP SDK copying every header into a
   * `Request`, a request logger — never handles the raw credential. Set `true` for a handler
   * that reads the header itself.
   */
  forwardAuthorization?: boolean | undefined;
}

/**
 * One request to the MCP endpoint as the guard sees it. The guard reads the headers first and
 * calls `readBody` only for an authenticated caller, at most once.
 */
export interface McpGuardRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** A header value by lower-case name (repeated headers joined by `, `). */
  header(name: string): string | undefined;
  /** Every header name, lower-case (for the `Mcp-Param-*` rule). */
  readonly headerNames: readonly string[];
  /**
   * Reads the raw body, at most `maxBytes` (more: reject with `PayloadTooLargeError`), or hands
   * over a body a framework parser already parsed as `{ parsed }`.
   */
  readBody(maxBytes: number): Promise<Uint8Array | string | { parsed: unknown } | undefined>;
}

/** The guard's answer: forward the request to the MCP server, or write `response` as it is. */
export type McpGuardOutcome =
  | {
      readonly ok: true;
      /** The caller. */
      readonly auth: AuthContext;
      /** The MCP SDK `AuthInfo` for the transport (`req.auth`, `handleRequest(…, { authInfo })`). */
      readonly authInfo: McpAuthInfo;
      /** The parsed JSON-RPC body (`undefined` without one): pass it to the transport. */
      readonly body: unknown;
      /** Headers the MCP server's answer must carry (CORS for an allowed browser origin). */
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly ok: false;
      /** 401, 403 (step-up, origin), 400 (parse error, header mismatch), 413, 503, 204 (preflight), or the guard's own JSON-RPC answer to a refused call (200). */
      readonly response: HttpResponse;
    };

/** The MCP endpoint guard: one decision per request. */
export interface McpGuard {
  /** The body cap in bytes. */
  readonly maxBodyBytes: number;
  /** The authenticator and challenge builder (the manual API), for adapters that need it. */
  readonly resourceAuth: McpResourceAuth;
  /**
   * Decides one request: `Origin`/`Host` and preflight → authentication from the
   * `Authorization` header (no body read before it) → `requiredScopes` → the body (capped,
   * depth-limited parse) → the 2026-07-28 header rules → every `tools/call` in it. A refusal
   * that scopes can fix is a 403 step-up asking for the scopes this request needs; any other
   * refusal is answered here as the JSON-RPC result the client expects, so the call never
   * reaches the server. Never rejects.
   */
  check(request: McpGuardRequest): Promise<McpGuardOutcome>;
}

// Absent is none; `offline_access` is never a resource scope (SEP-2207).
function checkResourceScopes(value: unknown, where: string): readonly string[] {
  if (value === undefined) return [];
  return Object.freeze(resourceScopes(checkScopes(value, where)));
}

function checkPositive(value: number, where: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TypeError(`${where} must be a positive integer`);
  return value;
}

/** Checks the options every MCP guard face takes; `where` prefixes the TypeError. */
function checkOptions(options: McpGuardOptions, where: string) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${where}: options are required ({ verifier, policy, resourceMetadataUrl })`,
    );
  }
  if (!(options.policy instanceof PolicyEngine)) {
    throw new TypeError(`${where}: policy must be a PolicyEngine (e.g. createDefaultPolicies())`);
  }
  checkTokenVerifier(options.verifier, `${where}: verifier`);
  const metadataUrl = options.resourceMetadataUrl;
  if (typeof metadataUrl !== 'string' && !(metadataUrl instanceof URL)) {
    throw new TypeError(
      `${where}: resourceMetadataUrl is required (server.resourceMetadataUrl); MCP clients discover the authorization server through it`,
    );
  }
  const requiredScopes = checkResourceScopes(options.requiredScopes, `${where}: requiredScopes`);
  if (
    options.forwardAuthorization !== undefined &&
    typeof options.forwardAuthorization !== 'boolean'
  )
    throw new TypeError(`${where}: forwardAuthorization must be a boolean`);
  const challengeScopes = checkResourceScopes(options.challengeScopes, `${where}: challengeScopes`);
  return {
    requiredScopes,
    challengeScopes: [...new Set([...challengeScopes, ...requiredScopes])],
    maxBodyBytes: checkPositive(
      options.maxBodyBytes ?? DEFAULT_MAX_MCP_BODY_BYTES,
      `${where}: maxBodyBytes`,
    ),
    maxJsonDepth: checkPositive(
      options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
      `${where}: maxJsonDepth`,
    ),
  };
}

/** A refusal carrying the request's CORS headers. */
function refusal(response: HttpResponse, cors: Readonly<Record<string, string>>): McpGuardOutcome {
  return { ok: false, response: withHeaders(response, cors) };
}

/** Adds `headers` to a response the guard answers itself. */
function withHeaders(
  response: HttpResponse,
  headers: Readonly<Record<string, string>>,
): HttpResponse {
  return Object.keys(headers).length === 0
    ? response
    : { ...response, headers: { ...response.headers, ...headers } };
}

/** What deciding the tool calls of a request needs from its guard. */
interface CallDeciders {
  readonly policy: PolicyEngine;
  readonly instrumentation: Instrumentation | undefined;
  readonly requiredScopes: readonly string[];
  readonly stepUp: (needed: readonly string[], reason: string, caller: AuthContext) => HttpResponse;
}

/** Decides every `tools/call` of an authenticated request's body. */
function decideCalls(
  guard: CallDeciders,
  auth: AuthContext,
  calls: readonly ToolCall[],
  body: unknown,
  era: ReturnType<typeof mcpEra>,
  traceId: string | undefined,
): HttpResponse | PolicyDecision | undefined {
  const { policy, instrumentation, requiredScopes, stepUp } = guard;
  if (calls.length === 0) return undefined;
  let allowed: PolicyDecision | undefined;
  let needed: string[] | undefined;
  let stepUpReason: string | undefined;
  let denied: Map<ToolCall, DeniedToolResult> | undefined;
  for (const call of calls) {
    const decision = decideInSpan(instrumentation, call, (span) =>
      policy.evaluate(toolCallInput(auth, call.name, call.args, span.traceId ?? traceId)),
    );
    if (decision.allowed) {
      allowed = decision;
      continue;
    }
    // A scope the caller can never be granted is `scope_not_grantable` (no missingScopes):
    // answered inside MCP as decided, the same code the audit event and metrics carry.
    if (decision.missingScopes.length > 0) {
      instrumentation?.count(COUNTER_NAMES.stepUps, { [ATTRIBUTES.toolName]: call.name });
      needed ??= [...requiredScopes];
      needed.push(...decision.missingScopes);
      stepUpReason ??= decision.reason;
    } else {
      denied ??= new Map();
      denied.set(call, createDeniedToolResult(decision));
    }
  }
  if (stepUpReason !== undefined && needed !== undefined) return stepUp(needed, stepUpReason, auth);
  if (denied !== undefined) return deniedCallsResponse(body, denied, era);
  // Every call is allowed: the decision of a single one goes with the request.
  return calls.length === 1 ? allowed : undefined;
}

/**
 * Creates the MCP endpoint guard every adapter runs (Node: `createNodeMcpGuard`, Fetch:
 * `createFetchMcpGuard`, Express/Koa `mcpGuard()`/`mcpAuth()`, fastmcp). The policy is enforced
 * here, at the edge: a server mounted with the guard alone never runs a refused call.
 *
 * @throws TypeError at creation when an option is missing or malformed.
 */
export function createMcpGuard(options: McpGuardOptions, where = 'createMcpGuard'): McpGuard {
  const checked = checkOptions(options, where);
  const { policy, instrumentation } = options;
  observePolicyDecisions(policy, options);
  const resourceAuth = new McpResourceAuth({
    verifier: instrumentVerifier(options.verifier, instrumentation),
    policy,
    resourceMetadataUrl: options.resourceMetadataUrl,
    challengeScopes: checked.challengeScopes,
    realm: options.realm,
    dpop: options.dpop,
  });
  const origins = createOriginPolicy(
    options.cors,
    new URL(String(options.resourceMetadataUrl)),
    where,
  );
  const { maxBodyBytes, maxJsonDepth, requiredScopes } = checked;

  const stepUp = (needed: readonly string[], reason: string, caller: AuthContext): HttpResponse => {
    // Never offline_access: neither requiredScopes nor a policy rule can name it (SEP-2207).
    const scope = [...new Set(needed)];
    return errorResponse(
      new InsufficientScopeError(scope, reason, {
        headers: {
          // A DPoP caller is challenged with the DPoP scheme (RFC 9449 §7.1).
          'WWW-Authenticate': resourceAuth.insufficientScopeChallenge(scope, reason, caller),
        },
      }),
    );
  };

  const deciders: CallDeciders = { policy, instrumentation, requiredScopes, stepUp };

  // Every failure is answered (500/503), never a rejection: no `.catch` layer per request.
  const check = async (
    request: McpGuardRequest,
    span: InstrumentationSpan,
  ): Promise<McpGuardOutcome> => {
    try {
      const method = request.method.toUpperCase();
      const screened = origins.screen(method, request.header);
      if (screened !== undefined) return { ok: false, response: screened };
      const cors = origins.responseHeaders(request.header('origin'));
      const authorization = request.header('authorization');
      let auth: AuthContext;
      try {
        auth = await resourceAuth.authenticateHttpRequest({
          method,
          authorization,
          // Read only with DPoP on: the Bearer path does nothing it did not do before.
          dpop: options.dpop === undefined ? undefined : request.header('dpop'),
        });
      } catch (error) {
        countUnauthorized(instrumentation, error);
        return refusal(errorResponse(error), cors);
      }
      if (!requiredScopes.every((scope) => policy.coversScope(auth.scopes, scope)))
        return refusal(
          stepUp(requiredScopes, 'The access token lacks a scope this endpoint requires', auth),
          cors,
        );
      let parsed: ParsedBody = NO_BODY;
      if (!BODYLESS_METHODS.has(method)) {
        if (declaredTooLarge(request, maxBodyBytes))
          return refusal(errorResponse(new PayloadTooLargeError()), cors);
        let raw: Awaited<ReturnType<McpGuardRequest['readBody']>>;
        try {
          raw = await request.readBody(maxBodyBytes);
        } catch (error) {
          return refusal(errorResponse(error), cors);
        }
        parsed = toParsedBody(raw, maxJsonDepth);
      }
      if (!parsed.ok) return refusal(parseErrorResponse(parsed.reason, maxJsonDepth), cors);
      const body = parsed.value;
      const era = mcpEra(request.header, body);
      const mismatch = headerMismatch(request.header, request.headerNames, body, era);
      if (mismatch !== undefined) return refusal(headerMismatchResponse(body, mismatch), cors);
      const calls = findToolCalls(body);
      const decided = decideCalls(deciders, auth, calls, body, era, span.traceId);
      if (decided !== undefined && !('allowed' in decided)) return refusal(decided, cors);
      // Only a call a rate limit matches is counted (and only then is there a store to wait for).
      const counting = limitToolCalls(policy, auth, calls, options.audit, span.traceId);
      const limited = counting === undefined ? undefined : await counting;
      if (limited !== undefined) return refusal(rateLimitedResponse(body, limited, era), cors);
      // The token is only needed for the SDK's AuthInfo; it was valid a moment ago.
      // The in-server check then records only what it decides differently (one audit event per
      // call): `extra.decidedAtEdge`.
      // (A literal key, not `[DECIDED_AT_EDGE]`: a computed key is defined by a runtime call.)
      const edgeExtra: EdgeExtra = { auth, decidedAtEdge: true };
      const authInfo = buildAuthInfo(auth, acceptedCredentials(authorization ?? ''), edgeExtra);
      if (decided !== undefined)
        (authInfo as MarkedAuthInfo)[EDGE_ALLOWED] = {
          policy,
          tool: calls[0]!.name,
          decision: decided,
        };
      // With DPoP nonces on, every answer hands the client the current one (RFC 9449 §8.2).
      const nonce = resourceAuth.dpopNonce();
      const headers = nonce === undefined ? cors : { ...cors, 'DPoP-Nonce': await nonce };
      return { ok: true, auth, authInfo, body, headers };
    } catch (error) {
      return { ok: false, response: errorResponse(error) };
    }
  };

  return {
    maxBodyBytes,
    resourceAuth,
    check: (request) =>
      instrumentation === undefined
        ? check(request, NOOP_SPAN)
        : guardSpan(instrumentation, request.header, (span) => check(request, span)).catch(
            (error: unknown) => ({ ok: false, response: errorResponse(error) }),
          ),
  };
}

/**
 * The one denied result every adapter returns for a refused `tools/call`:
 * `{ content: [{ type: 'text', text: 'Access denied (<code>): <reason>' }], isError: true }`.
 */
export function createDeniedToolResult(decision: {
  readonly code: string;
  readonly reason: string;
}): DeniedToolResult {
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

/** Options of {@link authorizeMcpToolCall}. */
export interface AuthorizeMcpToolCallOptions {
  /**
   * The request passed the MCP endpoint guard, which already decided and audited this call
   * ({@link isDecidedAtEdge}): an allowed call is not recorded again, a refusal (on the
   * arguments the tool's schema produced) is.
   */
  readonly decidedAtEdge?: boolean;
  /**
   * The request's `AuthInfo`, as the MCP endpoint guard handed it on. When that guard allowed
   * this very tool with this very policy ({@link isAllowedAtEdge}) and no rule for the tool has
   * an `args` condition, arguments cannot change the answer: the edge's decision is returned
   * without asking the policy again. Implies `decidedAtEdge` when the guard let it through.
   */
  readonly authInfo?: unknown;
}

/**
 * Authorizes a `tools/call` inside the MCP layer (the SDK's `extra.authInfo`, fastmcp's
 * session…), on the arguments the tool will receive. Without a caller it is refused with code
 * `unauthenticated`. Emits the audit event (once per call, see `options.decidedAtEdge`).
 */
export function authorizeMcpToolCall(
  policy: PolicyEngine,
  auth: AuthContext | undefined,
  tool: string,
  args?: unknown,
  options: AuthorizeMcpToolCallOptions = {},
): McpToolCallAuthorization {
  if (auth === undefined || auth === null)
    return {
      allowed: false,
      decision: undefined,
      result: createDeniedToolResult({
        code: 'unauthenticated',
        reason: 'no authenticated caller',
      }),
    };
  if (options.authInfo !== undefined) {
    const allowance = edgeAllowance(options.authInfo, policy, tool);
    if (
      allowance !== undefined &&
      (options.authInfo as McpAuthInfo).extra?.['auth'] === auth &&
      !policy.hasArgumentConditions(tool)
    )
      return { allowed: true, auth, decision: allowance.decision };
  }
  const callArgs =
    typeof args === 'object' && args !== null && !Array.isArray(args)
      ? (args as Record<string, unknown>)
      : undefined;
  const quiet =
    options.decidedAtEdge ?? (options.authInfo !== undefined && isDecidedAtEdge(options.authInfo));
  let decision = policy.evaluate(toolCallInput(auth, tool, callArgs, undefined, !quiet));
  if (decision.allowed) return { allowed: true, auth, decision };
  // The edge allowed what the server refuses (schema-parsed arguments): that is recorded.
  if (quiet) decision = policy.evaluate(toolCallInput(auth, tool, callArgs));
  return { allowed: false, decision, result: createDeniedToolResult(decision) };
}

/**
 * The in-server rate-limit count of one `tools/call` (`protectMcpServer`): `undefined` at once
 * when there is nothing to count — no limit matches `tool`, no caller, the MCP endpoint guard
 * counted this request already (`isDecidedAtEdge(authInfo)`: each call is counted once), or the
 * caller may not call `tool` whatever the arguments (the decision refuses it; no quota used) —
 * else {@link checkToolRateLimit}'s answer.
 */
export function countInServerToolCall(
  policy: PolicyEngine,
  auth: AuthContext | undefined,
  tool: string,
  authInfo: unknown,
): Promise<RateLimitRefusal | undefined> | undefined {
  if (
    auth === undefined ||
    policy.rateLimitsFor(tool).length === 0 ||
    isDecidedAtEdge(authInfo) ||
    !policy.isVisible(tool, auth)
  )
    return undefined;
  return checkToolRateLimit(policy, auth, tool);
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

/** A `Content-Length` over the cap: refused before a byte of the body is read. */
function declaredTooLarge(request: McpGuardRequest, maxBodyBytes: number): boolean {
  const declared = Number(request.header('content-length') ?? '0');
  return Number.isFinite(declared) && declared > maxBodyBytes;
}

/** The body as read — raw bytes or text (parsed here, depth-limited) or a framework's `{ parsed }`. */
function toParsedBody(
  raw: Awaited<ReturnType<McpGuardRequest['readBody']>>,
  maxJsonDepth: number,
): ParsedBody {
  return raw !== undefined && typeof raw === 'object' && !(raw instanceof Uint8Array)
    ? { ok: true, value: raw.parsed }
    : parseJsonBody(raw, maxJsonDepth);
}

/**
 * Decides one `tools/call` in a `mcp_auth.policy.decision` span, child of the call's
 * `params._meta.traceparent` when it has one (SEP-414: the decision joins the caller's trace),
 * else of the guard's span.
 */
function decideInSpan(
  instrumentation: Instrumentation | undefined,
  call: ToolCall,
  decide: (span: InstrumentationSpan) => PolicyDecision,
): PolicyDecision {
  if (instrumentation === undefined) return decide(NOOP_SPAN);
  const options = {
    attributes: {
      // A name outside the tool-name alphabet (or 4 MiB long) is refused; it is not exported.
      [ATTRIBUTES.toolName]: isValidToolName(call.name) ? call.name : '_invalid',
      [ATTRIBUTES.mcpMethod]: 'tools/call',
    },
    parent: call.traceContext,
  };
  return instrumentation.inSpan(SPAN_NAMES.policyDecision, options, (span) => {
    const decision = decide(span);
    span.setAttribute(ATTRIBUTES.effect, decision.effect);
    span.setAttribute(ATTRIBUTES.code, decision.code);
    if (decision.ruleId !== undefined) span.setAttribute(ATTRIBUTES.ruleId, decision.ruleId);
    return decision;
  });
}
