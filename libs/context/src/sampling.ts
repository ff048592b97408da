/**
 * The client's own model, as a neutral port. MCP calls it sampling (`sampling/createMessage`); the MCP layer
 * implements this port and the agent layer builds a model on it, so neither has to know the other.
 */

/** One block of a sampled message. */
export type SampledContent =
  | { readonly type: 'text'; readonly text: string }
  /** The model asks for a tool call; `id` correlates it with its result. */
  | {
      readonly type: 'tool_use';
      readonly id: string;
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
    }
  /** The result of a tool call, sent back to the model. */
  | { readonly type: 'tool_result'; readonly toolUseId: string; readonly text: string; readonly isError?: boolean };

/** A message of the conversation sent to the client's model. */
export interface SampledMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly SampledContent[];
}

/** A tool the client's model may ask for. */
export interface SamplingTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (an object schema) of the arguments. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** One request to the client's model. */
export interface SampleRequest {
  readonly systemPrompt?: string;
  readonly messages: readonly SampledMessage[];
  /** Only when {@link SamplingPort.supportsTools}; the client must refuse tools otherwise. */
  readonly tools?: readonly SamplingTool[];
  readonly toolChoice?: 'auto' | 'required' | 'none';
  /** Most tokens to generate; the client may generate fewer. */
  readonly maxTokens: number;
  readonly temperature?: number;
  /** A model the server would prefer; the client may ignore it. */
  readonly modelHint?: string;
  /** Aborts the request (the call was cancelled or the run ended). */
  readonly signal?: AbortSignal;
  /** Give up after this long. Default: the server's own bound on requests to the client. */
  readonly timeoutMs?: number;
}

/** The client model's answer. */
export interface SampleResult {
  /** The model the client used, as it names it. */
  readonly model: string;
  /** `endTurn`, `maxTokens`, `toolUse`, or a client-specific reason. */
  readonly stopReason: string | undefined;
  readonly content: readonly SampledContent[];
}

/**
 * Asks the client's model for one message. Present on a request context only when the client said it can
 * sample; the user may be asked to approve each request, and may refuse (the promise then rejects).
 */
export interface SamplingPort {
  /** Whether the client accepts `tools` (MCP 2025-11-25 `sampling.tools`). */
  readonly supportsTools: boolean;
  sample(request: SampleRequest): Promise<SampleResult>;
}
