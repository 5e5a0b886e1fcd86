import { trace } from '@opentelemetry/api';
import { NodeTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';

/** When the standard OTEL_* variables ask for an OTLP exporter (an endpoint set, or `otlp` named). */
export function otlpExportWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  // The spec's default exporter is otlp, but sending to a collector nobody runs would only log
  // errors: without an endpoint we export only when asked by name.
  return exporter === 'otlp' || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

let started: NodeTracerProvider | undefined;

/**
 * Registers W3C trace-context propagation, an AsyncLocalStorage context manager and a tracer
 * provider, so each request gets a real span (new span id, the caller's trace id) whose
 * traceparent goes on to ai-generate and into the events. Spans are exported only when the OTEL_*
 * variables ask for it; the exporter module is loaded only then. `OTEL_SDK_DISABLED=true` keeps the
 * API's no-op (incoming traceparents are then passed on unchanged).
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): { shutdown(): Promise<void> } {
  if (env.OTEL_SDK_DISABLED === 'true') return { shutdown: async () => undefined };
  if (!started) {
    const spanProcessors: SpanProcessor[] = [];
    if (otlpExportWanted(env)) {
      // Loaded lazily: the exporter and its protobuf machinery cost start-up time nobody asked for.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
      spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    }
    started = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
      spanProcessors,
    });
    started.register();
  }
  const provider = started;
  return { shutdown: () => provider.shutdown() };
}

export const tracer = () => trace.getTracer('parley');
