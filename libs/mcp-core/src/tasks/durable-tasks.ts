import { type Principal } from '@agent-mcp/context';
import { z } from 'zod';
import { McpLocalError } from '../errors';
import { RECORDED_CALL_FIELDS } from '../recorded-call';
import { type OpenTaskQuestions } from '../mrtr/parked-call';
import { type RunQuestions } from './legacy-task-questions';

/**
 * The runner every durable task is stored under: a durable task belongs to no process, so whichever replica executes
 * it renews its lease and takes the answers sent to it under this name.
 */
export const DURABLE_TASK_RUNNER = 'durable-runs';

/**
 * A task-augmented `tools/call` as a durable run records it: everything a replica needs to execute the call again,
 * with no live client (the request's credentials were checked when it arrived; its connection is not needed).
 */
export const DurableTaskCallSchema = z.object({
  taskId: z.string().min(1).max(256),
  ...RECORDED_CALL_FIELDS,
  /**
   * The protocol era of the call: a 2026-07-28 task's questions are answered with `tasks/update`, a 2025-11-25
   * one's asked on `tasks/result`; either way through the run.
   */
  era: z.enum(['legacy', 'modern']),
  /**
   * The 2025-11-25 session the call came on: when the replica executing the run holds that session, open with its
   * stream, it asks the run's questions there at once too (see `legacy-task-questions.ts`).
   */
  sessionId: z.string().min(1).max(256).optional(),
});

/** See {@link DurableTaskCallSchema}. */
export type DurableTaskCall = Omit<z.infer<typeof DurableTaskCallSchema>, 'principal'> & {
  readonly principal: Principal;
};

/**
 * Where the task-augmented calls of resumable tools (`execution.resumable`) become durable runs, the port an engine
 * of durable execution implements for {@link TaskOptions.durable} (server-kit adapts `@agent-mcp/durable-runs`).
 * A submitted call is executed by `McpServer.executeTask(call, journal)` on whichever replica runs it, and again from its
 * recorded input on a live replica if that one dies: the composition root defines that work once per process,
 * before the engine starts. The task store stays the truth `tasks/get` and `tasks/result` read on every replica.
 *
 * A task's questions wait in its run (keyed by the task id, as every run's method here). A 2025-11-25 task's:
 * `question`, `deliver` and `watch` are what the replica serving the client's `tasks/result` asks and answers them
 * with, as a request waiting on a parked call does (`ParkedCallRuns`). A 2026-07-28 task's: `openQuestions` and
 * `deliver` are what the replica serving the client's `tasks/update` answers them with.
 */
export interface DurableTaskRuns extends RunQuestions {
  /**
   * The questions a 2026-07-28 task's run waits on (its event `TASK_QUESTIONS_EVENT`, see `ParkedInputs.forTask`),
   * `{}` when none; `undefined` when the run published none (not such a task's run, or not started yet).
   */
  openQuestions(taskId: string): Promise<OpenTaskQuestions | undefined>;
  /**
   * Whether calls can be submitted now, waiting at most `waitMs` for the engine to come up. When not, the call is
   * refused (a task that ran unrecorded could not be resumed).
   */
  ready(waitMs: number): Promise<boolean>;
  /**
   * Refuses a new run of `call` when the engine's queue is full, before the task is stored (the engine counts the
   * refusal by the call's tool, as it counts a refused call).
   * @throws the error the call answers with (an MCP error: a rate limit with its retry delay)
   */
  admit(call: Omit<DurableTaskCall, 'taskId'>): Promise<void>;
  /**
   * Records the call as a run keyed by its task id and queues it (limits per replica and per `principal` key).
   * @throws the error of {@link admit} when the queue filled since (the engine bounds it exactly at the enqueue)
   */
  submit(call: DurableTaskCall, principal: string): Promise<void>;
  /** Cancels the task's run wherever it is: it stops at its next step and is never resumed. */
  cancel(taskId: string): Promise<void>;
  /**
   * Why the task's run ended without storing the task's outcome (it could not be resumed, or it failed outside the
   * call), for the task's status message; `undefined` while it is queued or running, or when it is not a run.
   */
  lostReason(taskId: string): Promise<string | undefined>;
}

/** A durable run's recorded input is not a task call this server can execute (a record of another format). */
export class InvalidTaskRecordError extends McpLocalError {
  constructor(detail: string) {
    super('INVALID_TASK_RECORD', `Not a recorded task call: ${detail}`);
  }
}

/** Reads a recorded call back. @throws InvalidTaskRecordError */
export function parseDurableTaskCall(input: unknown): DurableTaskCall {
  const parsed = DurableTaskCallSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidTaskRecordError(`${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data as DurableTaskCall;
}
