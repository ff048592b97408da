/**
 * The Chat Completions wire format (`POST /v1/chat/completions`): the completion object, and the streamed
 * `chat.completion.chunk`s as `data:` lines ending with `data: [DONE]`. Tool calls stream as fragments keyed
 * by `index`: the first carries `id`, `type` and the name, the following ones pieces of the arguments.
 */
import { type ScriptedToolCall, argumentsText, chunkString, chunkText } from './script';

export interface ChatAnswer {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly calls: readonly ScriptedToolCall[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly nextId: () => number;
}

type Json = Record<string, unknown>;

function usageOf(answer: ChatAnswer): Json {
  return {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function planCalls(answer: ChatAnswer) {
  return answer.calls.map((c) => ({
    id: c.callId ?? `call_${answer.nextId()}`,
    name: c.name,
    arguments: argumentsText(c),
  }));
}

/** The JSON body of a non-streamed completion. */
export function chatJson(answer: ChatAnswer): Json {
  const calls = planCalls(answer);
  const message: Json = { role: 'assistant', content: answer.text || null, refusal: null };
  if (calls.length > 0) {
    message['tool_calls'] = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: answer.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: usageOf(answer),
    system_fingerprint: null,
  };
}

/**
 * The `data:` frames of a streamed completion. With `cut`, frames stop after the text (no finish_reason, no
 * `[DONE]`). The usage chunk is sent only when the client asked for it (`stream_options.include_usage`).
 */
export function chatFrames(answer: ChatAnswer, includeUsage: boolean, cut = false): string[] {
  const created = Math.floor(Date.now() / 1000);
  const frames: string[] = [];
  const chunk = (choices: Json[], extra: Json = {}) =>
    frames.push(
      `data: ${JSON.stringify({
        id: answer.id,
        object: 'chat.completion.chunk',
        created,
        model: answer.model,
        system_fingerprint: null,
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      })}\n\n`,
    );
  const delta = (d: Json, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
  delta({ role: 'assistant', content: '', refusal: null });
  for (const piece of chunkText(answer.text)) delta({ content: piece });
  if (cut) return frames;
  const calls = planCalls(answer);
  calls.forEach((c, index) => {
    delta({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
    for (const piece of chunkString(c.arguments, 16))
      delta({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  delta({}, calls.length > 0 ? 'tool_calls' : 'stop');
  if (includeUsage) chunk([], { usage: usageOf(answer) });
  frames.push('data: [DONE]\n\n');
  return frames;
}
