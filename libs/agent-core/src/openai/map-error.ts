import {
  type AgentError,
  ModelBehaviorError,
  RunCancelledError,
  StreamInterruptedError,
  UpstreamError,
  isAgentError,
} from '../errors';
import { parseRetryAfter } from '../retry';
import { type OpenAISdk } from './load';

const SECRET_PATTERNS = [/\bsk-[A-Za-z0-9_*.-]{6,}/g, /\bBearer\s+\S+/gi];

/** Removes the key and anything shaped like a credential from text that came from a server. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/**
 * Maps anything the openai client throws to an {@link AgentError}. The SDK's errors hold the response headers
 * and body; none of that is kept (no `cause`), only status, retry hints and a redacted message.
 */
export function mapOpenAIError(err: unknown, sdk: OpenAISdk, secrets: readonly string[]): AgentError {
  if (isAgentError(err)) return err;
  if (err instanceof sdk.APIUserAbortError) return new RunCancelledError('The model request was aborted.');
  if (err instanceof sdk.APIConnectionTimeoutError) {
    return new UpstreamError('The model request timed out.', { retryable: true });
  }
  if (err instanceof sdk.APIConnectionError) {
    return new UpstreamError('Could not reach the model server (connection error).', { retryable: true });
  }
  if (err instanceof sdk.APIError) {
    const status = err.status;
    const headers = err.headers;
    const body = err.error as { message?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? redact(body.message, secrets) : undefined;
    const shouldRetry = headers?.get('x-should-retry');
    const retryable =
      status === undefined
        ? false
        : shouldRetry === 'true'
          ? true
          : shouldRetry === 'false'
            ? false
            : status === 408 || status === 409 || status === 429 || status >= 500;
    const what = status === undefined ? 'The model stream reported an error' : `The model server answered ${status}`;
    return new UpstreamError(detail ? `${what}: ${detail}` : `${what}.`, {
      status,
      retryable,
      retryAfterMs: headers ? parseRetryAfter((name) => headers.get(name)) : undefined,
      requestId: headers?.get('x-request-id') ?? undefined,
    });
  }
  if (err instanceof SyntaxError) {
    return new ModelBehaviorError('The model server sent a malformed response.');
  }
  // undici reports a body cut mid-way as a TypeError ("terminated"); the cause is the socket, so retrying helps.
  return new UpstreamError('The connection to the model server failed.', { retryable: true });
}

/** The error for a stream that stopped before completion, keeping the text that did arrive. */
export function interrupted(cause: AgentError | undefined, partialText: string): StreamInterruptedError {
  const reason = cause ? ` (${cause.message})` : '';
  return new StreamInterruptedError(
    `The model stream ended before the response completed${reason}.`,
    partialText,
    cause instanceof UpstreamError ? { status: cause.status, requestId: cause.requestId } : {},
  );
}
