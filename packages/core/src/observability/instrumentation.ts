/**
 * The instrumentation port: what core tells a tracing and metrics backend. Core has no
 * dependency on one; `@mcp-auth/otel` implements this port with `@opentelemetry/api`. Without
 * an implementation nothing is built per request (call sites skip the span when the port is
 * `undefined`).
 *
 * Attributes never carry a token, code, secret, verifier or assertion: only names (tool,
 * client id, subject, grant type, route), outcomes and codes.
 */

/** An attribute value: what OpenTelemetry accepts as a primitive attribute. */
export type TelemetryValue = string | number | boolean;

/** Attributes of a span or a metric record; `undefined` entries are left out. */
export type TelemetryAttributes = { readonly [name: string]: TelemetryValue | undefined };

/**
 * A W3C trace context as carried by an HTTP request (`traceparent`/`tracestate` headers) or an
 * MCP message (`params._meta.traceparent`/`tracestate`, SEP-414). Checked by
 * {@link parseTraceContext} before core hands it on.
 */
export interface TraceContextCarrier {
  /** `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

/** The span core is running in (see {@link Instrumentation.inSpan}). */
export interface InstrumentationSpan {
  /** Sets one attribute (never a credential: core only passes names, outcomes and codes). */
  setAttribute(name: string, value: TelemetryValue): void;
  /**
   * Marks the span failed. Implementations record the error's class and stable code
   * (`err.code`, else `err.name`), never its message.
   */
  recordError(error: unknown): void;
  /** The W3C trace id of the span (32 lower-case hex), or `undefined` when not recorded. */
  readonly traceId: string | undefined;
}

/** Options of one span. */
export interface SpanOptions {
  /** Attributes known when the span starts. */
  readonly attributes?: TelemetryAttributes | undefined;
  /**
   * The caller's trace context: the span is its child (joining the caller's trace). Without
   * it the span is a child of the active span, if the backend tracks one.
   */
  readonly parent?: TraceContextCarrier | undefined;
}

/**
 * The tracing and metrics port. `@mcp-auth/otel`'s `createOpenTelemetryInstrumentation()`
 * implements it; an application can implement it for another backend.
 */
export interface Instrumentation {
  /**
   * Runs `fn` in a span named `name` and ends the span when `fn` returns or, for a promise,
   * settles (a rejection is recorded with {@link InstrumentationSpan.recordError} first). Spans
   * started inside `fn` are its children. Returns what `fn` returns.
   */
  inSpan<T>(name: SpanName, options: SpanOptions, fn: (span: InstrumentationSpan) => T): T;
  /** Adds `value` (default 1) to the counter `name`. */
  count(name: CounterName, attributes?: TelemetryAttributes, value?: number): void;
  /** Records one value of the histogram `name` (durations in seconds). */
  record(name: HistogramName, value: number, attributes?: TelemetryAttributes): void;
  /** The trace id of the active span, if any (for audit events decided outside a span). */
  activeTraceId?(): string | undefined;
}

/** Span names core starts. */
export const SPAN_NAMES = Object.freeze({
  /** An MCP request at the guard: from `Origin`/authentication to the decision. */
  guard: 'mcp_auth.guard',
  /** Bearer token verification (signature, claims, revocation). */
  tokenVerify: 'mcp_auth.token.verify',
  /** The policy decision for one `tools/call` (child of the call's `_meta.traceparent`). */
  policyDecision: 'mcp_auth.policy.decision',
  /** One authorization-server endpoint (`http.route`). */
  endpoint: 'mcp_auth.endpoint',
  /** Token issuance at the token endpoint (`mcp_auth.grant_type`). */
  tokenIssue: 'mcp_auth.token.issue',
  /** One store call (`mcp_auth.store.operation`, `mcp_auth.store.namespace`). */
  store: 'mcp_auth.store',
} as const);

/** Counter names core records. */
export const COUNTER_NAMES = Object.freeze({
  /** Policy decisions by tool, effect and reason code. */
  decisions: 'mcp_auth.decisions',
  /** 403 `insufficient_scope` step-up challenges, by tool. */
  stepUps: 'mcp_auth.step_ups',
  /** 401 answers, by cause (`missing_token`, an `ERR_JWT_*` code, `invalid_token`). */
  unauthorized: 'mcp_auth.unauthorized',
  /** Tokens issued by the token endpoint, by grant type. */
  tokensIssued: 'mcp_auth.tokens.issued',
  /** Store calls that failed, by operation and error type. */
  storeErrors: 'mcp_auth.store.errors',
} as const);

/** Histogram names core records. */
export const HISTOGRAM_NAMES = Object.freeze({
  /** Store call latency in seconds, by operation. */
  storeDuration: 'mcp_auth.store.duration',
} as const);

/** A span name of {@link SPAN_NAMES}. */
export type SpanName = (typeof SPAN_NAMES)[keyof typeof SPAN_NAMES];
/** A counter name of {@link COUNTER_NAMES}. */
export type CounterName = (typeof COUNTER_NAMES)[keyof typeof COUNTER_NAMES];
/** A histogram name of {@link HISTOGRAM_NAMES}. */
export type HistogramName = (typeof HISTOGRAM_NAMES)[keyof typeof HISTOGRAM_NAMES];

/** Attribute names core sets (OpenTelemetry semantic conventions where one exists). */
export const ATTRIBUTES = Object.freeze({
  toolName: 'mcp.tool.name',
  mcpMethod: 'mcp.method.name',
  subject: 'enduser.id',
  clientId: 'mcp_auth.client_id',
  effect: 'mcp_auth.decision.effect',
  code: 'mcp_auth.decision.code',
  ruleId: 'mcp_auth.decision.rule_id',
  outcome: 'mcp_auth.outcome',
  cause: 'mcp_auth.cause',
  grantType: 'mcp_auth.grant_type',
  storeOperation: 'mcp_auth.store.operation',
  storeNamespace: 'mcp_auth.store.namespace',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  errorType: 'error.type',
} as const);

/** The span {@link runInSpan} passes when there is no instrumentation: every method a no-op. */
export const NOOP_SPAN: InstrumentationSpan = Object.freeze({
  setAttribute() {},
  recordError() {},
  traceId: undefined,
});

/**
 * Runs `fn` in a span of `instrumentation`, or directly (with {@link NOOP_SPAN}) when there is
 * none: the one way core call sites start spans.
 */
export function runInSpan<T>(
  instrumentation: Instrumentation | undefined,
  name: SpanName,
  options: SpanOptions,
  fn: (span: InstrumentationSpan) => T,
): T {
  return instrumentation === undefined ? fn(NOOP_SPAN) : instrumentation.inSpan(name, options, fn);
}

/** The stable type of an error for `error.type`: its `code` when a string, else its `name`. */
export function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[\w.-]{1,64}$/.test(name)) return name;
  }
  return 'unknown';
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-[^\s]*)?$/;
const TRACESTATE_MAX = 512;

/**
 * Checks a W3C `traceparent` (and optional `tracestate`) from a header or an MCP `_meta`:
 * version `ff` and all-zero ids are refused, an over-long or non-string `tracestate` is
 * dropped. `undefined` when there is no valid trace context.
 */
export function parseTraceContext(
  traceparent: unknown,
  tracestate?: unknown,
): TraceContextCarrier | undefined {
  if (typeof traceparent !== 'string' || traceparent.length > 256) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  // Version 00 has exactly four fields; a later version may add more (W3C §3.2.4).
  if (version === '00' && match[0].length !== 55) return undefined;
  const state =
    typeof tracestate === 'string' && tracestate.length <= TRACESTATE_MAX ? tracestate : undefined;
  return { traceparent: match[0].slice(0, 55), tracestate: state };
}
