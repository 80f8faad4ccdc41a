import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** The instrumentation scope of every span this service makes. */
const SCOPE = 'discussion-orchestrator';

/** Spans are made through the global API: a no-op until `startTracing` registers a provider. */
export const tracer = (): Tracer => trace.getTracer(SCOPE);

export interface Tracing {
  readonly enabled: boolean;
  /** Sends the spans still buffered and stops exporting; the last app of the process to stop unregisters the provider. */
  shutdown(): Promise<void>;
}

// One provider per process (the API is global); apps built in one process (tests) share it.
let shared: { provider: NodeTracerProvider; users: number } | undefined;

const DISABLED: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Registers an OTLP/HTTP exporter when an endpoint is configured: spans are
 * batched and sent to `<endpoint>/v1/traces` as JSON. W3C trace context is the
 * propagator, so a caller's `traceparent` header joins its trace.
 */
export function startTracing(
  { endpoint, serviceName }: Config['tracing'],
  { role, logger }: { role: Config['role']; logger: Logger },
): Tracing {
  if (!endpoint) return DISABLED;
  if (!shared) {
    const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: serviceName,
        [ATTR_SERVICE_VERSION]: process.env.npm_package_version ?? 'unknown',
        // The process's role tells the API's spans from the worker's in one trace.
        'service.role': role,
        'process.pid': process.pid,
      }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    provider.register();
    shared = { provider, users: 0 };
    // The URL only: a collector's credentials go in OTEL_EXPORTER_OTLP_HEADERS, which is never logged.
    logger.info({ endpoint: new URL(endpoint).origin, serviceName }, 'tracing: spans go to the OTLP/HTTP endpoint');
  }
  const current = shared;
  current.users += 1;
  let stopped = false;
  return {
    enabled: true,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) {
        await current.provider.forceFlush();
        return;
      }
      if (shared === current) shared = undefined;
      await current.provider.shutdown();
      for (const api of [trace, context, propagation]) api.disable();
    },
  };
}
