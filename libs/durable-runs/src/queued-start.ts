import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';
import { RUN_EVENTS_TABLE } from './run-mailbox';

/**
 * The event a closing replica sets on each run it hands over (`handOverRuns` takes its dequeue back from
 * `recovery_attempts`, so that count no longer tells that the run started before).
 */
const HANDED_OVER_EVENT = 'agent_runs.handed_over';

/** How a run of the shared queue came to start executing, as DBOS recorded its dequeue. */
export interface QueuedStart {
  /** From its enqueue to its dequeue, ms: both stamped by the database's clock, so no skew between replicas. */
  readonly waitMs: number;
  /**
   * Dequeued before (its replica stopped or closed, and it was put back on the queue): `waitMs` then spans its earlier
   * run.
   */
  readonly resumed: boolean;
}

// DBOS stamps created_at at the enqueue and started_at_epoch_ms at the dequeue (both the database's now()), and
// counts each dequeue in recovery_attempts (0 when enqueued) but a handover's. Two reads by primary key per run start.
const START_SQL = `SELECT recovery_attempts, started_at_epoch_ms - created_at AS wait_ms,
    EXISTS (SELECT 1 FROM ${RUN_EVENTS_TABLE} WHERE run_id = $1 AND key = '${HANDED_OVER_EVENT}') AS handed_over
  FROM "${RUNS_SCHEMA}".workflow_status WHERE workflow_uuid = $1`;

/** Marks `runIds` as handed over, in `client`'s transaction (the one that hands them over). */
export async function markHandedOver(client: pg.ClientBase, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await client.query(
    `INSERT INTO ${RUN_EVENTS_TABLE} (run_id, key, value) SELECT unnest($1::text[]), $2, 'true' ON CONFLICT DO NOTHING`,
    [runIds, HANDED_OVER_EVENT],
  );
}

/** Reads how the queued run `runId` started; `undefined` if it has no row or no dequeue time. */
export async function readQueuedStart(pool: pg.Pool, runId: string): Promise<QueuedStart | undefined> {
  const { rows } = await pool.query<{ recovery_attempts: string | null; wait_ms: string | null; handed_over: boolean }>(
    { name: 'agent_runs.queued_start', text: START_SQL },
    [runId],
  );
  const row = rows[0];
  if (!row || row.wait_ms === null) return undefined;
  const resumed = row.handed_over || Number(row.recovery_attempts ?? 0) > 1;
  return { waitMs: Math.max(0, Number(row.wait_ms)), resumed };
}
