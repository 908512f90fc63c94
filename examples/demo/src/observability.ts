// The demo's traces, metrics and audit trail, from the environment: OpenTelemetry's own
// variables (OTEL_TRACES_EXPORTER=console, OTEL_EXPORTER_OTLP_ENDPOINT, …) start the
// OpenTelemetry Node SDK; MCP_AUTH_AUDIT_FILE=path writes the hash-chained audit trail.
import { resolve } from 'node:path';
import { createFileAuditSink } from '@mcp-auth/core/audit-file';
import {
  type AuditTrail,
  createAuditTrail,
  type Instrumentation,
} from '@mcp-auth/core/observability';
import { createOpenTelemetryInstrumentation } from '@mcp-auth/otel';

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment turned on. */
export interface DemoObservability {
  /** Set when an `OTEL_*` exporter is configured. */
  readonly instrumentation: Instrumentation | undefined;
  /** Set with `MCP_AUTH_AUDIT_FILE`. */
  readonly audit: AuditTrail | undefined;
  /** One line per setting, for the banner. */
  readonly summary: readonly string[];
  /** Flushes the audit file and the exporters. */
  close(): Promise<void>;
}

function set(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Whether the OpenTelemetry SDK should start: a traces or metrics exporter other than `none`,
 * or an OTLP endpoint.
 */
export function otelRequested(env: Env): boolean {
  const exporter = (name: string) => {
    const value = set(env, name);
    return value !== undefined && value !== 'none';
  };
  return (
    exporter('OTEL_TRACES_EXPORTER') ||
    exporter('OTEL_METRICS_EXPORTER') ||
    set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ||
    set(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined
  );
}

/**
 * `MCP_AUTH_AUDIT_FILE` as an absolute path. A relative path is relative to the directory the
 * command was started in: `pnpm demo` runs the demo in `examples/demo`, but `pnpm mcp-auth
 * audit verify <path>` (and the user) resolve the path from where pnpm was started
 * (`INIT_CWD`), so both must agree.
 */
export function auditFilePath(env: Env): string | undefined {
  const file = set(env, 'MCP_AUTH_AUDIT_FILE');
  return file === undefined ? undefined : resolve(set(env, 'INIT_CWD') ?? process.cwd(), file);
}

/**
 * Starts what `env` asks for. The OpenTelemetry Node SDK reads its variables from
 * `process.env` (the demo passes the same environment); without an OTLP endpoint, metrics and
 * logs exporters default to `none` instead of OTLP on localhost.
 */
export async function startDemoObservability(env: Env): Promise<DemoObservability> {
  const summary: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let instrumentation: Instrumentation | undefined;
  if (otelRequested(env)) {
    const hasOtlp = set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
    if (!hasOtlp) {
      process.env['OTEL_METRICS_EXPORTER'] ??= 'none';
      process.env['OTEL_LOGS_EXPORTER'] ??= 'none';
    }
    // Loaded only when asked for: the SDK and its exporters are large.
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    const sdk = new NodeSDK({ serviceName: set(env, 'OTEL_SERVICE_NAME') ?? 'mcp-auth-demo' });
    sdk.start();
    closers.push(() => sdk.shutdown());
    instrumentation = createOpenTelemetryInstrumentation();
    summary.push(
      `OpenTelemetry     traces ${set(env, 'OTEL_TRACES_EXPORTER') ?? 'otlp'}, metrics ${process.env['OTEL_METRICS_EXPORTER'] ?? 'otlp'}${hasOtlp ? ` → ${set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')}` : ''}`,
    );
  }
  let audit: AuditTrail | undefined;
  const auditFile = auditFilePath(env);
  if (auditFile !== undefined) {
    const sink = createFileAuditSink(auditFile);
    audit = createAuditTrail({ sink, chain: true });
    const trail = audit;
    closers.unshift(async () => {
      await trail.flush();
      await sink.close();
    });
    summary.push(
      `Audit trail       ${auditFile} (hash-chained JSON lines; check: mcp-auth audit verify ${auditFile})`,
    );
  }
  return {
    instrumentation,
    audit,
    summary,
    async close() {
      for (const close of closers) await close().catch(() => {});
    },
  };
}
