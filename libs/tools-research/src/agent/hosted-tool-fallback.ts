import {
  HostedToolUnsupportedError,
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
} from '@agent-mcp/agent-core';

/** Which hosted tools a provider refused during one run. */
export interface HostedToolRefusals {
  /** True once a model refused a hosted tool and the run went on without it. */
  readonly refused: boolean;
}

/**
 * Wraps `provider` for one run: when its model refuses a hosted tool (a gateway or provider other than the one
 * the settings describe says so before sending anything), the same turn is asked again without the hosted tools,
 * and so is every later turn. One run, one thread, one account of progress: a second run would start all of it
 * over. Other failures pass through unchanged.
 */
export function withHostedToolFallback(provider: ModelProvider): {
  readonly provider: ModelProvider;
  readonly refusals: HostedToolRefusals;
} {
  const state = { refused: false };
  return {
    refusals: state,
    provider: {
      getModel: async (name) => new HostedToolFallbackModel(await provider.getModel(name), state),
    },
  };
}

const isRefusal = (error: unknown, request: ModelRequest) =>
  request.tools.some((t) => t.type === 'hosted') && error instanceof HostedToolUnsupportedError;

const functionToolsOnly = (request: ModelRequest): ModelRequest => ({
  ...request,
  tools: request.tools.filter((t) => t.type === 'function'),
});

class HostedToolFallbackModel implements Model {
  constructor(
    private readonly inner: Model,
    private readonly state: { refused: boolean },
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    if (this.state.refused) return this.inner.getResponse(functionToolsOnly(request));
    try {
      return await this.inner.getResponse(request);
    } catch (error) {
      if (!isRefusal(error, request)) throw error;
      this.state.refused = true;
      return this.inner.getResponse(functionToolsOnly(request));
    }
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    if (!this.state.refused) {
      const events = this.inner.getStreamedResponse(request)[Symbol.asyncIterator]();
      let step: IteratorResult<ModelStreamEvent> | undefined;
      try {
        step = await events.next();
      } catch (error) {
        // The adapters refuse while building the request, so nothing was streamed yet.
        if (!isRefusal(error, request)) throw error;
        this.state.refused = true;
      }
      if (step) {
        try {
          for (; !step.done; step = await events.next()) yield step.value;
        } finally {
          if (!step.done) await events.return?.();
        }
        return;
      }
    }
    yield* this.inner.getStreamedResponse(functionToolsOnly(request));
  }
}
