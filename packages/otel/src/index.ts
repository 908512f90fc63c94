/**
 * `@mcp-auth/otel`: OpenTelemetry for mcp-auth. `createOpenTelemetryInstrumentation()` is the
 * `Instrumentation` to pass to `createAuthorizationServer({ instrumentation })` and the guards:
 * spans for token verification, policy decisions (joining the caller's trace through MCP
 * `_meta.traceparent`), authorization-server endpoints, token issuance and store calls, and
 * the decision, step-up, 401, issuance and store metrics. Uses `@opentelemetry/api` only
 * (a peer dependency); the application sets up the SDK and exporters.
 * @packageDocumentation
 */
export {
  createOpenTelemetryInstrumentation,
  INSTRUMENTATION_NAME,
  type OpenTelemetryInstrumentationOptions,
} from './instrumentation.js';
