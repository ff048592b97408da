import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';

/** How a run of the shared queue came to start executing, as DBOS recorded its dequeue. */
export interface QueuedStart {
  /** From its enqueue to its dequeue, ms: both stamped by the database's clock, so no skew between replicas. */
  readonly waitMs: number;
  /** Dequeued before (its replica stopped and it was put back on the queue): `waitMs` then spans its earlier run. */
  readonly resumed: boolean;
}

// DBOS stamps created_at at the enqueue and started_at_epoch_ms at the dequeue (both the database's now()), and
// counts each dequeue in recovery_attempts (0 when enqueued). One indexed read by primary key per run start.
const START_SQL = `SELECT recovery_attempts, started_at_epoch_ms - created_at AS wait_ms
  FROM "${RUNS_SCHEMA}".workflow_status WHERE workflow_uuid = $1`;

/** Reads how the queued run `runId` started; `undefined` if it has no row or no dequeue time. */
export async function readQueuedStart(pool: pg.Pool, runId: string): Promise<QueuedStart | undefined> {
  const { rows } = await pool.query<{ recovery_attempts: string | null; wait_ms: string | null }>(
    { name: 'agent_runs.queued_start', text: START_SQL },
    [runId],
  );
  const row = rows[0];
  if (!row || row.wait_ms === null) return undefined;
  return { waitMs: Math.max(0, Number(row.wait_ms)), resumed: Number(row.recovery_attempts ?? 0) > 1 };
}
