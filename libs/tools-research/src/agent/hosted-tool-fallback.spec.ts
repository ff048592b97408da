// The hosted-tool fallback recognises a refusal by its type (HostedToolUnsupportedError), never by its message:
// the turn is asked again without hosted tools, and so is every later turn; other failures pass through.
import {
  HostedToolUnsupportedError,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
  UserError,
} from '@agent-mcp/agent-core';
import { withHostedToolFallback } from './hosted-tool-fallback';

const ANSWER: ModelResponse = {
  output: [{ type: 'message', role: 'assistant', content: 'ok' }] as ModelResponse['output'],
  usage: { requests: 1, inputTokens: 1, outputTokens: 1, totalTokens: 2 },
};

/** A model that fails with `refusal` whenever a request carries a hosted tool, recording each request's tools. */
function refusingModel(refusal: Error): Model & { readonly seen: string[][] } {
  const seen: string[][] = [];
  const answer = (request: ModelRequest): ModelResponse => {
    seen.push(request.tools.map((t) => t.name));
    if (request.tools.some((t) => t.type === 'hosted')) throw refusal;
    return ANSWER;
  };
  return {
    name: 'refusing',
    seen,
    getResponse: async (request) => answer(request),
    async *getStreamedResponse(request): AsyncIterable<ModelStreamEvent> {
      answer(request);
      yield { type: 'response_completed', response: ANSWER } as ModelStreamEvent;
    },
  };
}

const request = {
  instructions: undefined,
  input: [],
  tools: [
    { type: 'function', name: 'fetch_url', description: 'Reads a page', parameters: {}, strict: false },
    { type: 'hosted', name: 'web_search', config: {} },
  ],
  outputSchema: undefined,
  settings: {},
  signal: new AbortController().signal,
  timeoutMs: undefined,
} as unknown as ModelRequest;

describe('withHostedToolFallback', () => {
  it('asks a refused turn again without hosted tools, and every later turn too', async () => {
    const inner = refusingModel(new HostedToolUnsupportedError('web_search', 'Not on this server.'));
    const fallback = withHostedToolFallback({ getModel: async () => inner });
    const model = await fallback.provider.getModel(undefined);
    await expect(model.getResponse(request)).resolves.toBe(ANSWER);
    expect(fallback.refusals.refused).toBe(true);
    for await (const event of model.getStreamedResponse(request)) expect(event.type).toBe('response_completed');
    expect(inner.seen).toEqual([['fetch_url', 'web_search'], ['fetch_url'], ['fetch_url']]);
  });

  it('lets any other error through, even one whose message mentions a hosted tool', async () => {
    const other = new UserError('The hosted tool web_search is misconfigured.');
    const fallback = withHostedToolFallback({ getModel: async () => refusingModel(other) });
    const model = await fallback.provider.getModel(undefined);
    await expect(model.getResponse(request)).rejects.toBe(other);
    expect(fallback.refusals.refused).toBe(false);
  });
});
