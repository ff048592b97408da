import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

// Only the OpenTelemetry API: spans are no-ops until an app registers an SDK.
const tracer = trace.getTracer('@agent-mcp/tools-database', '0.1.0');

/**
 * Runs one statement inside a client span named as OpenTelemetry's database conventions ask (`SELECT`), with the
 * checked SQL text (the caller's or the model's own statement; parameters are never recorded) and the rows
 * returned. Nothing is started unless the caller's span records.
 */
export async function traceStatement<T extends { readonly rowCount: number }>(
  system: 'postgresql' | 'pglite',
  operation: string,
  sql: string,
  run: () => Promise<T>,
): Promise<T> {
  if (!trace.getSpan(context.active())?.isRecording()) return run();
  const span = tracer.startSpan(operation, {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': system === 'postgresql' ? 'postgresql' : 'other_sql',
      'db.operation.name': operation,
      'db.query.text': sql,
    },
  });
  try {
    const result = await context.with(trace.setSpan(context.active(), span), run);
    span.setAttribute('db.response.returned_rows', result.rowCount);
    return result;
  } catch (error) {
    const type = (error as { code?: unknown }).code;
    span.setAttribute('error.type', typeof type === 'string' ? type : error instanceof Error ? error.name : 'error');
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
