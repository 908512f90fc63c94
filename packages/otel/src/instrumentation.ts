import {
  type Attributes,
  type Context,
  type Counter,
  context,
  createTraceState,
  type Histogram,
  isSpanContextValid,
  type Meter,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  COUNTER_NAMES,
  type CounterName,
  HISTOGRAM_NAMES,
  type HistogramName,
  type Instrumentation,
  type InstrumentationSpan,
  parseTraceContext,
  type SpanOptions,
  type TelemetryAttributes,
  type TraceContextCarrier,
} from '@mcp-auth/core/observability';

/** The instrumentation scope name of every span and metric. */
export const INSTRUMENTATION_NAME = '@mcp-auth/otel';

/** Options of {@link createOpenTelemetryInstrumentation}. */
export interface OpenTelemetryInstrumentationOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider | undefined;
  /**
   * Where metrics go. Default: the global meter provider, looked up at each record, so a
   * provider registered after this call is used.
   */
  readonly meterProvider?: MeterProvider | undefined;
  /** The instrumentation scope's version. Default: this package's major.minor. */
  readonly version?: string | undefined;
}

/** What each counter and histogram means, as registered with the meter. */
const DESCRIPTIONS: Readonly<Record<CounterName | HistogramName, [string, string]>> = {
  [COUNTER_NAMES.decisions]: [
    'Policy decisions about tools/call, by tool, effect and reason',
    '{decision}',
  ],
  [COUNTER_NAMES.stepUps]: ['403 insufficient_scope step-up challenges, by tool', '{challenge}'],
  [COUNTER_NAMES.unauthorized]: ['401 answers at the MCP endpoint, by cause', '{response}'],
  [COUNTER_NAMES.tokensIssued]: ['Tokens issued by the token endpoint, by grant type', '{token}'],
  [COUNTER_NAMES.storeErrors]: ['Failed store calls, by operation and error type', '{error}'],
  [HISTOGRAM_NAMES.storeDuration]: ['Store call latency, by operation', 's'],
};

interface Instruments {
  readonly meter: Meter;
  readonly counters: Map<string, Counter>;
  readonly histograms: Map<string, Histogram>;
}

/**
 * The instrumentation port of `@mcp-auth/core` on OpenTelemetry: spans through the tracer
 * provider (children of the active span, or of the caller's W3C trace context when core
 * passes one: `traceparent` header, MCP `_meta.traceparent`), counters and a histogram through
 * the meter provider. Pass it as `instrumentation` to `createAuthorizationServer`, the guards
 * and the adapters' mounts.
 *
 * Errors are recorded by type (`error.type`, span status `ERROR` with that code), never by
 * message; attributes are the names and outcomes core passes, never a credential.
 */
export function createOpenTelemetryInstrumentation(
  options: OpenTelemetryInstrumentationOptions = {},
): Instrumentation {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createOpenTelemetryInstrumentation: options must be an object');
  const version = options.version ?? '0.1';
  let tracer: Tracer | undefined;
  const getTracer = () => {
    // The global provider is a proxy: a provider registered later is still used.
    tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
      INSTRUMENTATION_NAME,
      version,
    );
    return tracer;
  };
  let instruments: Instruments | undefined;
  let instrumentsOf: MeterProvider | undefined;
  const getInstruments = (): Instruments => {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    if (instruments === undefined || instrumentsOf !== provider) {
      instruments = {
        meter: provider.getMeter(INSTRUMENTATION_NAME, version),
        counters: new Map(),
        histograms: new Map(),
      };
      instrumentsOf = provider;
    }
    return instruments;
  };

  return {
    inSpan<T>(name: string, spanOptions: SpanOptions, fn: (span: InstrumentationSpan) => T): T {
      const parent = parentContext(spanOptions.parent);
      const attributes = cleanAttributes(spanOptions.attributes);
      return getTracer().startActiveSpan(name, { attributes }, parent, (span) =>
        runAndEnd(span, fn),
      );
    },
    count(name, attributes, value = 1) {
      const set = getInstruments();
      let counter = set.counters.get(name);
      if (counter === undefined) {
        const [description, unit] = DESCRIPTIONS[name] ?? ['', ''];
        counter = set.meter.createCounter(name, { description, unit });
        set.counters.set(name, counter);
      }
      counter.add(value, cleanAttributes(attributes));
    },
    record(name, value, attributes) {
      const set = getInstruments();
      let histogram = set.histograms.get(name);
      if (histogram === undefined) {
        const [description, unit] = DESCRIPTIONS[name] ?? ['', ''];
        histogram = set.meter.createHistogram(name, { description, unit });
        set.histograms.set(name, histogram);
      }
      histogram.record(value, cleanAttributes(attributes));
    },
    activeTraceId() {
      const active = trace.getActiveSpan()?.spanContext();
      return active !== undefined && isSpanContextValid(active) ? active.traceId : undefined;
    },
  };
}

// The caller's context as the parent (core checked the format), else the active context.
function parentContext(carrier: TraceContextCarrier | undefined): Context {
  const active = context.active();
  const checked =
    carrier === undefined ? undefined : parseTraceContext(carrier.traceparent, carrier.tracestate);
  if (checked === undefined) return active;
  const [, traceId, spanId, flags] = checked.traceparent.split('-');
  let traceState: ReturnType<typeof createTraceState> | undefined;
  if (checked.tracestate !== undefined) {
    try {
      traceState = createTraceState(checked.tracestate);
    } catch {
      traceState = undefined;
    }
  }
  return trace.setSpanContext(active, {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & 1,
    isRemote: true,
    ...(traceState !== undefined ? { traceState } : {}),
  });
}

function cleanAttributes(attributes: TelemetryAttributes | undefined): Attributes {
  const out: Attributes = {};
  if (attributes === undefined) return out;
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

function wrap(span: Span): InstrumentationSpan {
  const spanContext = span.spanContext();
  return {
    setAttribute: (name, value) => {
      span.setAttribute(name, value);
    },
    recordError: (error) => recordError(span, error),
    traceId: isSpanContextValid(spanContext) ? spanContext.traceId : undefined,
  };
}

// The error's stable type only: messages are not attributes (they might quote input).
function recordError(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const type =
    typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)
      ? code
      : typeof name === 'string' && /^[\w.-]{1,64}$/.test(name)
        ? name
        : 'error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

function runAndEnd<T>(span: Span, fn: (span: InstrumentationSpan) => T): T {
  const wrapped = wrap(span);
  let result: T;
  try {
    result = fn(wrapped);
  } catch (error) {
    recordError(span, error);
    span.end();
    throw error;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordError(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
