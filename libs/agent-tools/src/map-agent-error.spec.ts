// The one mapping from agent errors to MCP errors (README "Errors"): every agent error code and the two errors of
// the bridge itself map to one MCP error, and the README's table says exactly what the code does, both ways.
import { join } from 'node:path';
import {
  ApprovalInterruptedError,
  DeadlineExceededError,
  GuardrailTripwireError,
  InvalidConfigError,
  MaxTokensExceededError,
  MaxTurnsExceededError,
  MissingConfigError,
  ModelBehaviorError,
  RunCancelledError,
  StreamInterruptedError,
  SystemError,
  UpstreamError,
  UserError,
} from '@agent-mcp/agent-core';
import { ModelBudgetExceededError } from '@agent-mcp/context';
import { codeSpans, readmeTable } from '@agent-mcp/context/testing';
import { RunQueueFullError } from '@agent-mcp/durable-runs';
import { McpCoreError, RateLimitError, toJsonRpcError } from '@agent-mcp/mcp-core';
import { mapAgentError } from './map-agent-error';
import { ThreadNotFoundError } from './thread-turns';

/** One error of every kind a run can end with, by the name the README's table gives it. */
const thrown: Record<string, Error> = {
  ThreadNotFoundError: new ThreadNotFoundError('t-1'),
  ModelBudgetExceededError: new ModelBudgetExceededError(17),
  RunQueueFullError: new RunQueueFullError(256, 5),
  run_cancelled: new RunCancelledError(),
  upstream_error: new UpstreamError('HTTP 502 from the model server: <html>bad gateway</html>', {
    status: 502,
    retryable: true,
  }),
  stream_interrupted: new StreamInterruptedError('The stream ended early.', 'partial', { status: 200 }),
  missing_config: new MissingConfigError('OPENAI_API_KEY', 'This MCP server has no model configured.'),
  invalid_config: new InvalidConfigError('OPENAI_API must be responses or chat.'),
  model_behavior: new ModelBehaviorError('The output did not match the schema: {"secret":"model text"}'),
  user_error: new UserError('Agent "x" has two tools named "y".'),
  system_error: new SystemError('An invariant broke in the runner.'),
  guardrail_tripwire: new GuardrailTripwireError('no_pii', 'input', {}),
  max_turns_exceeded: new MaxTurnsExceededError(3),
  max_tokens_exceeded: new MaxTokensExceededError(100, 120),
  deadline_exceeded: new DeadlineExceededError(1000),
  approval_interrupted: new ApprovalInterruptedError(
    { tool: 'save', arguments: {}, callId: 'c1', agentName: 'a' },
    'declined',
  ),
};

/** The wire code a client reads for `error` once the tool registry has it (`INTERNAL_ERROR` when not exposable). */
function wireCode(error: unknown): string {
  return error instanceof McpCoreError ? error.code : (toJsonRpcError(error).data?.['code'] as string);
}

/** The README's table: the name in the first column's backticks, the code in the second column's. */
function readmeCodes(): Map<string, string> {
  const rows = readmeTable(join(__dirname, '..', 'README.md'), '## Errors');
  return new Map(
    rows.flatMap(([names, code]) => codeSpans(names ?? '').map((name) => [name, codeSpans(code ?? '')[0]])),
  );
}

describe('mapAgentError', () => {
  it('maps every agent error to the MCP error the README names, and the README names nothing else', () => {
    const actual = new Map(
      Object.entries(thrown).map(([name, error]) => [name, wireCode(mapAgentError(error, 'ask'))]),
    );
    expect(Object.fromEntries(readmeCodes())).toEqual(Object.fromEntries(actual));
  });

  it('makes a spent model-token budget a rate limit, also when wrapped as a cause', () => {
    const wrapped = new Error('the run failed', { cause: new ModelBudgetExceededError(17) });
    for (const error of [new ModelBudgetExceededError(17), wrapped]) {
      const mapped = mapAgentError(error, 'ask');
      expect(mapped).toBeInstanceOf(RateLimitError);
      expect(mapped).toMatchObject({ httpStatus: 429, data: { retryAfterSeconds: 17, limit: 'model_tokens' } });
    }
  });

  it('makes a full run queue a rate limit: the server is busy, try again shortly', () => {
    expect(mapAgentError(thrown['RunQueueFullError'], 'ask')).toMatchObject({
      httpStatus: 429,
      data: { retryAfterSeconds: 5, limit: 'agent_runs' },
    });
  });

  it('shows neither the model server’s text nor the model’s output, and hides our own faults', () => {
    expect((mapAgentError(thrown['upstream_error'], 'ask') as Error).message).toBe(
      'The model server failed to answer; try again later.',
    );
    expect(mapAgentError(thrown['upstream_error'], 'ask')).toMatchObject({ data: { status: 502 } });
    expect((mapAgentError(thrown['model_behavior'], 'ask') as Error).message).not.toContain('model text');
    expect(toJsonRpcError(mapAgentError(thrown['user_error'], 'ask')).message).toBe('Internal error');
    expect(toJsonRpcError(mapAgentError(thrown['system_error'], 'ask')).message).toBe('Internal error');
  });

  it('names the tool where the caller can act: a missing model, a thread that is not theirs', () => {
    expect((mapAgentError(thrown['missing_config'], 'research') as Error).message).toBe(
      'research needs a model: This MCP server has no model configured.',
    );
    expect((mapAgentError(thrown['ThreadNotFoundError'], 'research') as Error).message).toMatch(
      /^Thread not found: t-1/,
    );
  });

  it('passes errors that are not agent errors through unchanged', () => {
    const own = new Error('a tool of ours failed');
    expect(mapAgentError(own, 'ask')).toBe(own);
  });
});
