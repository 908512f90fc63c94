/**
 * `@mcp-auth/core/observability`: tracing, metrics and the audit trail. The `Instrumentation`
 * port (implemented with OpenTelemetry by `@mcp-auth/otel`) and the span, metric and attribute
 * names core uses; `createAuditTrail` with its sinks, hash chain and `verifyAuditLog`;
 * `observePolicyDecisions` and `instrumentStore` for setups without the authorization server.
 * The Node file sink is `@mcp-auth/core/audit-file`. See `docs/observability.md`.
 * @packageDocumentation
 */
export {
  AUDIT_GENESIS,
  ATTRIBUTES,
  type AuditChainHead,
  type AuditDetailValue,
  type AuditEvent,
  type AuditEventInput,
  type AuditEventType,
  type AuditLogProblem,
  type AuditLogVerification,
  type AuditRecorder,
  type AuditSink,
  type AuditTrail,
  type AuditTrailOptions,
  auditEventHash,
  COUNTER_NAMES,
  type CounterName,
  canonicalJson,
  consoleAuditSink,
  createAuditTrail,
  HISTOGRAM_NAMES,
  type HistogramName,
  type Instrumentation,
  type InstrumentationSpan,
  parseTraceContext,
  SPAN_NAMES,
  type SpanName,
  type SpanOptions,
  type TelemetryAttributes,
  type TelemetryValue,
  type TraceContextCarrier,
  verifyAuditLog,
} from './observability/index.js';
export { observePolicyDecisions, type PolicyObservers, UNMATCHED_TOOL } from './policy/observe.js';
export { instrumentStore, storeKeyNamespace } from './store/instrumented-store.js';
