import { type TaskOutcome } from '@agent-mcp/context';
import { type AgentRuns, type DurableRuns, RunNotFoundError, RunQueueFullError } from '@agent-mcp/durable-runs';
import {
  answerTopic,
  type McpServer,
  type ParkedCall,
  type ParkedCallRuns,
  type ParkedQuestion,
  PROGRESS_EVENT,
  QUESTION_EVENT,
  RateLimitError,
} from '@agent-mcp/mcp-core';
import { answerKey, delivered, QUESTION_WATCH, recordedRunQuestions } from './run-questions';

/** The kind of run a parked call is, the same on every replica. */
export const MCP_CALL_RUN = 'mcp-call';

/** What a request waiting on a parked call's run is woken by, when it follows the run's progress from another replica. */
const WATCHED_WITH_PROGRESS = Object.freeze({ status: true, events: [QUESTION_EVENT, PROGRESS_EVENT] });

/** JSON-RPC's internal error: how a call whose run ended without an outcome fails. */
const INTERNAL_ERROR = -32603;

/**
 * Calls parked on their runs: the MCP server's {@link ParkedCallRuns} port over `@agent-mcp/durable-runs`, and the
 * work every process defines for it (`server.executeParked`). A 2026-07-28 call of a resumable tool (the agent tools)
 * is a run started in the process that took it, whose questions to the client wait in the run's mailbox:
 * - recorded runs (`createDurableRuns`, `DATABASE_URL`): the retry may reach any replica, which delivers the answer
 *   through PostgreSQL; a run whose replica died resumes on a live one from its recorded steps and answers;
 * - in-process runs (`createLocalRuns`, the embedded default): one process takes every retry; nothing is recorded, so
 *   a call parked when the process stops is gone (its retry is told to start over).
 */
export function parkedCallRuns(runs: AgentRuns | DurableRuns): {
  readonly port: ParkedCallRuns;
  /** Defines the work of {@link MCP_CALL_RUN} on `server`; call it before `runs.start()`. */
  define(server: McpServer): void;
} {
  return runs.kind === 'durable' ? recordedCalls(runs) : localCalls(runs);
}

function recordedCalls(runs: DurableRuns): ReturnType<typeof parkedCallRuns> {
  /** The outcomes of the runs started in this process, known here without reading the database. */
  const here = new Map<string, Promise<TaskOutcome | undefined>>();
  const questions = recordedRunQuestions(runs);
  const port: ParkedCallRuns = Object.freeze({
    recorded: true,
    ready: (waitMs: number) => runs.ready(waitMs),
    async start(call: ParkedCall, principal: string, signal: AbortSignal) {
      const handle = await busy(() =>
        // Named by its tool in the runs' metrics, as an inline agent run of the tool was.
        runs.startHere<TaskOutcome>(MCP_CALL_RUN, call, { principal, runId: call.runId, signal, label: call.tool }),
      );
      // A failure is read from the record below, as on any replica.
      const done = handle.result().catch(() => undefined);
      here.set(call.runId, done);
      void done.finally(() => here.delete(call.runId));
    },
    question: questions.question,
    deliver: questions.deliver,
    async outcome(runId: string, timeoutMs: number): Promise<TaskOutcome | undefined> {
      const local = here.get(runId);
      if (local) {
        const outcome = await Promise.race([local, sleep(timeoutMs)]);
        if (outcome || here.has(runId)) return outcome;
      }
      try {
        return await runs.result<TaskOutcome>(runId, { timeoutMs: local ? 0 : timeoutMs });
      } catch {
        // The work records every failure of the call as its outcome: a run that failed anyway ended without one.
        const status = await runs.status(runId);
        return { error: { code: INTERNAL_ERROR, message: lostMessage(status?.state, status?.starts ?? 1) } };
      }
    },
    cancel: (runId: string) => runs.cancel(runId),
    progress: (runId: string) => runs.readEvent(runId, PROGRESS_EVENT, { timeoutMs: 0 }),
    // Its end (the status signal, sent here too when it ends in this process) or a question published, on any replica.
    watch: (runId: string, options?: { readonly progress?: boolean }) =>
      options?.progress ? runs.watch(runId, WATCHED_WITH_PROGRESS) : questions.watch(runId),
  });
  return {
    port,
    define: (server) => runs.define(MCP_CALL_RUN, (input: unknown, journal) => server.executeParked(input, journal)),
  };
}

interface LocalCall {
  readonly controller: AbortController;
  readonly done: Promise<TaskOutcome>;
  /** The in-process run's id (its mailbox), once it started. */
  runId?: string;
}

/** How long an in-process call's outcome is kept for a request that has not read it yet. */
const LOCAL_OUTCOME_KEEP_MS = 10 * 60_000;

function localCalls(runs: AgentRuns): ReturnType<typeof parkedCallRuns> {
  let server: McpServer | undefined;
  const calls = new Map<string, LocalCall>();
  const never = new AbortController().signal;
  const port: ParkedCallRuns = Object.freeze({
    ready: () => Promise.resolve(server !== undefined),
    async start(call: ParkedCall, principal: string, signal: AbortSignal) {
      const executor = server;
      if (!executor) throw new TypeError('No parked-call work is defined');
      // The run outlives the request that started it: its own signal, tied to that request only until it starts.
      const controller = new AbortController();
      const stopWaiting = () => controller.abort(signal.reason);
      signal.addEventListener('abort', stopWaiting, { once: true });
      let began!: () => void;
      const started = new Promise<void>((resolve) => (began = resolve));
      const entry: LocalCall = {
        controller,
        done: runs.run({ principal, kind: call.tool, signal: controller.signal }, (journal) => {
          entry.runId = journal.runId;
          began();
          return executor.executeParked(call, journal);
        }),
      };
      calls.set(call.runId, entry);
      entry.done
        .catch(() => undefined)
        .finally(() => setTimeout(() => calls.delete(call.runId), LOCAL_OUTCOME_KEEP_MS).unref());
      try {
        await busy(() => Promise.race([started, entry.done.then(() => undefined)]));
      } finally {
        signal.removeEventListener('abort', stopWaiting);
      }
    },
    async question(runId: string) {
      const local = calls.get(runId)?.runId;
      if (!local) return undefined;
      try {
        return (await runs.readEvent(local, QUESTION_EVENT, { timeoutMs: 0, signal: never })) as
          ParkedQuestion | undefined;
      } catch (error) {
        if (error instanceof RunNotFoundError) return undefined;
        throw error;
      }
    },
    async deliver(runId: string, seq: string, answers: Record<string, unknown>) {
      const local = calls.get(runId)?.runId;
      if (!local) return 'gone' as const;
      return delivered(async () => runs.send(local, answerTopic(seq), answers, answerKey(seq)));
    },
    async outcome(runId: string, timeoutMs: number): Promise<TaskOutcome | undefined> {
      const entry = calls.get(runId);
      if (!entry) return { error: { code: INTERNAL_ERROR, message: lostMessage(undefined, 1) } };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
      try {
        return await Promise.race([
          entry.done.catch((error: unknown): TaskOutcome => ({
            error: { code: INTERNAL_ERROR, message: error instanceof Error ? error.message : String(error) },
          })),
          waited,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async cancel(runId: string) {
      calls.get(runId)?.controller.abort(new Error('The call was cancelled'));
    },
    // The in-process run's end or a question it publishes; a call not started has nothing to wake it (its outcome is
    // read at the first look).
    watch: (runId: string) => runs.watch(calls.get(runId)?.runId ?? runId, QUESTION_WATCH),
  });
  return { port, define: (s) => (server = s) };
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/** A full queue is a busy server, as for a call that runs its agent inline (agent-tools' mapping). */
async function busy<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof RunQueueFullError)
      throw new RateLimitError(error.retryAfterSeconds, { data: { limit: 'agent_runs' }, cause: error });
    throw error;
  }
}

/** Why a call's run ended without its outcome. */
function lostMessage(state: string | undefined, starts: number): string {
  switch (state) {
    case 'given_up':
      return `The call could not be resumed: the servers running it stopped ${starts - 1} times, more than RUN_MAX_RESUMES allows. Call the tool again.`;
    case 'cancelled':
      return 'The call was cancelled.';
    case 'stranded':
      return 'The call was started by a server of another version, which this one cannot resume; call the tool again.';
    default:
      return 'The call’s run ended without its outcome (its server stopped, or it failed); call the tool again.';
  }
}
