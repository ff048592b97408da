/**
 * The Responses API wire format (`POST /v1/responses`): the response object, and the SSE events of a streamed
 * response in the order OpenAI sends them (`event: <type>` + `data: <json>`, no `[DONE]` sentinel).
 */
import { type ScriptedToolCall, argumentsText, chunkString, chunkText } from './script';

export interface ResponsesAnswer {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly calls: readonly ScriptedToolCall[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Numbering source for item ids and default call ids. */
  readonly nextId: () => number;
}

type Json = Record<string, unknown>;

function baseResponse(answer: ResponsesAnswer, status: string, output: Json[], usage: Json | null): Json {
  return {
    id: answer.id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: answer.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

function usageOf(answer: ResponsesAnswer): Json {
  return {
    input_tokens: answer.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
}

interface PlannedItems {
  readonly message: { id: string; text: string } | undefined;
  readonly calls: readonly { id: string; callId: string; name: string; arguments: string }[];
}

function plan(answer: ResponsesAnswer): PlannedItems {
  const message = answer.text ? { id: `msg_${answer.nextId()}`, text: answer.text } : undefined;
  const calls = answer.calls.map((c) => {
    const n = answer.nextId();
    return { id: `fc_${n}`, callId: c.callId ?? `call_${n}`, name: c.name, arguments: argumentsText(c) };
  });
  return { message, calls };
}

function messageItem(id: string, text: string, status: string): Json {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  };
}

function callItem(c: PlannedItems['calls'][number], status: string): Json {
  return {
    id: c.id,
    type: 'function_call',
    status,
    call_id: c.callId,
    name: c.name,
    arguments: status === 'completed' ? c.arguments : '',
  };
}

function outputOf(items: PlannedItems): Json[] {
  const out: Json[] = [];
  if (items.message) out.push(messageItem(items.message.id, items.message.text, 'completed'));
  for (const c of items.calls) out.push(callItem(c, 'completed'));
  return out;
}

/** The JSON body of a non-streamed response. */
export function responsesJson(answer: ResponsesAnswer): Json {
  return baseResponse(answer, 'completed', outputOf(plan(answer)), usageOf(answer));
}

/** One SSE frame. */
export function sseEvent(type: string, payload: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/**
 * The frames of a streamed response. With `cut`, only the frames up to the last text delta are produced (the
 * caller then cuts the connection), so the client has seen `text` but no completion.
 */
export function responsesFrames(answer: ResponsesAnswer, cut = false): string[] {
  const items = plan(answer);
  const frames: string[] = [];
  let seq = 0;
  const push = (type: string, payload: Json) => frames.push(sseEvent(type, { sequence_number: seq++, ...payload }));
  push('response.created', { response: baseResponse(answer, 'in_progress', [], null) });
  push('response.in_progress', { response: baseResponse(answer, 'in_progress', [], null) });
  let outputIndex = 0;
  if (items.message) {
    const { id, text } = items.message;
    const index = outputIndex++;
    push('response.output_item.added', { output_index: index, item: messageItem(id, text, 'in_progress') });
    push('response.content_part.added', {
      item_id: id,
      output_index: index,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
    for (const delta of chunkText(text)) {
      push('response.output_text.delta', { item_id: id, output_index: index, content_index: 0, delta, logprobs: [] });
    }
    if (cut) return frames;
    push('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] });
    push('response.content_part.done', {
      item_id: id,
      output_index: index,
      content_index: 0,
      part: { type: 'output_text', text, annotations: [], logprobs: [] },
    });
    push('response.output_item.done', { output_index: index, item: messageItem(id, text, 'completed') });
  }
  for (const c of items.calls) {
    const index = outputIndex++;
    push('response.output_item.added', { output_index: index, item: callItem(c, 'in_progress') });
    for (const delta of chunkString(c.arguments, 16)) {
      push('response.function_call_arguments.delta', { item_id: c.id, output_index: index, delta });
    }
    push('response.function_call_arguments.done', {
      item_id: c.id,
      output_index: index,
      name: c.name,
      arguments: c.arguments,
    });
    push('response.output_item.done', { output_index: index, item: callItem(c, 'completed') });
  }
  if (cut) return frames;
  push('response.completed', { response: baseResponse(answer, 'completed', outputOf(items), usageOf(answer)) });
  return frames;
}
