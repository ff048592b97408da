import {
  type Attributes,
  context,
  type Context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import { McpCoreError } from './errors';
import { type TransportInfo } from './pipeline';

// Only the OpenTelemetry API: a no-op until an app registers an SDK, so a server without tracing pays for a
// non-recording span per request and nothing else.
const tracer = trace.getTracer('@agent-mcp/mcp-core', '0.1.0');

type Carrier = Readonly<Record<string, unknown>>;
const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    return Array.isArray(value) && typeof value[0] === 'string' ? (value[0] as string) : undefined;
  },
};

/**
 * The trace context a request continues: W3C `traceparent`/`tracestate` from the request's `_meta` (what MCP
 * clients on any transport send), else from the HTTP headers.
 */
export function incomingContext(
  params: Readonly<Record<string, unknown>> | undefined,
  transport: TransportInfo,
): Context {
  const meta = params?._meta;
  if (meta && typeof meta === 'object' && typeof (meta as Carrier).traceparent === 'string') {
    return propagation.extract(context.active(), meta as Carrier, getter);
  }
  if (transport.headers?.traceparent !== undefined)
    return propagation.extract(context.active(), transport.headers, getter);
  return context.active();
}

/** A request span's attributes, the method's name first. */
export type RequestSpanAttributes = Attributes & { 'mcp.method.name': string };

/**
 * Starts the server span of one MCP request, named as OpenTelemetry's MCP conventions ask (`tools/call sql_query`).
 * `attributes` are the span's as they are (built by the caller, `mcp.method.name` first: no copy per request).
 */
export function startRequestSpan(
  parent: Context,
  method: string,
  target: string | undefined,
  attributes: RequestSpanAttributes,
): Span {
  return tracer.startSpan(target ? `${method} ${target}` : method, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Marks a span failed with the error's kind and code, without its message (it may quote the caller's input). */
export function recordFailure(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | undefined)?.code;
  const type =
    error instanceof McpCoreError || typeof code === 'string'
      ? String(code)
      : error instanceof Error
        ? error.name
        : 'error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/**
 * Runs `fn` inside a child span of the active one, when the active span records; otherwise just runs it.
 * The span ends when `fn` settles.
 */
export function inChildSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  // Untraced (the usual case), `fn`'s own promise: an async wrapper would settle two microtask turns after it.
  if (!trace.getSpan(context.active())?.isRecording()) {
    try {
      return fn();
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return inSpan(name, attributes, fn);
}

async function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** A span for one pipeline stage, ended when the stage hands on (`next`) or settles; none when not recording. */
export function startStageSpan(name: string): Span | undefined {
  if (!trace.getSpan(context.active())?.isRecording()) return undefined;
  return tracer.startSpan(`mcp.pipeline ${name}`, { attributes: { 'mcp.pipeline.stage': name } });
}

export { context, trace };
