import { type DurableRuns, RunQueueFullError } from '@agent-mcp/durable-runs';
import {
  type DurableTaskRuns,
  type McpServer,
  type OpenTaskQuestions,
  RateLimitError,
  TASK_QUESTIONS_EVENT,
} from '@agent-mcp/mcp-core';
import { recordedRunQuestions } from './run-questions';

/** The kind of durable run a task-augmented tool call is, the same on every replica. */
export const MCP_TASK_RUN = 'mcp-task';

/**
 * Tasks on durable runs: the MCP server's {@link DurableTaskRuns} port over `@agent-mcp/durable-runs`, and the work
 * every replica defines for it (`server.executeTask`), before the runs start. A task-augmented call of a resumable
 * tool (the agent tools) is then a queued run, keyed by its task id, that any replica executes and a live one resumes
 * from its last completed step if its own dies; its outcome goes to the task store every replica reads. Its
 * questions wait in its run: a 2025-11-25 task's for the replica serving the client's `tasks/result` to ask them, a
 * 2026-07-28 task's for the replica serving the client's `tasks/update` to deliver the answers.
 *
 * Calls of these tools that are not tasks are runs too, of their own kind (`parkedCallRuns`, `parked-calls.ts`):
 * started in the process that took them, resumed on a live replica if it dies.
 */
export function durableTaskRuns(runs: DurableRuns): {
  readonly port: DurableTaskRuns;
  /** Defines the work of {@link MCP_TASK_RUN} on `server`; call it before `runs.start()`. */
  define(server: McpServer): void;
} {
  const port: DurableTaskRuns = Object.freeze({
    ready: (waitMs: number) => runs.ready(waitMs),
    // A call refused by the full shared queue is answered as one refused by a replica's (agent-tools'
    // mapAgentError), and counted as one in the runs' metrics (by its tool: the runs tell their observer).
    admit: (call: Parameters<DurableTaskRuns['admit']>[0]) => asRateLimit(runs.admit({ label: call.tool })),
    submit: (call: Parameters<DurableTaskRuns['submit']>[0], principal: string) =>
      // Named by its tool in the runs' metrics, as a call is (the queue wait histogram is by tool).
      asRateLimit(runs.submit(MCP_TASK_RUN, call, { principal, runId: call.taskId, label: call.tool })),
    cancel: (taskId: string) => runs.cancel(taskId),
    // A 2025-11-25 task's questions, asked where its client's tasks/result is served (the run is keyed by the task).
    ...recordedRunQuestions(runs),
    // A 2026-07-28 task's, answered where its client's tasks/update is served.
    openQuestions: async (taskId: string) =>
      ((await runs.readEvent(taskId, TASK_QUESTIONS_EVENT, { timeoutMs: 0 })) ?? undefined) as
        OpenTaskQuestions | undefined,
    async lostReason(taskId: string) {
      const status = await runs.status(taskId);
      switch (status?.state) {
        case 'given_up':
          return `The task could not be resumed: the servers running it stopped ${status.starts - 1} times during the run, more than RUN_MAX_RESUMES allows. Run the request again.`;
        case 'failed':
          return 'The task’s run failed before it could record its outcome; run the request again.';
        case 'completed':
          return 'The task’s run finished, but its outcome could not be recorded; run the request again.';
        case 'cancelled':
          return 'The task’s run was cancelled.';
        case 'stranded':
          // Cancelled too: a server of that version started later must not run a task already failed. Stranded only
          // once no server of that version was seen for a grace of minutes (`run-format.ts`), not at one late beat.
          await runs.cancel(taskId);
          return `The task was started by a server of another version (run format ${status.format}), which this one cannot resume; run the request again.`;
        default:
          return undefined;
      }
    },
  });
  return {
    port,
    define: (server) => runs.define(MCP_TASK_RUN, (input: unknown, journal) => server.executeTask(input, journal)),
  };
}

/** What a task call refused by the full shared queue answers: a rate limit with its retry delay. */
async function asRateLimit(refusable: Promise<unknown>): Promise<void> {
  try {
    await refusable;
  } catch (error) {
    if (error instanceof RunQueueFullError)
      throw new RateLimitError(error.retryAfterSeconds, { data: { limit: 'agent_runs' }, cause: error });
    throw error;
  }
}
