// 2026-07-28 requests as a client without a session sends them, for specs of tasks (tasks extension), on the raw
// requests of mcp-core's testing entry.
import { modernEnvelope, postModern } from '@agent-mcp/mcp-core/testing';

/** What the specs' client declares: the tasks extension and form elicitation (so a write can be approved). */
export const TASK_CLIENT_CAPS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: { form: {} } };

/** A JSON-RPC answer. */
export interface RpcAnswer {
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Who sends a {@link modernRequest}, and how long it waits. */
export interface ModernRequestOptions {
  /** What the client declares in the envelope. Default {@link TASK_CLIENT_CAPS}. */
  readonly capabilities?: Record<string, unknown>;
  /** More HTTP headers (an `authorization`, say). */
  readonly headers?: Record<string, string>;
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

/** One 2026-07-28 request, raw (no session), to `base`; the JSON-RPC answer (the last event of a stream). */
export async function modernRequest(
  base: string,
  method: string,
  params: Record<string, unknown>,
  options: ModernRequestOptions = {},
): Promise<RpcAnswer> {
  const name = (params['name'] ?? params['taskId']) as string | undefined;
  const { body } = await postModern<RpcAnswer>(new URL(`${base}/mcp`), {
    method,
    params,
    meta: modernEnvelope(options.capabilities ?? TASK_CLIENT_CAPS),
    ...(name ? { name } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  return body;
}

/** Polls tasks/get on `base` until `done` holds for the task, for at most `timeoutMs`; the last task seen. */
export async function taskUntil(
  base: string,
  taskId: string,
  done: (task: Record<string, unknown> | undefined) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  let task: Record<string, unknown> | undefined;
  for (const started = Date.now(); Date.now() - started < timeoutMs; await sleep(100)) {
    task = (await modernRequest(base, 'tasks/get', { taskId })).result;
    if (done(task)) break;
  }
  return task;
}

/** Whether a task has ended (neither `working` nor waiting for an answer). */
export const taskEnded = (task: Record<string, unknown> | undefined): boolean =>
  task?.['status'] !== undefined && task['status'] !== 'working' && task['status'] !== 'input_required';

/** The keys of the task's open questions that are not in `answered`. */
export const unansweredKeys = (task: Record<string, unknown> | undefined, answered: ReadonlySet<string>): string[] =>
  Object.keys((task?.['inputRequests'] as object | undefined) ?? {}).filter((k) => !answered.has(k));

/** Answers yes to the approval question `key` of the task through tasks/update on `base`. */
export async function approve(base: string, taskId: string, key: string): Promise<RpcAnswer> {
  return modernRequest(base, 'tasks/update', {
    taskId,
    inputResponses: { [key]: { action: 'accept', content: { confirm: true } } },
  });
}
