/**
 * Every error a run can end with. All share {@link AgentError} and a stable string `code`, so callers can branch
 * on `err.code` (or `instanceof`) without parsing messages. None of them carries an API key, a header or a raw
 * request/response body: upstream failures are reduced to a status, a short message (with secrets redacted) and
 * whether a retry could help.
 */

/** Stable codes of every {@link AgentError} (the README's error table; `errors.spec.ts` holds them equal). */
export const AGENT_ERROR_CODES = Object.freeze([
  'user_error',
  'missing_config',
  'invalid_config',
  'model_behavior',
  'upstream_error',
  'stream_interrupted',
  'system_error',
  'max_turns_exceeded',
  'max_tokens_exceeded',
  'deadline_exceeded',
  'run_cancelled',
  'guardrail_tripwire',
  'approval_interrupted',
] as const);

/** One of {@link AGENT_ERROR_CODES}. */
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** Base class of every error thrown by agent-core. */
export abstract class AgentError extends Error {
  /** Stable, machine-readable code. */
  abstract readonly code: AgentErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** A plain, log-safe view: name, code, message and the typed data of the subclass. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

/** The caller misused the library (bad input, invalid agent definition, missing or invalid configuration). */
export class UserError extends AgentError {
  readonly code: AgentErrorCode = 'user_error';
}

/**
 * The model (or the wire API in use) cannot take a hosted tool the agent has (web search on Chat Completions, on a
 * server other than OpenAI's, or on a client's model through MCP sampling). Raised before anything is sent, so a
 * caller may ask again without hosted tools.
 */
export class HostedToolUnsupportedError extends UserError {
  constructor(
    /** The hosted tool refused, e.g. `web_search`. */
    readonly tool: string,
    message: string,
  ) {
    super(message);
  }
}

/** Required configuration is absent. The message names the environment variable (or option) to set. */
export class MissingConfigError extends UserError {
  override readonly code = 'missing_config' as const;
  /** The environment variable that would fix it, e.g. `OPENAI_API_KEY`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
  }
}

/** Configuration is present but invalid (e.g. `OPENAI_API=foo`). */
export class InvalidConfigError extends UserError {
  override readonly code = 'invalid_config' as const;
}

/** The model did something the run cannot accept: unknown tool, unparseable structured output, empty answer. */
export class ModelBehaviorError extends AgentError {
  readonly code = 'model_behavior' as const;
}

/** Data describing an upstream (model server) failure. */
export interface UpstreamErrorDetails {
  /** HTTP status, when the server answered; absent for connection failures. */
  readonly status?: number;
  /** Whether another attempt could succeed (408/409/429/5xx/connection errors, unless `x-should-retry: false`). */
  readonly retryable: boolean;
  /** The delay the server asked for (`retry-after-ms` / `retry-after`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** Attempts made before giving up (set by the run's retry loop). */
  readonly attempts?: number;
  /** The server's request id (`x-request-id`), useful to quote in a support ticket. */
  readonly requestId?: string;
}

/** The model server failed: an HTTP error status, a connection error, or a failed response. */
export class UpstreamError extends AgentError {
  readonly code: AgentErrorCode = 'upstream_error';
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;
  readonly requestId: string | undefined;

  constructor(message: string, details: UpstreamErrorDetails) {
    super(message);
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
    this.requestId = details.requestId;
  }

  /** A copy recording how many attempts were made. */
  withAttempts(attempts: number): UpstreamError {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as UpstreamError;
    Object.assign(copy, this, { attempts, stack: this.stack, message: this.message });
    return copy;
  }
}

/**
 * A streamed model response ended before it completed (connection cut, server closed early).
 * `partialText` holds the text that arrived, and `partial` marks it as incomplete.
 */
export class StreamInterruptedError extends UpstreamError {
  override readonly code = 'stream_interrupted' as const;
  /** Text received before the cut; never a complete answer. */
  readonly partialText: string;
  readonly partial = true as const;

  constructor(message: string, partialText: string, details: Partial<UpstreamErrorDetails> = {}) {
    super(message, { retryable: false, ...details });
    this.partialText = partialText;
  }
}

/** A bug or unexpected state inside agent-core or a tool runtime, not attributable to the caller or the model. */
export class SystemError extends AgentError {
  readonly code = 'system_error' as const;
}

/** A per-run limit was reached. See the subclasses. */
export abstract class LimitExceededError extends AgentError {
  /** Which limit. */
  abstract readonly limit: 'turns' | 'tokens' | 'deadline';
}

/** The run took more model turns than `limits.maxTurns`. */
export class MaxTurnsExceededError extends LimitExceededError {
  readonly code = 'max_turns_exceeded' as const;
  readonly limit = 'turns' as const;
  readonly maxTurns: number;

  constructor(maxTurns: number) {
    super(`The run exceeded its limit of ${maxTurns} model turns.`);
    this.maxTurns = maxTurns;
  }
}

/** The run used more tokens (input + output, all turns) than `limits.maxTotalTokens`. */
export class MaxTokensExceededError extends LimitExceededError {
  readonly code = 'max_tokens_exceeded' as const;
  readonly limit = 'tokens' as const;
  readonly maxTotalTokens: number;
  readonly usedTokens: number;

  constructor(maxTotalTokens: number, usedTokens: number) {
    super(`The run used ${usedTokens} tokens, over its limit of ${maxTotalTokens}.`);
    this.maxTotalTokens = maxTotalTokens;
    this.usedTokens = usedTokens;
  }
}

/** The run's wall-clock deadline (`limits.timeoutMs`) passed; in-flight requests and tools were aborted. */
export class DeadlineExceededError extends LimitExceededError {
  readonly code = 'deadline_exceeded' as const;
  readonly limit = 'deadline' as const;
  readonly timeoutMs: number;
  /** Text streamed before the deadline, if any; never a complete answer. */
  partialText?: string;

  constructor(timeoutMs: number) {
    super(`The run exceeded its deadline of ${timeoutMs} ms.`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's `AbortSignal` fired; in-flight requests and tools were aborted. */
export class RunCancelledError extends AgentError {
  readonly code = 'run_cancelled' as const;

  constructor(message = 'The run was cancelled.') {
    super(message);
  }
}

/** An input or output guardrail tripped and stopped the run. */
export class GuardrailTripwireError extends AgentError {
  readonly code = 'guardrail_tripwire' as const;
  readonly guardrail: string;
  readonly kind: 'input' | 'output';
  /** Whatever the guardrail returned as `info`, for the caller to inspect. */
  readonly info: unknown;

  constructor(guardrail: string, kind: 'input' | 'output', info: unknown) {
    super(`The ${kind} guardrail "${guardrail}" tripped.`);
    this.guardrail = guardrail;
    this.kind = kind;
    this.info = info;
  }
}

/** Narrowing helper: `true` when `value` is any {@link AgentError}. */
export function isAgentError(value: unknown): value is AgentError {
  return value instanceof AgentError;
}
