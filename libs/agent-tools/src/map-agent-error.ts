import { isAgentError } from '@agent-mcp/agent-core';
import { ModelBudgetExceededError } from '@agent-mcp/context';
import { RunQueueFullError } from '@agent-mcp/durable-runs';
import { CancelledError, RateLimitError, ToolError, UpstreamModelError } from '@agent-mcp/mcp-core';
import { ThreadNotFoundError } from './thread-turns';

/**
 * The one mapping from what an agent run throws to what an MCP client sees, for every agent tool (see the README's
 * table). Who is at fault decides it:
 * - the caller: a thread that is not theirs (`THREAD_NOT_FOUND`, the message shown), a used-up model-token budget
 *   (a rate limit like the pipeline's: JSON-RPC error, HTTP 429 with `Retry-After`);
 * - the server's load: a full run queue (a rate limit too, `limit: 'agent_runs'`: try again shortly);
 * - the server's set-up: no model configured (`MODEL_NOT_CONFIGURED`, saying what an MCP user can do);
 * - the model server: `UPSTREAM_MODEL_ERROR` with its status, no upstream text;
 * - the model itself (`model_behavior`): `AGENT_FAILED` with a fixed sentence, since the message may quote the
 *   model's output;
 * - the library's user, that is this server (`user_error`, `system_error`): not shown, an internal error with a
 *   reference to the log line, like any other fault of ours;
 * - anything else an agent error says (a guardrail that tripped): `AGENT_FAILED` with its message.
 * Errors that are not agent errors (a tool's own `ToolError`, a cancellation) pass through unchanged.
 */
export function mapAgentError(error: unknown, tool: string): unknown {
  const budget = modelBudgetExceeded(error);
  if (budget) return new RateLimitError(budget.retryAfterSeconds, { data: { limit: 'model_tokens' }, cause: error });
  if (error instanceof RunQueueFullError) {
    return new RateLimitError(error.retryAfterSeconds, { data: { limit: 'agent_runs' }, cause: error });
  }
  if (error instanceof ThreadNotFoundError)
    return new ToolError(error.message, { code: 'THREAD_NOT_FOUND', cause: error });
  if (!isAgentError(error)) return error;
  switch (error.code) {
    case 'run_cancelled':
      return new CancelledError(`The ${tool} call was cancelled.`, { cause: error });
    case 'upstream_error':
    case 'stream_interrupted':
      return new UpstreamModelError('The model server failed to answer; try again later.', {
        status: (error as { status?: number }).status,
        cause: error,
      });
    case 'missing_config':
    case 'invalid_config':
      // runAgentTool's message already says what an MCP user can do (set the key on the server, or sample).
      return new ToolError(`${tool} needs a model: ${error.message}`, { code: 'MODEL_NOT_CONFIGURED', cause: error });
    case 'model_behavior':
      return new ToolError('The model did not produce a usable answer; try again.', {
        code: 'AGENT_FAILED',
        cause: error,
      });
    case 'user_error':
    case 'system_error':
      return error;
    default:
      return new ToolError(`The ${tool} agent failed: ${error.message}`, { code: 'AGENT_FAILED', cause: error });
  }
}

/** The {@link ModelBudgetExceededError} behind `error`, also when a tool or runner wrapped it as a cause. */
function modelBudgetExceeded(error: unknown): ModelBudgetExceededError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ModelBudgetExceededError) return e;
  }
  return undefined;
}
