import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionFunctionTool,
} from 'openai/resources/chat/completions/completions';
import { HostedToolUnsupportedError } from '../errors';
import {
  type AgentItem,
  type FunctionCallItem,
  type Model,
  type ModelOutputItem,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
} from '../model';
import { createUsage } from '../usage';
import { type OpenAIClientHandle } from './client';
import { interrupted, mapOpenAIError } from './map-error';

/** A {@link Model} over Chat Completions (`POST /chat/completions`), the API most compatible servers speak. */
export class OpenAIChatCompletionsModel implements Model {
  readonly name: string;
  readonly #handle: OpenAIClientHandle;

  constructor(handle: OpenAIClientHandle, name: string) {
    this.#handle = handle;
    this.name = name;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const params = this.#params(request);
    const { client, sdk } = await this.#handle.get();
    let completion: ChatCompletion;
    try {
      completion = await client.chat.completions.create(
        { ...params, stream: false },
        { signal: request.signal, timeout: this.#handle.timeout(request), maxRetries: 0 },
      );
    } catch (err) {
      throw mapOpenAIError(err, sdk, this.#handle.secrets);
    }
    const message = completion.choices[0]?.message;
    const output: ModelOutputItem[] = [];
    const text = message?.content ?? message?.refusal ?? '';
    if (text) output.push({ type: 'message', role: 'assistant', content: text });
    for (const call of message?.tool_calls ?? []) {
      if (call.type === 'function') {
        output.push({
          type: 'function_call',
          callId: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        });
      }
    }
    return {
      output,
      usage: createUsage(completion.usage?.prompt_tokens ?? 0, completion.usage?.completion_tokens ?? 0),
      responseId: completion.id,
    };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const params = this.#params(request);
    const { client, sdk } = await this.#handle.get();
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await client.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        { signal: request.signal, timeout: this.#handle.timeout(request), maxRetries: 0 },
      );
    } catch (err) {
      throw mapOpenAIError(err, sdk, this.#handle.secrets);
    }
    let text = '';
    let finished = false;
    let id: string | undefined;
    let usage = createUsage(0, 0);
    // Tool calls arrive as fragments keyed by index: the first carries id and name, the rest argument pieces.
    const calls: { callId: string; name: string; arguments: string }[] = [];
    try {
      for await (const chunk of stream) {
        id ??= chunk.id;
        if (chunk.usage) usage = createUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta;
        if (delta.content) {
          text += delta.content;
          yield { type: 'text_delta', delta: delta.content };
        }
        for (const fragment of delta.tool_calls ?? []) {
          const call = (calls[fragment.index] ??= { callId: '', name: '', arguments: '' });
          if (fragment.id) call.callId = fragment.id;
          if (fragment.function?.name) call.name += fragment.function.name;
          if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
        }
        if (choice.finish_reason) finished = true;
      }
    } catch (err) {
      const mapped = mapOpenAIError(err, sdk, this.#handle.secrets);
      throw text ? interrupted(mapped, text) : mapped;
    }
    // Without a finish_reason the server stopped mid-answer, even if it closed the stream politely.
    if (!finished) throw interrupted(undefined, text);
    const output: ModelOutputItem[] = [];
    if (text) output.push({ type: 'message', role: 'assistant', content: text });
    for (const call of calls) if (call) output.push({ type: 'function_call', ...call });
    yield { type: 'response_completed', response: { output, usage, ...(id ? { responseId: id } : {}) } };
  }

  #params(request: ModelRequest): ChatCompletionCreateParamsBase {
    const s = request.settings;
    const params: ChatCompletionCreateParamsBase = {
      model: this.name,
      messages: toMessages(request.instructions, request.input),
    };
    if (request.tools.length > 0) {
      params.tools = request.tools.map((t): ChatCompletionFunctionTool => {
        if (t.type !== 'function') {
          throw new HostedToolUnsupportedError(
            t.name,
            `The hosted tool "${t.name}" is not available on Chat Completions; use OPENAI_API=responses.`,
          );
        }
        return {
          type: 'function',
          function: { name: t.name, description: t.description, parameters: { ...t.parameters }, strict: t.strict },
        };
      });
    }
    if (request.outputSchema) {
      params.response_format = {
        type: 'json_schema',
        json_schema: {
          name: request.outputSchema.name,
          schema: { ...request.outputSchema.schema },
          strict: request.outputSchema.strict,
        },
      };
    }
    if (s.temperature !== undefined) params.temperature = s.temperature;
    if (s.topP !== undefined) params.top_p = s.topP;
    if (s.maxOutputTokens !== undefined) params.max_completion_tokens = s.maxOutputTokens;
    if (s.parallelToolCalls !== undefined && request.tools.length > 0) params.parallel_tool_calls = s.parallelToolCalls;
    if (s.reasoningEffort !== undefined) params.reasoning_effort = s.reasoningEffort;
    if (s.toolChoice !== undefined) {
      params.tool_choice =
        s.toolChoice === 'auto' || s.toolChoice === 'required' || s.toolChoice === 'none'
          ? (s.toolChoice as 'auto' | 'required' | 'none')
          : { type: 'function', function: { name: s.toolChoice } };
    }
    return params;
  }
}

/** Items to chat messages: consecutive function calls fold into one assistant message with `tool_calls`. */
function toMessages(instructions: string | undefined, input: readonly AgentItem[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  let pendingCalls: FunctionCallItem[] = [];
  let pendingText: string | undefined;
  const flush = () => {
    if (pendingCalls.length === 0 && pendingText === undefined) return;
    const toolCalls = pendingCalls.map((c): ChatCompletionMessageFunctionToolCall => ({
      id: c.callId,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
    messages.push({
      role: 'assistant',
      content: pendingText ?? null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    });
    pendingCalls = [];
    pendingText = undefined;
  };
  for (const item of input) {
    if (item.type === 'function_call') {
      pendingCalls.push(item);
    } else if (item.type === 'message' && item.role === 'assistant') {
      flush();
      pendingText = item.content;
    } else {
      flush();
      if (item.type === 'message') messages.push({ role: item.role, content: item.content });
      else if (item.type === 'function_call_output') {
        messages.push({ role: 'tool', tool_call_id: item.callId, content: item.output });
      }
      // Hosted tool calls only exist on the Responses API; they cannot occur in a chat conversation.
    }
  }
  flush();
  return messages;
}
