/** What {@link startTracing} started: flush and stop it at shutdown. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. Unset: no tracing. */
  readonly endpoint: string | undefined;
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** Longest wait before a batch of spans is sent (`OTEL_BSP_SCHEDULE_DELAY`). */
  readonly scheduleDelayMs: number;
}

/**
 * Registers the OpenTelemetry SDK (W3C trace context, AsyncLocalStorage context, batched OTLP/HTTP export) when
 * an endpoint is configured. The SDK is imported only then: without an endpoint nothing is loaded, nothing is sent,
 * and the libraries' spans stay the API's no-ops.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!options.endpoint) return undefined;
  const [
    api,
    { TracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { AsyncLocalStorageContextManager },
    core,
    { resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.serviceVersion,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.scheduleDelayMs })],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  api.trace.setGlobalTracerProvider(provider);
  return {
    shutdown: () => provider.shutdown(),
  };
}
