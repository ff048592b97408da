import { JsonRpcErrorCode, ProtocolError } from '../errors';
import { RELATED_TASK_META_KEY, type TaskClassifier } from './task-manager';
import { ABANDONED_MESSAGE, type TaskOutcome, type TaskRecord } from '@agent-mcp/context';

/**
 * Tasks as MCP 2026-07-28 has them: the extension `io.modelcontextprotocol/tasks` (SEP-2663). A client that
 * declares it in its capabilities may get a task in answer to `tools/call` of a tool that supports tasks (the server
 * decides; the client sends no `task` param); it polls `tasks/get`, whose answer inlines the result or the error,
 * answers a task's questions with `tasks/update` and stops it with `tasks/cancel`. There is no `tasks/list` and no
 * `tasks/result`. Tasks live in the same store as 2025-11-25's, bound to the caller's principal, with a TTL.
 */

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The extension's methods, each naming its task (`Mcp-Name: <taskId>` over HTTP). */
export const TASKS_EXTENSION_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);

/** Whether a client's capabilities declare the tasks extension. */
export function declaresTasksExtension(capabilities: unknown): boolean {
  const extensions = (capabilities as { extensions?: unknown } | undefined)?.extensions;
  if (!extensions || typeof extensions !== 'object') return false;
  const declared = (extensions as Record<string, unknown>)[TASKS_EXTENSION];
  return declared !== undefined && declared !== null && declared !== false;
}

/** -32021: the request needs the tasks extension, which the client did not declare. */
export function missingTasksExtension(what: string): ProtocolError {
  return new ProtocolError(
    'MISSING_CLIENT_CAPABILITY',
    `${what} needs the ${TASKS_EXTENSION} extension, which the client did not declare in its capabilities`,
    { data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } },
  );
}

/** The task fields of the extension's wire (`ttlMs`, `pollIntervalMs`; ISO times). */
function taskFields(task: TaskRecord): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    createdAt: task.createdAt.toISOString(),
    lastUpdatedAt: task.lastUpdatedAt.toISOString(),
    ttlMs: task.ttlMs,
    pollIntervalMs: task.pollIntervalMs,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
  };
}

/** `CreateTaskResult`: the task, flat, with `resultType: "task"`. */
export function createTaskResult(task: TaskRecord): Record<string, unknown> {
  return { resultType: 'task', ...taskFields(task) };
}

/**
 * `tasks/get`'s `DetailedTask`: a completed task inlines the tool's result, a failed one its JSON-RPC error, one
 * waiting for input the questions.
 */
export function detailedTask(
  task: TaskRecord,
  outcome: TaskOutcome | undefined,
  inputRequests?: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const detail = taskFields(task);
  if (task.status === 'completed' && outcome && 'result' in outcome) {
    const { [RELATED_TASK_META_KEY]: _related, ...meta } = (outcome.result._meta ?? {}) as Record<string, unknown>;
    const { _meta: _dropped, ...result } = outcome.result;
    return { ...detail, result: Object.keys(meta).length > 0 ? { ...result, _meta: meta } : result };
  }
  if (task.status === 'failed') {
    const error =
      outcome && 'error' in outcome
        ? outcome.error
        : { code: JsonRpcErrorCode.InternalError, message: task.statusMessage ?? ABANDONED_MESSAGE };
    return { ...detail, error };
  }
  if (task.status === 'input_required' && inputRequests) return { ...detail, inputRequests };
  return detail;
}

/**
 * How a modern task's run ended, as the extension classes it: a tool that reported an error completed (with
 * `result.isError`); a tool that crashed (the registry's internal-error result) failed with a JSON-RPC error.
 */
export function modernOutcome(result: Record<string, unknown>): {
  readonly status: 'completed' | 'failed';
  readonly outcome: TaskOutcome;
} {
  const error = (result._meta as { error?: { code?: unknown; ref?: unknown } } | undefined)?.error;
  if (result.isError === true && error?.code === 'INTERNAL_ERROR') {
    const text = (result.content as Array<{ text?: string }> | undefined)?.[0]?.text ?? 'Internal error';
    return {
      status: 'failed',
      outcome: {
        error: {
          code: JsonRpcErrorCode.InternalError,
          message: text,
          data: { code: 'INTERNAL_ERROR', ref: error.ref },
        },
      },
    };
  }
  return { status: 'completed', outcome: { result } };
}

/** The terminal status of a 2026-07-28 task's outcome ({@link modernOutcome}; a protocol error fails it). */
export const classifyModern: TaskClassifier = (outcome) =>
  'result' in outcome ? modernOutcome(outcome.result) : { status: 'failed', outcome };
