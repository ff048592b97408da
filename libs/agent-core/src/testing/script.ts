/**
 * The script both test doubles follow: a queue of turns, one consumed per model request. A turn is an answer
 * (text, tool calls, structured output) or a fault (an HTTP error, a hang, a stream cut in the middle).
 */

/** Token counts to report for a turn. Default: about one token per four characters of request and answer. */
export interface ScriptedUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Timing options shared by answer turns. */
export interface ScriptedTiming {
  /** Wait before sending anything (headers included). */
  readonly delayMs?: number;
  /** Wait between streamed chunks. */
  readonly chunkDelayMs?: number;
}

/** One function call the model asks for. */
export interface ScriptedToolCall {
  readonly name: string;
  /** An object (sent as its JSON) or a raw string (sent as is, e.g. to script malformed JSON). */
  readonly arguments: unknown;
  /** Default: `call_<n>`. */
  readonly callId?: string;
}

/** A text answer. */
export interface TextTurn extends ScriptedTiming {
  readonly type: 'text';
  readonly text: string;
  readonly usage?: ScriptedUsage;
}

/** One or more function calls, optionally preceded by text. */
export interface ToolCallsTurn extends ScriptedTiming {
  readonly type: 'tool_calls';
  readonly calls: readonly ScriptedToolCall[];
  readonly text?: string;
  readonly usage?: ScriptedUsage;
}

/** A structured-output answer: `value` is sent as JSON text. */
export interface JsonTurn extends ScriptedTiming {
  readonly type: 'json';
  readonly value: unknown;
  readonly usage?: ScriptedUsage;
}

/** An HTTP error with an OpenAI-style error body. */
export interface ErrorTurn {
  readonly type: 'error';
  readonly status: number;
  /** `error.message` of the body. */
  readonly message?: string;
  /** `error.code` of the body. */
  readonly code?: string;
  /** Response headers, e.g. `retry-after`, `retry-after-ms`, `x-should-retry`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
}

/** Accept the request and never answer: only the client's timeout or abort ends it. */
export interface HangTurn {
  readonly type: 'hang';
}

/**
 * Start answering `text`, then stop before the response completes. `destroy` (default) resets the connection;
 * `end` closes the stream politely but without the terminal event. For a non-streamed request, half of the JSON
 * body is sent before the connection is destroyed.
 */
export interface CutStreamTurn extends ScriptedTiming {
  readonly type: 'cut_stream';
  readonly text: string;
  readonly mode?: 'destroy' | 'end';
}

/** Any scripted turn. */
export type ScriptedTurn = TextTurn | ToolCallsTurn | JsonTurn | ErrorTurn | HangTurn | CutStreamTurn;

/** A text answer. */
export function textTurn(text: string, options: ScriptedTiming & { usage?: ScriptedUsage } = {}): TextTurn {
  return { type: 'text', text, ...options };
}

/** A turn calling one tool, or several (concurrently) when given an array. */
export function toolCallTurn(
  calls: ScriptedToolCall | readonly ScriptedToolCall[],
  options: ScriptedTiming & { text?: string; usage?: ScriptedUsage } = {},
): ToolCallsTurn {
  return { type: 'tool_calls', calls: Array.isArray(calls) ? calls : [calls as ScriptedToolCall], ...options };
}

/** A structured-output answer. */
export function jsonTurn(value: unknown, options: ScriptedTiming & { usage?: ScriptedUsage } = {}): JsonTurn {
  return { type: 'json', value, ...options };
}

/** An HTTP error, e.g. `errorTurn(429, { headers: { 'retry-after-ms': '10' } })`. */
export function errorTurn(status: number, options: Omit<ErrorTurn, 'type' | 'status'> = {}): ErrorTurn {
  return { type: 'error', status, ...options };
}

/** A request that is never answered. */
export function hangTurn(): HangTurn {
  return { type: 'hang' };
}

/** A stream cut after `text` was sent. */
export function cutStreamTurn(
  text: string,
  options: ScriptedTiming & { mode?: 'destroy' | 'end' } = {},
): CutStreamTurn {
  return { type: 'cut_stream', text, ...options };
}

/** Splits text the way a model streams it: a word (with its trailing space) per chunk. */
export function chunkText(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Splits a string into pieces of `size` characters. */
export function chunkString(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The text and calls an answer turn produces. */
export function answerOf(turn: TextTurn | ToolCallsTurn | JsonTurn): {
  text: string;
  calls: readonly ScriptedToolCall[];
} {
  if (turn.type === 'text') return { text: turn.text, calls: [] };
  if (turn.type === 'json') return { text: JSON.stringify(turn.value), calls: [] };
  return { text: turn.text ?? '', calls: turn.calls };
}

/** Arguments of a scripted call as the JSON text the model would send. */
export function argumentsText(call: ScriptedToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
}

/** Whether a status is one the OpenAI client family retries, unless `x-should-retry` says otherwise. */
export function isRetryableStatus(status: number, headers: Readonly<Record<string, string>> = {}): boolean {
  const flag = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-should-retry')?.[1];
  if (flag === 'true') return true;
  if (flag === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The OpenAI error `type` usually paired with a status. */
export function errorTypeFor(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The delay an error turn's headers ask for (`retry-after-ms`, or `retry-after` in seconds), in ms. */
export function retryAfterOf(headers: Readonly<Record<string, string>>): number | undefined {
  const get = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const ms = Number.parseFloat(get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const seconds = Number.parseFloat(get('retry-after') ?? '');
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
