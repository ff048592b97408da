import { type Attributes, context, type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

// Only the OpenTelemetry API: spans are no-ops until an app registers an SDK.
const tracer = trace.getTracer('@agent-mcp/agent-core', '0.1.0');

/**
 * Spans of one run, after OpenTelemetry's GenAI conventions: `invoke_agent <agent>` for the run, `agent.turn` for
 * each model turn with the tools it called, `chat <model>` for each model request attempt and `execute_tool <tool>`
 * for each tool. Cheap when tracing is off: nothing is started unless the caller's span records.
 */
export class RunTrace {
  private readonly run: Span | undefined;
  private readonly runContext: Context;
  private turn: Span | undefined;
  private turnContext: Context;

  constructor(agent: string, runId: string) {
    const parent = context.active();
    this.run = trace.getSpan(parent)?.isRecording()
      ? tracer.startSpan(
          `invoke_agent ${agent}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: {
              'gen_ai.operation.name': 'invoke_agent',
              'gen_ai.agent.name': agent,
              'gen_ai.conversation.id': runId,
            },
          },
          parent,
        )
      : undefined;
    this.runContext = this.run ? trace.setSpan(parent, this.run) : parent;
    this.turnContext = this.runContext;
  }

  /** Ends the previous turn's span and starts the next. */
  startTurn(turn: number, agent: string): void {
    this.turn?.end();
    if (!this.run) return;
    this.turn = tracer.startSpan(
      'agent.turn',
      { attributes: { 'gen_ai.agent.name': agent, 'agent.turn': turn } },
      this.runContext,
    );
    this.turnContext = trace.setSpan(this.runContext, this.turn);
  }

  /** Runs `fn` with the current turn as the active span, so model requests, tools and what they do nest under it. */
  inTurn<T>(fn: () => Promise<T>): Promise<T> {
    return this.run ? context.with(this.turnContext, fn) : fn();
  }

  /** Ends the run's spans; `error` marks them failed with its code. */
  end(error?: { readonly code: string }): void {
    for (const span of [this.turn, this.run]) {
      if (!span) continue;
      if (error) {
        span.setAttribute('error.type', error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      }
      span.end();
    }
    this.turn = undefined;
  }
}

/** A child span of the active span (a model request, a tool), or undefined when tracing is off. */
export function startChildSpan(
  name: string,
  attributes: Attributes,
  kind: 'client' | 'internal' = 'internal',
): Span | undefined {
  if (!trace.getSpan(context.active())?.isRecording()) return undefined;
  return tracer.startSpan(name, { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes });
}

/** Runs `fn` with `span` active (nested work becomes its children) when there is one. */
export function withSpan<T>(span: Span | undefined, fn: () => Promise<T>): Promise<T> {
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

/** Ends a span, marked failed with `errorType` when given. */
export function endSpan(span: Span | undefined, errorType?: string): void {
  if (!span) return;
  if (errorType) {
    span.setAttribute('error.type', errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
  span.end();
}
