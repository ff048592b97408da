import {
  type SampledContent,
  type SampledMessage,
  type SampleRequest,
  type SamplingPort,
  type SamplingTool,
} from '@agent-mcp/context';
import {
  type AgentItem,
  isAgentError,
  type Model,
  ModelBehaviorError,
  type ModelOutputItem,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
  UpstreamError,
  type Usage,
  HostedToolUnsupportedError,
} from '@agent-mcp/agent-core';

/** Options of {@link createSamplingModel}. */
export interface SamplingModelOptions {
  /** Passed to the client as a preference; it may pick another model. */
  readonly modelHint?: string;
  /** Most tokens one answer may take when the agent sets no `maxOutputTokens`. Default 4096. */
  readonly maxTokens?: number;
}

/** Shown as the model's name until the client has said which model it used. */
export const SAMPLING_MODEL_NAME = 'client-sampling';

/**
 * A {@link Model} on the caller's own model (MCP sampling, through the neutral {@link SamplingPort}), so an agent
 * runs with no API key of the server's. Function tools go to the client as sampling tools when it supports them;
 * otherwise they are described in the system prompt and the model calls them by answering with a JSON object,
 * which this adapter turns back into calls. Sampling reports no token counts, so usage is estimated (about four
 * characters a token) and budgets still hold. Answers arrive whole: the streamed form yields the text at once.
 */
export function createSamplingModel(port: SamplingPort, options: SamplingModelOptions = {}): Model {
  return new SamplingModel(port, options);
}

/** A {@link ModelProvider} whose every model is the client's ({@link createSamplingModel}); names become hints. */
export function createSamplingModelProvider(port: SamplingPort, options: SamplingModelOptions = {}): ModelProvider {
  return { getModel: (name) => createSamplingModel(port, { ...options, ...(name ? { modelHint: name } : {}) }) };
}

class SamplingModel implements Model {
  #name = SAMPLING_MODEL_NAME;

  constructor(
    private readonly port: SamplingPort,
    private readonly options: SamplingModelOptions,
  ) {}

  /** The model the client last reported, after the first answer. */
  get name(): string {
    return this.#name;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    if (request.signal.aborted) throw request.signal.reason;
    const functions = request.tools.map((t) => {
      if (t.type !== 'function')
        throw new HostedToolUnsupportedError(
          t.name,
          `The hosted tool "${t.name}" cannot run on the client's model (MCP sampling).`,
        );
      return { name: t.name, description: t.description, inputSchema: t.parameters } satisfies SamplingTool;
    });
    const native = this.port.supportsTools;
    const emulated = !native && functions.length > 0 && request.settings.toolChoice !== 'none';
    const sample: SampleRequest = {
      systemPrompt: systemPrompt(request, emulated ? functions : []),
      messages: toMessages(request.input, emulated),
      ...(native && functions.length > 0
        ? { tools: functions, toolChoice: toolChoice(request.settings.toolChoice) }
        : {}),
      maxTokens: request.settings.maxOutputTokens ?? this.options.maxTokens ?? 4096,
      ...(request.settings.temperature !== undefined ? { temperature: request.settings.temperature } : {}),
      ...(this.options.modelHint ? { modelHint: this.options.modelHint } : {}),
      signal: request.signal,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    };
    let answer;
    try {
      answer = await this.port.sample(sample);
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason;
      if (isAgentError(error)) throw error;
      // The user may have refused the request, or the client failed: neither is worth an automatic retry.
      throw new UpstreamError(`The client's model did not answer: ${(error as Error).message}`, { retryable: false });
    }
    this.#name = answer.model || SAMPLING_MODEL_NAME;
    const output = fromContent(answer.content, emulated);
    if (output.length === 0) throw new ModelBehaviorError("The client's model returned an empty answer.");
    const sent = JSON.stringify(sample.messages).length + (sample.systemPrompt?.length ?? 0);
    const received = JSON.stringify(output).length;
    return { output, usage: createUsage(Math.ceil(sent / 4), Math.ceil(received / 4)) };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const response = await this.getResponse(request);
    for (const item of response.output)
      if (item.type === 'message' && item.content) yield { type: 'text_delta', delta: item.content };
    yield { type: 'response_completed', response };
  }
}

function toolChoice(choice: string | undefined): SampleRequest['toolChoice'] {
  if (choice === undefined || choice === 'auto' || choice === 'none' || choice === 'required') return choice ?? 'auto';
  return 'required'; // Sampling cannot force one named tool; requiring a tool call is the nearest.
}

const EMULATION_NOTE = `You can call tools. To call one or more, answer with ONLY a JSON object, no other text:
{"tool_calls": [{"name": "<tool name>", "arguments": { ... }}]}
Tool results come back in the next user message. When you have the final answer, answer normally, without JSON tool calls.
Tools:`;

function systemPrompt(request: ModelRequest, emulatedTools: readonly SamplingTool[]): string | undefined {
  const parts: string[] = [];
  if (request.instructions) parts.push(request.instructions);
  for (const item of request.input) if (item.type === 'message' && item.role === 'system') parts.push(item.content);
  if (emulatedTools.length > 0) {
    parts.push(
      `${EMULATION_NOTE}\n${emulatedTools.map((t) => `- ${t.name}: ${t.description}\n  arguments (JSON Schema): ${JSON.stringify(t.inputSchema)}`).join('\n')}`,
    );
  }
  if (request.outputSchema) {
    parts.push(
      `Give the final answer as ONLY a JSON value following this JSON Schema:\n${JSON.stringify(request.outputSchema.schema)}`,
    );
  }
  return parts.length ? parts.join('\n\n') : undefined;
}

/** The conversation as sampling messages: consecutive items of one role share a message, as MCP expects. */
function toMessages(items: readonly AgentItem[], emulated: boolean): SampledMessage[] {
  const messages: { role: 'user' | 'assistant'; content: SampledContent[] }[] = [];
  const push = (role: 'user' | 'assistant', block: SampledContent) => {
    const last = messages[messages.length - 1];
    // A message of tool results carries nothing else (MCP 2025-11-25), so text after results starts a new one.
    const mixes = last && (last.content[0]?.type === 'tool_result') !== (block.type === 'tool_result');
    if (last && last.role === role && !mixes) last.content.push(block);
    else messages.push({ role, content: [block] });
  };
  for (const item of items) {
    switch (item.type) {
      case 'message':
        if (item.role !== 'system') push(item.role, { type: 'text', text: item.content });
        break;
      case 'function_call':
        if (emulated)
          push('assistant', {
            type: 'text',
            text: JSON.stringify({ tool_calls: [{ name: item.name, arguments: parseArguments(item.arguments) }] }),
          });
        else
          push('assistant', {
            type: 'tool_use',
            id: item.callId,
            name: item.name,
            input: parseArguments(item.arguments),
          });
        break;
      case 'function_call_output':
        if (emulated) push('user', { type: 'text', text: `Tool result (${item.callId}):\n${item.output}` });
        else
          push('user', {
            type: 'tool_result',
            toolUseId: item.callId,
            text: item.output,
            ...(item.output.startsWith('Error:') ? { isError: true } : {}),
          });
        break;
      case 'hosted_tool_call':
        break; // Only the Responses API on OpenAI runs hosted tools; nothing of them can be replayed here.
    }
  }
  return messages;
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = text.trim() ? JSON.parse(text) : {};
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { raw: text };
  }
}

let callIds = 0;

function fromContent(content: readonly SampledContent[], emulated: boolean): ModelOutputItem[] {
  const output: ModelOutputItem[] = [];
  const text = content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
  if (emulated) {
    const calls = emulatedCalls(text);
    if (calls) return calls;
  }
  if (text) output.push({ type: 'message', role: 'assistant', content: text });
  for (const c of content) {
    if (c.type === 'tool_use')
      output.push({ type: 'function_call', callId: c.id, name: c.name, arguments: JSON.stringify(c.input) });
  }
  return output;
}

/** Tool calls written as `{"tool_calls": [...]}` (possibly fenced as a code block), or `undefined` for a plain answer. */
function emulatedCalls(text: string): ModelOutputItem[] | undefined {
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  if (!body.startsWith('{') || !body.includes('tool_calls')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const calls = (parsed as { tool_calls?: unknown }).tool_calls;
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((call: { name?: unknown; arguments?: unknown }) => {
    if (typeof call?.name !== 'string')
      throw new ModelBehaviorError("The client's model wrote a tool call without a name.");
    return {
      type: 'function_call' as const,
      callId: `sampling_call_${++callIds}`,
      name: call.name,
      arguments: JSON.stringify(call.arguments ?? {}),
    };
  });
}

/** Usage of one sampled answer. */
function createUsage(inputTokens: number, outputTokens: number): Usage {
  return { requests: 1, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}
