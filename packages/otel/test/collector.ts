// Real OpenTelemetry SDK pipelines into memory, for tests: spans through InMemorySpanExporter,
// metrics through InMemoryMetricExporter (collected on demand), and the AsyncLocalStorage
// context manager so that spans started inside a span are its children.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createOpenTelemetryInstrumentation } from '../src/index.js';

/** One data point of a metric: its attributes and value (a number, or a histogram's count). */
export interface MetricPoint {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: number;
}

export function createTelemetryCollector() {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 24 * 3600 * 1000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = createOpenTelemetryInstrumentation({ tracerProvider, meterProvider });
  return {
    instrumentation,
    /** A tracer of the same provider, for the test's own "caller" spans. */
    tracer: tracerProvider.getTracer('test-caller'),
    spans(): ReadableSpan[] {
      return spanExporter.getFinishedSpans();
    },
    /** Every metric collected so far, by name. */
    async metrics(): Promise<Map<string, MetricPoint[]>> {
      await reader.forceFlush();
      const all = metricExporter.getMetrics();
      const last = all[all.length - 1];
      const out = new Map<string, MetricPoint[]>();
      for (const scope of last?.scopeMetrics ?? []) {
        for (const metric of scope.metrics) {
          const points = metric.dataPoints.map((point) => ({
            attributes: point.attributes,
            value:
              typeof point.value === 'number'
                ? point.value
                : (point.value as { count: number }).count,
          }));
          out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...points]);
        }
      }
      return out;
    },
    /** Everything exported, as one string: to scan for credentials. */
    async exportedText(): Promise<string> {
      const spans = spanExporter.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
        links: span.links,
      }));
      await reader.forceFlush();
      return JSON.stringify({ spans, metrics: metricExporter.getMetrics() });
    },
    reset(): void {
      spanExporter.reset();
    },
    async close(): Promise<void> {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}

export type TelemetryCollector = ReturnType<typeof createTelemetryCollector>;
