import type OpenAI from 'openai';
import type {
  Response,
  ResponseCreateParamsBase,
  ResponseInputItem,
  ResponseOutputItem,
  Tool,
} from 'openai/resources/responses/responses';
import { HostedToolUnsupportedError, UpstreamError } from '../errors';
import {
  type AgentItem,
  type Model,
  type ModelOutputItem,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
} from '../model';
import { createUsage } from '../usage';
import { type OpenAIClientHandle } from './client';
import { interrupted, mapOpenAIError, redact } from './map-error';

/** A {@link Model} over the Responses API (`POST /responses`). */
export class OpenAIResponsesModel implements Model {
  readonly name: string;
  readonly #handle: OpenAIClientHandle;

  constructor(handle: OpenAIClientHandle, name: string) {
    this.#handle = handle;
    this.name = name;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const params = this.#params(request);
    const { client, sdk } = await this.#handle.get();
    try {
      const response = await client.responses.create(
        { ...params, stream: false },
        { signal: request.signal, timeout: this.#handle.timeout(request), maxRetries: 0 },
      );
      return convertResponse(response, this.#handle.secrets);
    } catch (err) {
      throw mapOpenAIError(err, sdk, this.#handle.secrets);
    }
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const params = this.#params(request);
    const { client, sdk } = await this.#handle.get();
    let text = '';
    let completed: Response | undefined;
    const doneItems: ResponseOutputItem[] = [];
    let stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>;
    try {
      stream = await client.responses.create(
        { ...params, stream: true },
        { signal: request.signal, timeout: this.#handle.timeout(request), maxRetries: 0 },
      );
    } catch (err) {
      throw mapOpenAIError(err, sdk, this.#handle.secrets);
    }
    try {
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') {
          text += event.delta;
          yield { type: 'text_delta', delta: event.delta };
        } else if (event.type === 'response.output_item.done') {
          doneItems.push(event.item);
        } else if (event.type === 'response.completed' || event.type === 'response.incomplete') {
          completed = event.response;
        } else if (event.type === 'response.failed') {
          completed = event.response;
        }
      }
    } catch (err) {
      const mapped = mapOpenAIError(err, sdk, this.#handle.secrets);
      throw text ? interrupted(mapped, text) : mapped;
    }
    if (!completed) throw interrupted(undefined, text);
    // Some compatible servers send a terminal event without the output list; the items seen are the same.
    if (completed.output.length === 0 && doneItems.length > 0) completed = { ...completed, output: doneItems };
    yield { type: 'response_completed', response: convertResponse(completed, this.#handle.secrets) };
  }

  #params(request: ModelRequest): ResponseCreateParamsBase {
    const s = request.settings;
    const params: ResponseCreateParamsBase = {
      model: this.name,
      input: request.input.map(toInputItem),
    };
    if (request.instructions) params.instructions = request.instructions;
    if (request.tools.length > 0) params.tools = request.tools.map((t) => this.#tool(t));
    if (request.outputSchema) {
      params.text = {
        format: {
          type: 'json_schema',
          name: request.outputSchema.name,
          schema: { ...request.outputSchema.schema },
          strict: request.outputSchema.strict,
        },
      };
    }
    if (s.temperature !== undefined) params.temperature = s.temperature;
    if (s.topP !== undefined) params.top_p = s.topP;
    if (s.maxOutputTokens !== undefined) params.max_output_tokens = s.maxOutputTokens;
    if (s.parallelToolCalls !== undefined) params.parallel_tool_calls = s.parallelToolCalls;
    if (s.reasoningEffort !== undefined) params.reasoning = { effort: s.reasoningEffort };
    if (s.toolChoice !== undefined) {
      params.tool_choice =
        s.toolChoice === 'auto' || s.toolChoice === 'required' || s.toolChoice === 'none'
          ? (s.toolChoice as 'auto' | 'required' | 'none')
          : { type: 'function', name: s.toolChoice };
    }
    return params;
  }

  #tool(t: ModelRequest['tools'][number]): Tool {
    if (t.type === 'function') {
      return {
        type: 'function',
        name: t.name,
        description: t.description,
        parameters: { ...t.parameters },
        strict: t.strict,
      };
    }
    if (!this.#handle.hostedTools) {
      throw new HostedToolUnsupportedError(
        t.name,
        `The hosted tool "${t.name}" needs the Responses API on OpenAI (api.openai.com); the configured server ` +
          'may not support it. Set hostedTools: true in the provider options if it does.',
      );
    }
    return { type: t.name, ...t.config } as Tool;
  }
}

function toInputItem(item: AgentItem): ResponseInputItem {
  switch (item.type) {
    case 'message':
      return { type: 'message', role: item.role, content: item.content };
    case 'function_call':
      return { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.callId, output: item.output };
    case 'hosted_tool_call':
      return item.providerData as unknown as ResponseInputItem;
  }
}

function convertResponse(response: Response, secrets: readonly string[]): ModelResponse {
  if (response.status === 'failed') {
    throw mapFailed(response, secrets);
  }
  const output: ModelOutputItem[] = [];
  for (const item of response.output) {
    if (item.type === 'message') {
      const content = item.content.map((part) => (part.type === 'output_text' ? part.text : part.refusal)).join('');
      output.push({ type: 'message', role: 'assistant', content });
    } else if (item.type === 'function_call') {
      output.push({ type: 'function_call', callId: item.call_id, name: item.name, arguments: item.arguments });
    } else if (item.type === 'web_search_call') {
      output.push({
        type: 'hosted_tool_call',
        name: 'web_search',
        id: item.id,
        status: item.status,
        providerData: item as unknown as Record<string, unknown>,
      });
    }
    // Reasoning and other items are not replayed: runs are stateless and send only what the runner understands.
  }
  const usage = response.usage;
  return {
    output,
    usage: createUsage(usage?.input_tokens ?? 0, usage?.output_tokens ?? 0),
    responseId: response.id,
  };
}

function mapFailed(response: Response, secrets: readonly string[]): UpstreamError {
  const message = redact(response.error?.message ?? 'no details', secrets);
  // A failed response is the model server's own failure (e.g. server_error): worth another attempt.
  return new UpstreamError(`The model response failed: ${message}`, { retryable: true });
}
