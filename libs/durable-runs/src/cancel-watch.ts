import { RunCancelledError } from '@agent-mcp/agent-core';
import { type Logger } from '@agent-mcp/context';
import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';
import { type RunSignals } from './run-signals';

/**
 * How long the watch of an executing run waits for a wake before it looks at the run anyway. A wake is lost only
 * while the signals' connection is down, and its reconnection wakes every watch: this is the last resort.
 */
const LOOK_ANYWAY_MS = 30_000;

/** A run's cancellation, as a signal for the work executing it here. */
export interface CancelWatch {
  /** Aborted (with a `RunCancelledError`) once the run is cancelled, on this replica or another. */
  readonly signal: AbortSignal;
  /** Stops watching (the run's execution here ended); harmless twice. */
  close(): void;
}

/**
 * Watches the run `runId` executing here for its cancellation, so that its work stops at once (its model request,
 * its statement) rather than at its next step: `cancel` marks DBOS's row `CANCELLED` wherever it is called, and the
 * status trigger wakes this replica through `LISTEN` (the cancelling process's own wake when it is this one). A wake
 * is only "look again": the watch reads the run's status, aborts on `CANCELLED` and stops once the run left
 * `PENDING` (finished, or handed over: the execution here then ends at its next checkpoint).
 */
export function watchCancel(signals: RunSignals, pool: pg.Pool, runId: string, logger: Logger): CancelWatch {
  const controller = new AbortController();
  const watch = signals.watch(runId, { status: true }, { keepsAlive: false });
  let open = true;
  const close = () => {
    open = false;
    watch.close();
  };
  const look = async (): Promise<boolean> => {
    const { rows } = await pool.query<{ status: string }>(
      {
        name: 'agent_runs.cancel_watch',
        text: `SELECT status FROM "${RUNS_SCHEMA}".workflow_status WHERE workflow_uuid = $1`,
      },
      [runId],
    );
    const status = rows[0]?.status;
    if (status === 'CANCELLED') controller.abort(new RunCancelledError());
    return status === undefined || status === 'PENDING';
  };
  void (async () => {
    // Looks first: a cancel made between the dequeue and this watch woke nobody. Ends with the signals (the runs
    // closed): an execution stopped or handed over at close never settles, so its `close` may never come, and the
    // pool is ended.
    while (open && !signals.closed) {
      try {
        if (!(await look())) break;
      } catch (error) {
        // Looked at again at the next wake: a failed read must not end the run.
        if (!signals.closed)
          logger.warn('agent runs: could not read whether a run was cancelled', { runId, err: error });
      }
      await watch.next(LOOK_ANYWAY_MS, signals.closing);
    }
    close();
  })();
  return { signal: controller.signal, close };
}
